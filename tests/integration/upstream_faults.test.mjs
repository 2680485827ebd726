// Upstream faults: stall (first-byte timeout), refused port, garbage, close before the response,
// close mid-stream, stall mid-stream, and a caller that goes away (the upstream is cancelled).
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startMock, startWarden, request, rawExchange, openSocket, readUntil } from '../support/harness.mjs';
import {
  AUTH, TOKEN, config, baseEnv, rawHttp, parseResponse, assertOpenAiError, assertAnthropicError,
  assertIntact, testId, recordedFor,
} from '../support/fixtures.mjs';

const FIRST_BYTE_MS = 300;
const IDLE_MS = 500;

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

let mock;
let w;

before(async () => {
  mock = await startMock({ keys: { 'rl-key-1': { status: 429, retry_after: 60 } } });
  const dead = await closedPort();
  w = await startWarden({
    config: config(mock.url, {
      tail: `[gateway.upstream]\nfirst_byte_timeout = "${FIRST_BYTE_MS}ms"\nidle_timeout = "${IDLE_MS}ms"\nconnect_timeout = "1s"\n`
        + `[providers.rl]\napi = "openai"\nbase_url = "${mock.url}/v1"\n`
        + `[providers.dead]\napi = "openai"\nbase_url = "http://127.0.0.1:${dead}/v1"\n`,
    }),
    env: baseEnv({ DEAD_API_KEY: 'dead-key-1', RL_API_KEY: 'rl-key-1' }),
  });
});
after(async () => {
  await w?.stop();
  await mock?.stop();
});

async function post(body, headers = {}, path = '/v1/chat/completions') {
  const t0 = performance.now();
  const r = await request(`${w.url}${path}`, { headers: { ...AUTH, ...headers }, body, timeoutMs: 8000 });
  return { ...r, ms: performance.now() - t0 };
}

describe('before the response header', () => {
  test('an upstream that never answers → 504 upstream_timeout after first_byte_timeout; the upstream connection is closed', async () => {
    const before = await mock.stats();
    const r = await post({ model: 'mock/stall' }, { 'x-mock-fault': 'stall' });
    assert.equal(r.status, 504, r.text);
    const e = assertOpenAiError(r.text, 'upstream_timeout');
    assert.match(e.message, /mock/);
    assert.ok(r.ms >= FIRST_BYTE_MS - 20 && r.ms < FIRST_BYTE_MS + 2000, `answered after ${r.ms} ms`);
    // warden gives up on the stalled connection (the mock sees it close).
    await mock.waitStats('aborted', before.aborted + 1, 3000);
    await assertIntact(w, 'stall');
  });

  test('the timeout message states the configured duration (sub-second timeouts are not "0s")', {
  }, async () => {
    const r = await post({ model: 'mock/stall' }, { 'x-mock-fault': 'stall' });
    assert.equal(r.status, 504);
    assert.doesNotMatch(JSON.parse(r.text).error.message, /within 0s/);
  });

  test('Anthropic route: stall → 504 in the Anthropic shape', async () => {
    const r = await post({ model: 'claude/stall', max_tokens: 1, messages: [] }, { 'x-mock-fault': 'stall' }, '/v1/messages');
    assert.equal(r.status, 504);
    assertAnthropicError(r.text, 'upstream_timeout');
    await assertIntact(w, 'anthropic stall');
  });

  test('a refused port → 502 upstream_error at once', async () => {
    const r = await post({ model: 'dead/x' });
    assert.equal(r.status, 502, r.text);
    assertOpenAiError(r.text, 'upstream_error');
    assert.ok(r.ms < 1500, `took ${r.ms} ms`);
    await assertIntact(w, 'refused');
  });

  test('garbage instead of HTTP → 502 upstream_error', async () => {
    const r = await post({ model: 'mock/g' }, { 'x-mock-fault': 'garbage' });
    assert.equal(r.status, 502, r.text);
    assertOpenAiError(r.text, 'upstream_error');
    assert.doesNotMatch(r.text, /GARBAGE/, 'the upstream bytes are not relayed');
    await assertIntact(w, 'garbage');
  });

  test('an error answer announcing a 9 EB body → 502 at once; nothing allocated, the key not cooled', async () => {
    const r = await post({ model: 'mock/h' }, { 'x-mock-fault': 'huge-length-429' });
    assert.equal(r.status, 502, r.text);
    assertOpenAiError(r.text, 'upstream_error');
    await assertIntact(w, 'huge-length-429');
    const ok = await post({ model: 'mock/h2' });
    assert.equal(ok.status, 200, 'the key still answers: an unreadable answer cools nothing');
  });

  test('an error answer whose body stalls → 502 after idle_timeout, the key not cooled', async () => {
    const r = await post({ model: 'mock/s' }, { 'x-mock-fault': 'stall-429-body' });
    assert.equal(r.status, 502, r.text);
    assertOpenAiError(r.text, 'upstream_error');
    assert.match(JSON.parse(r.text).error.message, /unreadable error response.*timeout/i);
    assert.ok(r.ms >= IDLE_MS - 50 && r.ms < IDLE_MS + 2500, `answered after ${r.ms} ms`);
    await assertIntact(w, 'stall-429-body');
    const ok = await post({ model: 'mock/s2' });
    assert.equal(ok.status, 200, 'the key still answers: an unreadable answer cools nothing');
  });

  test('an error answer cut short by the provider closing → 502 at once, not after idle_timeout', async () => {
    // The close arrives with the last bytes: a read that drained the socket must still see it.
    for (let i = 0; i < 5; i++) {
      const r = await post({ model: `mock/cut${i}` }, { 'x-mock-fault': 'cut-429-body' });
      assert.equal(r.status, 502, r.text);
      assertOpenAiError(r.text, 'upstream_error');
      assert.doesNotMatch(JSON.parse(r.text).error.message, /timeout/i);
      assert.ok(r.ms < IDLE_MS / 2, `answered after ${r.ms} ms (idle_timeout ${IDLE_MS} ms)`);
    }
    await assertIntact(w, 'cut-429-body');
  });

  test('the upstream closes before answering → 502 upstream_error', async () => {
    const r = await post({ model: 'mock/c', stream: true }, { 'x-mock-fault': 'close-before-response' });
    assert.equal(r.status, 502, r.text);
    assertOpenAiError(r.text, 'upstream_error');
    await assertIntact(w, 'close-before-response');
  });

  test('upstream error statuses and bodies are returned as is', async () => {
    const r = await post({ model: 'mock/e' }, { 'x-mock-status': '500' });
    assert.equal(r.status, 500);
    assert.equal(JSON.parse(r.text).error.code, 'server_error');
    const b = await post({ model: 'mock/e' }, { 'x-mock-status': '400', 'x-mock-error': 'invalid_request_error' });
    assert.equal(b.status, 400);
    assert.equal(JSON.parse(b.text).error.message, 'Invalid request (mock).');
    await assertIntact(w, 'upstream error statuses');
  });

  test('a non-standard upstream status (Anthropic 529 overloaded) keeps its code', {
  }, async () => {
    const res = await rawExchange(w.port, rawHttp('POST', '/v1/messages', {
      headers: { 'x-mock-status': '529' }, body: { model: 'claude/e', messages: [] }, close: true,
    }), { timeoutMs: 3000 });
    assert.match(res.data, /^HTTP\/1\.1 529 /, `status line: ${JSON.stringify(res.data.split('\r\n')[0])}`);
    const p = parseResponse(res.data);
    assert.equal(JSON.parse(p.body).error.type, 'overloaded_error');
    await assertIntact(w, '529');
  });
});

