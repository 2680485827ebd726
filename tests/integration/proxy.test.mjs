// Proxy behaviour: routing, model rewrite, header forwarding/stripping, SSE pass-through,
// keep-alive/pipelining, /v1/models, /healthz, /readyz, /metrics, routing errors.
import test, { before, after, beforeEach, afterEach, describe } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { startMock, startWarden, request, rawExchange, openSocket, readUntil, parseSSE } from '../support/harness.mjs';
import {
  AUTH, TOKEN, config, baseEnv, rawHttp, parseResponse, parseResponses, assertOpenAiError,
  assertAnthropicError, assertIntact, streamEvents, testId, recordedFor,
} from '../support/fixtures.mjs';

let mock;
let w;

before(async () => {
  mock = await startMock();
  w = await startWarden({
    config: config(mock.url, {
      tail: `[providers.off]\napi = "openai"\nbase_url = "${mock.url}/v1"\n`,
    }),
    env: baseEnv(),
  });
});
after(async () => {
  await w?.stop();
  await mock?.stop();
});

async function post(path, body, headers = {}) {
  return request(`${w.url}${path}`, { headers: { ...AUTH, ...headers }, body });
}

describe('routing and model rewrite', () => {
  test('chat completion: upstream gets the bare model and a byte-identical body otherwise', async () => {
    const id = testId('rewrite');
    // Unusual spacing, key order, escapes and non-ASCII: only the model value may change.
    const before = '{ "messages" :[ {"content":"h\\u00e9llo \\"q\\" \u00e9\u6f22","role":"user"} ],\n\t"temperature":0.50 ,"model"  :  "mock/gpt-x",  "n":1e0, "extra":{"model":"not-me"} }';
    const expected = before.replace('"mock/gpt-x"', '"gpt-x"');
    const r = await post('/v1/chat/completions', before, { 'content-type': 'application/json', 'x-test-id': id });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().model, 'gpt-x', 'the mock echoes the model it received');
    assert.equal(r.json().choices[0].message.content, 'chunk0 chunk1 chunk2');
    const [rec] = await recordedFor(mock, id);
    assert.ok(rec, 'the mock recorded the request');
    assert.equal(rec.path, '/v1/chat/completions');
    assert.equal(rec.body, expected);
    assert.equal(rec.headers['content-length'], String(Buffer.byteLength(expected)));
    assert.equal(rec.headers.authorization, 'Bearer mock-key-1');
    // The access line names the key by its fingerprint (sha256 of the key, first 12 digits).
    const fp = `sha256:${crypto.createHash('sha256').update('mock-key-1').digest('hex').slice(0, 12)}`;
    await w.waitForOutput(new RegExp(`POST /v1/chat/completions 200 provider=mock key=${fp} attempts=1 `));
  });

  test('a 60 KB agent turn quoting code reaches the upstream byte-identical but for the model', async () => {
    const id = testId('agent');
    const code = Array.from({ length: 40 }, (_, i) => `  if (v${i} != "") { out.push("\\t${i}: " + v${i}); } // é`).join('\n');
    const messages = [];
    while (JSON.stringify(messages).length < 60000) messages.push({ role: 'user', content: `Review:\n${code}` });
    const before = JSON.stringify({ messages, temperature: 0.2, model: 'mock/gpt-x' });
    const expected = before.replace('"mock/gpt-x"', '"gpt-x"');
    const r = await post('/v1/chat/completions', before, { 'content-type': 'application/json', 'x-test-id': id });
    assert.equal(r.status, 200, r.text);
    const [rec] = await recordedFor(mock, id);
    assert.equal(rec.body, expected);
  });

  const routes = [
    ['/v1/completions', { model: 'mock/m1', prompt: 'x' }, '/v1/completions', (j) => assert.equal(j.object, 'text_completion')],
    ['/v1/embeddings', { model: 'mock/emb', input: ['a', 'b'] }, '/v1/embeddings', (j) => assert.equal(j.data.length, 2)],
    ['/v1/responses', { model: 'mock/r1', input: 'x' }, '/v1/responses', (j) => assert.equal(j.object, 'response')],
    ['/v1/messages', { model: 'claude/c1', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, '/v1/messages', (j) => assert.equal(j.type, 'message')],
    ['/v1/messages/count_tokens', { model: 'claude/c1', messages: [{ role: 'user', content: 'x' }] }, '/v1/messages/count_tokens', (j) => assert.equal(typeof j.input_tokens, 'number')],
  ];
  for (const [path, body, upstreamPath, check] of routes) {
    test(`POST ${path} is forwarded to ${upstreamPath} with the bare model`, async () => {
      const id = testId('route');
      const r = await post(path, body, { 'x-test-id': id });
      assert.equal(r.status, 200, r.text);
      check(r.json());
      const [rec] = await recordedFor(mock, id);
      assert.equal(rec.path, upstreamPath);
      assert.equal(JSON.parse(rec.body).model, body.model.split('/')[1]);
    });
  }

  test('the query string is passed through to the upstream', async () => {
    const id = testId('query');
    const r = await post('/v1/chat/completions?api-version=2024-01-01&x=1', { model: 'mock/q' }, { 'x-test-id': id });
    assert.equal(r.status, 200, r.text);
    const [rec] = await recordedFor(mock, id);
    assert.equal(rec.url, '/v1/chat/completions?api-version=2024-01-01&x=1');
  });

  test('a model name containing further slashes keeps everything after the provider', async () => {
    const id = testId('slash');
    const r = await post('/v1/chat/completions', { model: 'mock/org/model-1' }, { 'x-test-id': id });
    assert.equal(r.status, 200, r.text);
    const [rec] = await recordedFor(mock, id);
    assert.equal(JSON.parse(rec.body).model, 'org/model-1');
  });
});