describe('Connection: close is honoured on every error path', () => {
  const cases = [
    ['success (control)', { model: 'mock/ok' }, {}, 200],
    ['refused → 502', { model: 'dead/x' }, {}, 502],
    ['garbage → 502', { model: 'mock/x' }, { 'x-mock-fault': 'garbage' }, 502],
    ['stall → 504', { model: 'mock/x' }, { 'x-mock-fault': 'stall' }, 504],
    ['upstream 500 → 500', { model: 'mock/x' }, { 'x-mock-status': '500' }, 500],
    ['upstream 429, no other key → 429', { model: 'rl/x' }, {}, 429],
    ['all keys cooling → 429', { model: 'rl/x' }, {}, 429],
  ];
  for (const [name, body, headers, want] of cases) {
    test(name, async () => {
      const res = await rawExchange(w.port, rawHttp('POST', '/v1/chat/completions', { headers, body, close: true }), { timeoutMs: 1500 });
      const p = parseResponse(res.data);
      assert.equal(p.status, want, res.data);
      assert.equal(p.headers.connection, 'close');
      assert.equal(res.timedOut, false, 'the response says Connection: close but the connection stayed open');
    });
  }

  test('HTTP/1.0 without keep-alive: the connection closes after an upstream error', {}, async () => {
    const body = '{"model":"dead/x"}';
    const res = await rawExchange(w.port, `POST /v1/chat/completions HTTP/1.0\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\ncontent-length: ${body.length}\r\n\r\n${body}`, { timeoutMs: 1500 });
    assert.equal(parseResponse(res.data).status, 502);
    assert.equal(res.timedOut, false, 'an HTTP/1.0 client waits for EOF');
  });
});