describe('upstream headers', () => {
  const stripped = {
    cookie: 'session=abc',
    'proxy-authorization': 'Basic Zm9vOmJhcg==',
    'x-forwarded-for': '10.1.2.3',
    'x-forwarded-host': 'evil.example',
    'x-forwarded-proto': 'https',
    forwarded: 'for=10.1.2.3',
    'x-real-ip': '10.1.2.3',
    te: 'trailers',
    'keep-alive': 'timeout=5',
    upgrade: 'websocket',
    'proxy-connection': 'keep-alive',
    trailer: 'x-foo',
  };

  // Sent raw: fetch refuses to send several of these (te, upgrade, keep-alive, ...).
  async function rawPost(path, id, headers, body) {
    const raw = rawHttp('POST', path, { headers: [['x-test-id', id], ...headers], body, auth: false, close: true });
    const res = await rawExchange(w.port, raw, { timeoutMs: 3000 });
    const p = parseResponse(res.data);
    assert.equal(p.status, 200, res.data);
    const [rec] = await recordedFor(mock, id);
    assert.ok(rec, 'the mock recorded the request');
    return rec;
  }

  test('OpenAI: provider key as Bearer; caller credentials, cookies, proxy and hop-by-hop headers stripped; others forwarded', async () => {
    const id = testId('hdr');
    const rec = await rawPost('/v1/chat/completions', id, [
      ['authorization', `Bearer ${TOKEN}`],
      ['x-api-key', TOKEN],
      ['openai-organization', 'org-123'],
      ['openai-project', 'proj-9'],
      ['x-custom-thing', 'kept'],
      ...Object.entries(stripped),
    ], { model: 'mock/h' });
    const h = rec.headers;
    assert.equal(h.authorization, 'Bearer mock-key-1');
    assert.equal(h['x-api-key'], undefined, 'the caller x-api-key must not be forwarded');
    // Account scope chosen by a caller is withheld unless the provider opts in
    // (forward_caller_headers): a mismatch would make the provider refuse the shared key.
    assert.equal(h['openai-organization'], undefined);
    assert.equal(h['openai-project'], undefined);
    assert.equal(h['x-custom-thing'], 'kept');
    for (const name of Object.keys(stripped)) assert.equal(h[name], undefined, `${name} must not be forwarded`);
    assert.notEqual(h.host, '127.0.0.1', 'Host is the upstream host, not the caller\'s');
    assert.ok(!JSON.stringify(rec.rawHeaders).includes(TOKEN), 'the gateway token never reaches the upstream');
  });

  test('headers nominated by the caller\'s Connection header are hop-by-hop and not forwarded', {
  }, async () => {
    const id = testId('conn');
    // fetch forbids setting Connection; use a raw request.
    const raw = rawHttp('POST', '/v1/chat/completions', {
      headers: [['x-test-id', id], ['connection', 'keep-alive, x-hop-only'], ['x-hop-only', 'secret-hop']],
      body: { model: 'mock/conn' },
      close: false,
    });
    const res = await rawExchange(w.port, raw, { timeoutMs: 3000 });
    assert.equal(parseResponse(res.data).status, 200, res.data);
    const [rec] = await recordedFor(mock, id);
    assert.equal(rec.headers.connection === undefined || !/x-hop-only/i.test(rec.headers.connection), true);
    assert.equal(rec.headers['x-hop-only'], undefined, 'a header listed in Connection must not be forwarded (RFC 9110 §7.6.1)');
  });

  test('Anthropic: provider key as x-api-key, anthropic-version and anthropic-beta passed through, caller Authorization stripped', async () => {
    const id = testId('anth');
    const rec = await rawPost('/v1/messages', id, [
      ['authorization', `Bearer ${TOKEN}`],
      ['anthropic-version', '2099-01-01'],
      ['anthropic-beta', 'tools-2024-04-04'],
      ...Object.entries(stripped),
    ], { model: 'claude/c', max_tokens: 1, messages: [] });
    const h = rec.headers;
    assert.equal(h['x-api-key'], 'claude-key-1');
    assert.equal(h.authorization, undefined, 'the caller Authorization must not be forwarded');
    assert.equal(h['anthropic-version'], '2099-01-01');
    assert.equal(h['anthropic-beta'], 'tools-2024-04-04');
    for (const name of Object.keys(stripped)) assert.equal(h[name], undefined, `${name} must not be forwarded`);
    assert.ok(!JSON.stringify(rec.rawHeaders).includes(TOKEN), 'the gateway token never reaches the upstream');
  });

  test('Anthropic: anthropic-version defaults to 2023-06-01; the caller x-api-key is replaced by the provider key', async () => {
    const id = testId('anthv');
    const r = await request(`${w.url}/v1/messages`, {
      headers: { 'x-api-key': TOKEN, 'x-test-id': id },
      body: { model: 'claude/c', max_tokens: 1, messages: [] },
    });
    assert.equal(r.status, 200, r.text);
    const [rec] = await recordedFor(mock, id);
    assert.equal(rec.headers['anthropic-version'], '2023-06-01');
    assert.equal(rec.headers['x-api-key'], 'claude-key-1');
    assert.equal(rec.rawHeaders.filter((x) => x.toLowerCase() === 'x-api-key').length, 1, 'exactly one x-api-key');
  });

  test('responses carry x-content-type-options: nosniff and the upstream response headers', async () => {
    const r = await post('/v1/chat/completions', { model: 'mock/n' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('x-request-id'), 'req_mock');
  });
});

describe('streaming', () => {
  test('chat SSE is passed through event by event as it arrives', async () => {
    const s = await streamEvents(`${w.url}/v1/chat/completions`, {
      headers: { ...AUTH, 'x-mock-delay-ms': '200', 'x-mock-chunks': '3' },
      body: { model: 'mock/s', stream: true },
    });
    assert.equal(s.error, null, String(s.error));
    assert.equal(s.status, 200);
    assert.match(s.headers.get('content-type'), /^text\/event-stream/);
    const data = s.events.map((e) => e.data);
    assert.equal(data.length, 4, s.text);
    assert.equal(data[3], '[DONE]');
    const text = data.slice(0, 3).map((d) => JSON.parse(d).choices[0].delta.content).join('');
    assert.equal(text, 'chunk0 chunk1 chunk2');
    assert.equal(JSON.parse(data[0]).model, 's');
    // The mock waits 200 ms before the 2nd and the 3rd delta: a buffering proxy would deliver
    // everything at once at ~400 ms.
    const first = s.events[0].t;
    const last = s.events[2].t;
    assert.ok(last - first >= 300, `first event at ${first.toFixed(0)} ms, last at ${last.toFixed(0)} ms: not streamed`);
  });

  test('Anthropic SSE keeps event names and order and is streamed', async () => {
    const s = await streamEvents(`${w.url}/v1/messages`, {
      headers: { 'x-api-key': TOKEN, 'x-mock-delay-ms': '200', 'x-mock-chunks': '3' },
      body: { model: 'claude/s', stream: true, max_tokens: 5, messages: [] },
    });
    assert.equal(s.error, null, String(s.error));
    assert.equal(s.status, 200);
    assert.deepEqual(s.events.map((e) => e.event), [
      'message_start', 'content_block_start', 'content_block_delta', 'content_block_delta',
      'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop',
    ]);
    assert.equal(JSON.parse(s.events[0].data).message.model, 's');
    assert.ok(s.events[4].t - s.events[2].t >= 300, 'deltas arrive as produced');
  });

  test("a stream's head reaches the caller before its first event", async () => {
    // The provider sends its head, then thinks for a second: the caller has the status at once,
    // in a read of its own, not held back until the first event.
    const s = await openSocket(w.port);
    try {
      const reads = [];
      s.on('data', (d) => reads.push(d.toString('latin1')));
      const done = readUntil(s, /data: \[DONE\]/, 10000);
      s.write(rawHttp('POST', '/v1/chat/completions', {
        headers: { 'x-mock-first-event-delay-ms': '1000', 'x-mock-chunks': '1' },
        body: { model: 'mock/thinking', stream: true },
      }));
      await done;
      const head = parseResponse(reads[0]);
      assert.equal(head.status, 200);
      assert.match(head.headers['transfer-encoding'], /chunked/);
      assert.ok(reads[0].endsWith('\r\n\r\n'), `the first read holds the head alone: ${JSON.stringify(reads[0])}`);
      assert.ok(!reads[0].includes('data:'), 'no event in the first read');
    } finally {
      s.destroy();
    }
  });

  test('the raw stream is chunked and ends with the terminating 0-chunk', async () => {
    const raw = rawHttp('POST', '/v1/chat/completions', { body: { model: 'mock/raw', stream: true }, close: true });
    const res = await rawExchange(w.port, raw, { timeoutMs: 3000 });
    assert.equal(res.closed, true);
    const p = parseResponse(res.data);
    assert.equal(p.status, 200);
    assert.match(p.headers['transfer-encoding'], /chunked/);
    assert.equal(p.complete, true, 'the stream ends with 0\\r\\n\\r\\n');
    const ev = parseSSE(p.body);
    assert.equal(ev.at(-1).data, '[DONE]');
  });

  test('warden_active_streams counts a stream in flight', async () => {
    const s = await openSocket(w.port);
    try {
      s.write(rawHttp('POST', '/v1/chat/completions', {
        headers: { 'x-mock-delay-ms': '300', 'x-mock-chunks': '20' },
        body: { model: 'mock/active', stream: true },
      }));
      await readUntil(s, /chunk0/);
      const m = await request(`${w.url}/metrics`, { headers: AUTH });
      assert.match(m.text, /^warden_active_streams 1$/m);
    } finally {
      s.destroy();
    }
  });
});

describe('connections', () => {
  test('keep-alive: several requests on one connection', async () => {
    const s = await openSocket(w.port);
    try {
      for (let i = 0; i < 3; i++) {
        s.write(rawHttp('POST', '/v1/chat/completions', { body: { model: `mock/ka${i}` } }));
        const text = await readUntil(s, /"system_fingerprint":"fp_mock"\}/);
        const p = parseResponse(text);
        assert.equal(p.status, 200);
        assert.equal(JSON.parse(p.body).model, `ka${i}`);
        assert.notEqual(p.headers.connection, 'close');
      }
      s.write(rawHttp('GET', '/healthz', { auth: false }));
      assert.equal(parseResponse(await readUntil(s, /"ok"\}/)).status, 200);
    } finally {
      s.destroy();
    }
  });

  test('pipelined requests in one write are answered in order', async () => {
    const two = rawHttp('POST', '/v1/chat/completions', { body: { model: 'mock/first' } })
      + rawHttp('GET', '/healthz', { auth: false })
      + rawHttp('POST', '/v1/chat/completions', { body: { model: 'mock/second' }, close: true });
    const res = await rawExchange(w.port, two, { timeoutMs: 5000 });
    assert.equal(res.timedOut, false, 'the server closes after the connection: close request');
    const rs = parseResponses(res.data);
    assert.equal(rs.length, 3, res.data);
    assert.deepEqual(rs.map((r) => r.status), [200, 200, 200]);
    assert.equal(JSON.parse(rs[0].body).model, 'first');
    assert.deepEqual(JSON.parse(rs[1].body), { status: 'ok' });
    assert.equal(JSON.parse(rs[2].body).model, 'second');
  });

  test('a request sent while the previous one waits on its provider is answered after it', async () => {
    // The second request arrives while the session's pending receive is the caller watch (not
    // yet its wait for the next request): it is kept for the session, not taken as a departure
    // (which would cancel the first exchange: no answer to it).
    const s = await openSocket(w.port);
    try {
      const before = await mock.stats();
      s.write(rawHttp('POST', '/v1/chat/completions', {
        body: { model: 'mock/slow' }, headers: { 'x-mock-first-byte-delay-ms': '300' } }));
      await mock.waitStats('started', before.started + 1, 5000);
      s.write(rawHttp('POST', '/v1/chat/completions', { body: { model: 'mock/next' }, close: true }));
      const text = await readUntil(s, /"model":"next"[\s\S]*\}\s*$/, 5000);
      const rs = parseResponses(text);
      assert.equal(rs.length, 2, text);
      assert.deepEqual(rs.map((r) => r.status), [200, 200]);
      assert.equal(JSON.parse(rs[0].body).model, 'slow');
      assert.equal(JSON.parse(rs[1].body).model, 'next');
    } finally {
      s.destroy();
    }
  });
});

/** How many descriptors each epoll instance of process `pid` watches, by the epoll's fd. */
function epollWatchCounts(pid) {
  const counts = new Map();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    let target;
    try { target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { continue; }
    if (target !== 'anon_inode:[eventpoll]') continue;
    counts.set(fd, (fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').match(/^tfd:/gm) ?? []).length);
  }
  return counts;
}

describe('event loops', () => {
  let two;
  before(async () => {
    two = await startWarden({ config: config(mock.url, { gateway: 'threads = 2' }), env: baseEnv() });
  });
  after(async () => {
    await two?.stop();
  });

  test('connections are spread evenly over the loops, and each serves wherever it landed', async () => {
    // The kernel spreads connections over the loops' SO_REUSEPORT listeners by a hash of their
    // addresses: 10 of them land 5/5 only one time in four. Warden moves a new connection to the
    // loop with the fewest; each loop's epoll instance watches its own connections.
    const base = epollWatchCounts(two.process.pid);
    const sockets = [];
    try {
      for (let i = 0; i < 10; i++) {
        const s = await openSocket(two.port);
        sockets.push(s);
        s.write(rawHttp('GET', '/healthz', { auth: false }));
        assert.equal(parseResponse(await readUntil(s, /"ok"\}/)).status, 200);
      }
      const added = [...epollWatchCounts(two.process.pid)]
        .map(([fd, n]) => n - (base.get(fd) ?? 0)).filter((n) => n !== 0);
      assert.equal(added.length, 2, `connections on two loops: ${added}`);
      assert.equal(added[0] + added[1], 10, `every connection watched once: ${added}`);
      assert.ok(Math.abs(added[0] - added[1]) <= 1, `spread evenly: ${added}`);
      for (const [i, s] of sockets.entries()) {
        s.write(rawHttp('POST', '/v1/chat/completions', { body: { model: `mock/loop${i}` } }));
        const p = parseResponse(await readUntil(s, /"system_fingerprint":"fp_mock"\}/));
        assert.equal(p.status, 200);
        assert.equal(JSON.parse(p.body).model, `loop${i}`);
      }
    } finally {
      for (const s of sockets) s.destroy();
    }
  });
});