describe('during the response body', () => {
  test('SSE: the upstream closes mid-stream → the caller\'s chunked stream is cut (no final 0-chunk)', async () => {
    const res = await rawExchange(w.port, rawHttp('POST', '/v1/chat/completions', {
      headers: { 'x-mock-fault': 'close-mid-stream' }, body: { model: 'mock/cut', stream: true },
    }), { timeoutMs: 3000 });
    assert.equal(res.timedOut, false, 'warden closes the caller connection');
    const p = parseResponse(res.data);
    assert.equal(p.status, 200);
    assert.match(p.body, /chunk0/, 'the event that arrived was relayed');
    assert.equal(p.complete, false, 'a truncated stream must not end with the 0-chunk');
    assert.doesNotMatch(res.data, /\r\n0\r\n\r\n$/);
    await assertIntact(w, 'close-mid-stream');
  });

  test('fetch sees the truncated stream as an error, not a complete response', async () => {
    const r = await fetch(`${w.url}/v1/chat/completions`, {
      method: 'POST', headers: { ...AUTH, 'x-mock-fault': 'close-mid-stream' },
      body: JSON.stringify({ model: 'mock/cut', stream: true }), signal: AbortSignal.timeout(5000),
    });
    assert.equal(r.status, 200);
    await assert.rejects(r.text(), /terminated|other side closed|socket/i);
  });

  test('non-streaming: the upstream closes mid-body → the caller gets fewer bytes than Content-Length and a closed connection', async () => {
    const res = await rawExchange(w.port, rawHttp('POST', '/v1/chat/completions', {
      headers: { 'x-mock-fault': 'close-mid-stream' }, body: { model: 'mock/half' },
    }), { timeoutMs: 3000 });
    assert.equal(res.timedOut, false, 'warden closes the caller connection');
    const p = parseResponse(res.data);
    assert.equal(p.status, 200);
    assert.equal(p.complete, false, `body of ${p.body.length} bytes vs content-length ${p.headers['content-length']}`);
    await assertIntact(w, 'close mid-body');
  });

  test('SSE: the upstream goes silent longer than upstream idle_timeout → the stream is cut', async () => {
    const t0 = performance.now();
    const res = await rawExchange(w.port, rawHttp('POST', '/v1/chat/completions', {
      headers: { 'x-mock-delay-ms': '5000', 'x-mock-chunks': '3' }, body: { model: 'mock/idle', stream: true },
    }), { timeoutMs: 4000 });
    const ms = performance.now() - t0;
    assert.equal(res.timedOut, false, 'warden must end the stream');
    assert.ok(ms >= IDLE_MS - 50 && ms < IDLE_MS + 2500, `cut after ${ms} ms`);
    const p = parseResponse(res.data);
    assert.equal(p.status, 200);
    assert.match(p.body, /chunk0/);
    assert.equal(p.complete, false, 'a cut stream must not look complete');
    await assertIntact(w, 'idle stream');
  });

  test('a slowly trickling body within idle_timeout is relayed completely', async () => {
    const r = await post({ model: 'mock/trickle' }, { 'x-mock-fault': 'slow-body', 'x-mock-chunks': '4', 'x-mock-delay-ms': '100' });
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.text).model, 'trickle');
  });
});

describe('caller goes away', () => {
  test('mid-stream: the upstream request is cancelled at once', async () => {
    const id = testId('gone');
    const before = await mock.stats();
    const s = await openSocket(w.port);
    // 50 chunks 300 ms apart: ~15 s if nobody cancels it.
    s.write(rawHttp('POST', '/v1/chat/completions', {
      headers: { 'x-test-id': id, 'x-mock-delay-ms': '300', 'x-mock-chunks': '50' }, body: { model: 'mock/gone', stream: true },
    }));
    await readUntil(s, /chunk0/);
    const t0 = performance.now();
    s.destroy();
    const st = await mock.waitStats('aborted', before.aborted + 1, 3000);
    assert.ok(performance.now() - t0 < 2000);
    assert.equal(st.finished, before.finished, 'the upstream stream did not run to completion');
    assert.equal((await recordedFor(mock, id)).length, 1);
    await assertIntact(w, 'caller gone mid-stream');
  });
});

describe('caller goes away before the upstream answers', () => {
  let w2;
  before(async () => {
    w2 = await startWarden({
      config: config(mock.url, { tail: '[gateway.upstream]\nfirst_byte_timeout = "30s"\n' }),
      env: baseEnv(),
    });
  });
  after(async () => { await w2?.stop(); });

  test('the pending upstream request is cancelled, not left running until it answers', {
  }, async () => {
    const before = await mock.stats();
    const s = await openSocket(w2.port);
    s.write(rawHttp('POST', '/v1/chat/completions', {
      headers: { 'x-mock-first-byte-delay-ms': '4000' }, body: { model: 'mock/slow-first' },
    }));
    await mock.waitStats('started', before.started + 1, 3000); // the request reached the upstream
    s.destroy();
    // The mock would answer after 4 s; a cancelled request is aborted well before that.
    const st = await mock.waitStats('aborted', before.aborted + 1, 2500).catch((e) => e);
    assert.ok(!(st instanceof Error), `upstream not cancelled after the caller left: ${st.message ?? ''}`);
    await assertIntact(w2, 'caller gone before the response');
  });
});