describe('built-in endpoints', () => {
  test('GET /healthz needs no credentials', async () => {
    const r = await request(`${w.url}/healthz`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { status: 'ok' });
  });

  test('GET /readyz lists providers without any key value', async () => {
    const r = await request(`${w.url}/readyz`);
    assert.equal(r.status, 200);
    const j = r.json();
    assert.equal(j.providers.mock.enabled, true);
    assert.equal(j.providers.mock.available, true);
    assert.equal(j.providers.mock.source, 'env');
    assert.equal(j.providers.mock.keys, 1);
    assert.equal(j.providers.mock.key_status.length, 1);
    assert.match(j.providers.mock.key_status[0].fingerprint, /^sha256:[0-9a-f]+$/);
    assert.equal(j.providers.mock.key_status[0].source, 'MOCK_API_KEY');
    assert.equal(j.providers.mock.key_status[0].usable, true);
    assert.equal(j.providers.claude.enabled, true);
    assert.equal(j.providers.off.enabled, false);
    assert.equal(j.providers.off.available, false);
    for (const secret of ['mock-key-1', 'claude-key-1', TOKEN]) assert.ok(!r.text.includes(secret), `readyz leaks ${secret}`);
  });

  test('GET /v1/models lists provider/* for enabled providers and needs auth', async () => {
    const r = await request(`${w.url}/v1/models`, { headers: AUTH });
    assert.equal(r.status, 200);
    const ids = r.json().data.map((m) => m.id).sort();
    assert.deepEqual(ids, ['claude/*', 'mock/*']);
    const un = await request(`${w.url}/v1/models`);
    assert.equal(un.status, 401);
    assertOpenAiError(un.text, 'missing_credentials');
  });

  test('GET /metrics needs auth and exposes request counts, latency histogram and upstream errors', async () => {
    const un = await request(`${w.url}/metrics`);
    assert.equal(un.status, 401);
    const m0 = await request(`${w.url}/metrics`, { headers: AUTH });
    const count = (text, re) => Number(re.exec(text)?.[1] ?? 0);
    const okRe = /^warden_requests_total\{route="chat_completions",provider="mock",status="200",caller="-"\} (\d+)$/m;
    const histRe = /^warden_request_duration_seconds_count\{route="chat_completions"\} (\d+)$/m;
    const errRe = /^warden_upstream_errors_total\{provider="mock",kind="protocol"\} (\d+)$/m;
    for (let i = 0; i < 3; i++) assert.equal((await post('/v1/chat/completions', { model: 'mock/metric' })).status, 200);
    assert.equal((await post('/v1/chat/completions', { model: 'mock/metric' }, { 'x-mock-fault': 'close-before-response' })).status, 502);
    // A request is counted once its answer has gone out, on its connection's event loop, which
    // may be another than the one serving /metrics: wait (bounded) for the fourth observation.
    let m1;
    for (const deadline = Date.now() + 5000; ;) {
      m1 = await request(`${w.url}/metrics`, { headers: AUTH });
      if (count(m1.text, histRe) - count(m0.text, histRe) >= 4 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(m1.status, 200);
    assert.match(m1.headers.get('content-type'), /^text\/plain/);
    assert.equal(count(m1.text, okRe) - count(m0.text, okRe), 3);
    assert.equal(count(m1.text, histRe) - count(m0.text, histRe), 4);
    assert.equal(count(m1.text, errRe) - count(m0.text, errRe), 1);
    assert.match(m1.text, /^# TYPE warden_request_duration_seconds histogram$/m);
    assert.match(m1.text, /^warden_request_duration_seconds_bucket\{route="chat_completions",le="\+Inf"\} \d+$/m);
    assert.match(m1.text, /^# TYPE warden_active_streams gauge$/m);
    assert.match(m1.text, /^# TYPE warden_upstream_errors_total counter$/m);
    for (const secret of ['mock-key-1', 'claude-key-1', TOKEN]) assert.ok(!m1.text.includes(secret));
  });
});

describe('routing errors (each followed by a good request)', () => {
  // A fresh instance per test, so that a crash is attributed to the input that caused it.
  let main;
  beforeEach(async () => {
    main = w;
    w = await startWarden({
      config: config(mock.url, { tail: `[providers.off]\napi = "openai"\nbase_url = "${mock.url}/v1"\n` }),
      env: baseEnv(),
    });
  });
  afterEach(async () => {
    await w.stop('SIGKILL');
    w = main;
  });
  test('an empty model or a provider/model with an empty part → 400 model_invalid', async () => {
    for (const model of ['', 'mock/', '/gpt-4o']) {
      const r = await post('/v1/chat/completions', { model });
      assert.equal(r.status, 400, `model ${JSON.stringify(model)}: ${r.text}`);
      assertOpenAiError(r.text, 'model_invalid');
    }
    await assertIntact(w, 'model_invalid');
  });

  test('unknown provider → 400 unknown_provider naming the enabled providers', async () => {
    const r = await post('/v1/chat/completions', { model: 'nosuch/gpt' });
    assert.equal(r.status, 400);
    const e = assertOpenAiError(r.text, 'unknown_provider');
    assert.match(e.message, /nosuch/);
    assert.match(e.message, /mock/);
    assert.match(e.message, /claude/);
    await assertIntact(w, 'unknown_provider');
  });

  test('unknown provider on the Anthropic route → Anthropic error shape', async () => {
    const r = await post('/v1/messages', { model: 'nosuch/c', messages: [] });
    assert.equal(r.status, 400);
    assertAnthropicError(r.text, 'unknown_provider');
    await assertIntact(w, 'unknown_provider (anthropic)');
  });

  test('model@profile naming no profile → 400 profile_unknown (more in profile_routing.test.mjs)', async () => {
    const r = await post('/v1/chat/completions', { model: 'mock/gpt@work' });
    assert.equal(r.status, 400);
    assertOpenAiError(r.text, 'profile_unknown');
    assert.equal((await mock.requests()).filter((x) => x.body.includes('@work')).length, 0, 'nothing sent upstream');
    await assertIntact(w, 'profile_unknown');
  });

  test('provider without a credential → 503 provider_disabled naming the env vars', async () => {
    const r = await post('/v1/chat/completions', { model: 'off/gpt' });
    assert.equal(r.status, 503);
    const e = assertOpenAiError(r.text, 'provider_disabled');
    assert.match(e.message, /OFF_API_KEY/);
    await assertIntact(w, 'provider_disabled');
  });

  test('OpenAI route to an Anthropic provider and vice versa → 400 wire_format_mismatch', async () => {
    const a = await post('/v1/chat/completions', { model: 'claude/c' });
    assert.equal(a.status, 400);
    assertOpenAiError(a.text, 'wire_format_mismatch');
    const b = await post('/v1/messages', { model: 'mock/m', messages: [] });
    assert.equal(b.status, 400);
    assertAnthropicError(b.text, 'wire_format_mismatch');
    await assertIntact(w, 'wire_format_mismatch');
  });

  test('unknown route → 404 route_not_found; wrong method → 405 with Allow', async () => {
    const r = await post('/v1/nope', { model: 'mock/x' });
    assert.equal(r.status, 404);
    assertOpenAiError(r.text, 'route_not_found');
    const g = await request(`${w.url}/v1/chat/completions`, { headers: AUTH });
    assert.equal(g.status, 405);
    assertOpenAiError(g.text, 'method_not_allowed');
    assert.equal(g.headers.get('allow'), 'POST');
    const pm = await post('/v1/models', {});
    assert.equal(pm.status, 405);
    assert.equal(pm.headers.get('allow'), 'GET');
    await assertIntact(w, '404/405');
  });
});
