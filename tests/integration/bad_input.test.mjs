// Bad input from callers: malformed JSON and bodies, malformed HTTP, CR/LF in header values,
// header floods, huge bodies, bad framing (request smuggling), slow clients. Each must get a
// clear error and leave the server intact (a good request is proxied right after).
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startMock, startWarden, request, rawExchange, openSocket, readUntil } from '../support/harness.mjs';
import {
  AUTH, TOKEN, config, baseEnv, rawHttp, parseResponse, parseResponses, assertOpenAiError,
  assertAnthropicError, assertIntact, testId, recordedFor, sendAndRead,
} from '../support/fixtures.mjs';

const HEADER_TIMEOUT_MS = 500;
const BODY_TIMEOUT_MS = 500;

let mock;
let w;

before(async () => {
  mock = await startMock();
  // Default max_body_bytes (32 MiB) and max_header_bytes (64 KiB); short client timeouts.
  w = await startWarden({
    config: config(mock.url, { gateway: `header_timeout = "${HEADER_TIMEOUT_MS}ms"\nbody_timeout = "${BODY_TIMEOUT_MS}ms"` }),
    env: baseEnv(),
  });
});
after(async () => {
  await w?.stop();
  await mock?.stop();
});

/** Send raw bytes on a fresh connection; the server must answer and then close it. */
async function rawClosed(bytes, timeoutMs = 3000) {
  const res = await rawExchange(w.port, bytes, { timeoutMs });
  assert.equal(res.timedOut, false, `the server must answer and close the connection; got ${JSON.stringify(res.data.slice(0, 300))}`);
  return parseResponse(res.data);
}

async function post(path, body, headers = {}) {
  return request(`${w.url}${path}`, { headers: { ...AUTH, 'content-type': 'application/json', ...headers }, body });
}

describe('JSON body', () => {
  const cases = [
    ['truncated JSON', '{"model": "mock/x",', 'invalid_json'],
    ['trailing garbage', '{"model":"mock/x"} trailing', 'invalid_json'],
    ['empty body', '', 'invalid_json'],
    ['a BOM before the object', '\ufeff{"model":"mock/x"}', 'invalid_json'],
    ['not JSON at all', 'model=mock/x', 'invalid_json'],
    ['a JSON array', '[{"model":"mock/x"}]', 'invalid_body'],
    ['a JSON string', '"mock/x"', 'invalid_body'],
    ['no model field', '{"messages":[]}', 'model_missing'],
    ['model is a number', '{"model": 5}', 'model_not_string'],
    ['model is null', '{"model": null}', 'model_not_string'],
    ['model is an object', '{"model": {"id":"mock/x"}}', 'model_not_string'],
    ['model appears twice', '{"model":"mock/x","messages":[],"model":"mock/y"}', 'model_duplicate'],
    // A string with an escape sends the body through the second validating pass (simdjson).
    ['an unknown escape', '{"note":"\\q","model":"mock/x"}', 'invalid_json'],
    ['a lone surrogate escape', '{"note":"\\n\\ud800","model":"mock/x"}', 'invalid_json'],
    ['a string then a colon in an array, after an escape', '{"note":"\\n","model":"mock/x","m":["s":1}]}', 'invalid_json'],
    ['a missing comma after an escape', '{"note":"\\n" "model":"mock/x"}', 'invalid_json'],
    ['trailing garbage after an escape', '{"note":"\\n","model":"mock/x"} x', 'invalid_json'],
    ['model twice, one written with escapes', '{"model":"mock/x","\\u006dodel":"mock/y"}', 'model_duplicate'],
  ];
  for (const [name, body, code] of cases) {
    test(`${name} → 400 ${code}`, async () => {
      const id = testId('json');
      const r = await post('/v1/chat/completions', body, { 'x-test-id': id });
      assert.equal(r.status, 400, r.text);
      assertOpenAiError(r.text, code);
      assert.deepEqual(await recordedFor(mock, id), [], 'nothing is sent upstream');
      await assertIntact(w, name);
    });
  }

  test('errors on the Anthropic route use the Anthropic shape', async () => {
    const r = await post('/v1/messages', '{"model": "claude/x", ', { 'x-api-key': TOKEN });
    assert.equal(r.status, 400);
    assertAnthropicError(r.text, 'invalid_json');
    const m = await post('/v1/messages/count_tokens', '{"messages":[]}');
    assert.equal(m.status, 400);
    assertAnthropicError(m.text, 'model_missing');
    await assertIntact(w, 'anthropic invalid_json');
  });

  test('deeply nested JSON (100k levels) is rejected without crashing', async () => {
    const body = `{"a":${'['.repeat(100000)}${']'.repeat(100000)},"model":"mock/deep"}`;
    const r = await post('/v1/chat/completions', body);
    assert.equal(r.status, 400, r.text);
    assertOpenAiError(r.text, 'invalid_json');
    await assertIntact(w, 'deep JSON');
  });

  test('a JSON-escaped model string is understood and rewritten', async () => {
    const id = testId('esc');
    const r = await post('/v1/chat/completions', '{"model":"mock\\u002fesc\\"aped","x":1}', { 'x-test-id': id });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().model, 'esc"aped');
    const [rec] = await recordedFor(mock, id);
    assert.equal(rec.body, '{"model":"esc\\"aped","x":1}');
  });
});

describe('malformed HTTP', () => {
  test('bare CR inside a header value → 400 bad_request, connection closed', async () => {
    const r = await rawClosed('GET /healthz HTTP/1.1\r\nhost: x\r\nx-evil: a\rinjected: 1\r\n\r\n');
    assert.equal(r.status, 400);
    assertOpenAiError(r.body, 'bad_request');
    await assertIntact(w, 'CR in header');
  });

  test('bare LF inside a header value (header injection) → 400 bad_request', async () => {
    const id = testId('lf');
    const r = await rawClosed(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\nx-test-id: ${id}\r\nx-evil: a\nx-injected: yes\r\ncontent-length: 17\r\n\r\n{"model":"mock/x"}`);
    assert.equal(r.status, 400);
    assertOpenAiError(r.body, 'bad_request');
    assert.deepEqual(await recordedFor(mock, id), []);
    await assertIntact(w, 'LF in header');
  });

  test('NUL and other control bytes in a header value → 400 bad_request', async () => {
    const r = await rawClosed('GET /healthz HTTP/1.1\r\nhost: x\r\nx-evil: a\x00b\r\n\r\n');
    assert.equal(r.status, 400);
    assertOpenAiError(r.body, 'bad_request');
    const r2 = await rawClosed('GET /healthz HTTP/1.1\r\nhost: x\r\nx-evil: a\x1bb\r\n\r\n');
    assert.equal(r2.status, 400);
    await assertIntact(w, 'NUL in header');
  });

  test('a header name with a space or no colon → 400 bad_request', async () => {
    assert.equal((await rawClosed('GET /healthz HTTP/1.1\r\nhost: x\r\nbad name: v\r\n\r\n')).status, 400);
    assert.equal((await rawClosed('GET /healthz HTTP/1.1\r\nhost: x\r\nnocolon\r\n\r\n')).status, 400);
    await assertIntact(w, 'bad header name');
  });

  test('garbage bytes and a non-HTTP request line → 400 bad_request', async () => {
    const r = await rawClosed('\x00\x01\x02\xff GARBAGE\r\n\r\n');
    assert.equal(r.status, 400);
    assertOpenAiError(r.body, 'bad_request');
    const r2 = await rawClosed('GET /healthz\r\n\r\n');
    assert.equal(r2.status, 400);
    await assertIntact(w, 'garbage');
  });

  test('an HTTP/2 preface or unknown version is refused with a 4xx/5xx error, not served', async () => {
    const r = await rawClosed('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    assert.ok(r.status === 400 || r.status === 505, `status ${r.status}`);
    const r2 = await rawClosed('GET /healthz HTTP/3.7\r\nhost: x\r\n\r\n');
    assert.ok(r2.status === 400 || r2.status === 505, `status ${r2.status}`);
    await assertIntact(w, 'bad version');
  });

  test('header flood (many headers beyond max_header_bytes) → 431 header_too_large', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => `x-flood-${i}: ${'v'.repeat(30)}\r\n`).join('');
    const r = await rawClosed(`GET /healthz HTTP/1.1\r\nhost: x\r\n${many}\r\n`);
    assert.equal(r.status, 431);
    assertOpenAiError(r.body, 'header_too_large');
    await assertIntact(w, 'header flood');
  });

  test('one header value beyond max_header_bytes → 431; a long URL → 431 or 414', async () => {
    const r = await rawClosed(`GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(70 * 1024)}\r\n\r\n`);
    assert.equal(r.status, 431);
    const u = await rawClosed(`GET /${'a'.repeat(100 * 1024)} HTTP/1.1\r\nhost: x\r\n\r\n`);
    assert.ok(u.status === 431 || u.status === 414, `status ${u.status}`);
    await assertIntact(w, 'huge header');
  });

  test('100 ordinary headers (under the limit) are accepted and forwarded', async () => {
    const id = testId('hundred');
    const hs = Array.from({ length: 100 }, (_, i) => [`x-many-${i}`, `v${i}`]);
    const res = await rawExchange(w.port, rawHttp('POST', '/v1/chat/completions', { headers: [['x-test-id', id], ...hs], body: { model: 'mock/many' }, close: true }), { timeoutMs: 3000 });
    assert.equal(parseResponse(res.data).status, 200);
    const [rec] = await recordedFor(mock, id);
    assert.equal(rec.headers['x-many-99'], 'v99');
  });
});

describe('framing and size', () => {
  test('40 MiB body with Content-Length (default 32 MiB cap) → 413 request_too_large, answered after the header', {
  }, async () => {
    const s = await openSocket(w.port);
    try {
      s.on('error', () => {}); // the server may reset after answering
      const reply = readUntil(s, /\r\n\r\n[\s\S]*\}\}/, 5000);
      s.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\ncontent-type: application/json\r\ncontent-length: ${40 << 20}\r\n\r\n{"model":"mock/x","pad":"`);
      s.write(Buffer.alloc(1 << 20, 0x61)); // start the body; the cap is known from the header
      const r = parseResponse(await reply);
      assert.equal(r.status, 413, r.body);
      assertOpenAiError(r.body, 'request_too_large');
    } finally {
      s.destroy();
    }
    await assertIntact(w, '40 MiB Content-Length body');
  });

  test('40 MiB body sent by an ordinary client (fetch) → 413', {
  }, async () => {
    const body = Buffer.concat([Buffer.from('{"model":"mock/x","pad":"'), Buffer.alloc(40 << 20, 0x61), Buffer.from('"}')]);
    let r;
    try {
      r = await request(`${w.url}/v1/chat/completions`, { headers: { ...AUTH, 'content-type': 'application/json' }, body, timeoutMs: 10000 });
    } catch (e) {
      assert.fail(`no response to a 40 MiB body: ${e.cause?.code ?? e.message}`);
    }
    assert.equal(r.status, 413, r.text);
    assertOpenAiError(r.text, 'request_too_large');
    await assertIntact(w, '40 MiB fetch body');
  });

  test('40 MiB chunked body (no Content-Length) → 413 request_too_large', async () => {
    const parts = [`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\ntransfer-encoding: chunked\r\n\r\n`];
    const mib = Buffer.alloc(1 << 20, 0x61);
    for (let i = 0; i < 40; i++) parts.push('100000\r\n', mib, '\r\n');
    parts.push('0\r\n\r\n');
    const res = await rawExchange(w.port, parts, { timeoutMs: 8000 });
    const r = parseResponse(res.data);
    assert.equal(r.status, 413);
    assertOpenAiError(r.body, 'request_too_large');
    await assertIntact(w, '40 MiB chunked body');
  });

  test('a small chunked body is accepted and forwarded with a Content-Length', async () => {
    const id = testId('chunked');
    const body = '{"model":"mock/chunky"}';
    const res = await rawExchange(w.port, `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\nx-test-id: ${id}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n5\r\n${body.slice(0, 5)}\r\n${(body.length - 5).toString(16)}\r\n${body.slice(5)}\r\n0\r\n\r\n`, { timeoutMs: 3000 });
    assert.equal(parseResponse(res.data).status, 200, res.data);
    const [rec] = await recordedFor(mock, id);
    assert.equal(rec.body, '{"model":"chunky"}');
    assert.equal(rec.headers['transfer-encoding'], undefined);
    assert.equal(rec.headers['content-length'], String(rec.body.length));
  });

  const badLengths = [
    ['non-numeric', 'content-length: abc'],
    ['negative', 'content-length: -5'],
    ['two different values', 'content-length: 2\r\ncontent-length: 3'],
    ['overflowing', 'content-length: 99999999999999999999999'],
  ];
  for (const [name, hdr] of badLengths) {
    test(`Content-Length ${name} → 400 bad_request`, async () => {
      const r = await rawClosed(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\n${hdr}\r\n\r\n{}`);
      assert.ok(r.status === 400 || r.status === 413, `status ${r.status}`);
      if (r.status === 400) assertOpenAiError(r.body, 'bad_request');
      await assertIntact(w, `Content-Length ${name}`);
    });
  }

  test('Content-Length + Transfer-Encoding (request smuggling) → 400, the smuggled request is never run', async () => {
    const id = testId('smuggle');
    const smuggled = `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\nx-test-id: ${id}\r\ncontent-length: 18\r\n\r\n{"model":"mock/s"}`;
    // CL.TE: a front end honouring Content-Length would see one request; TE sees two.
    const r = await rawExchange(w.port, `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`, { timeoutMs: 3000 });
    assert.equal(r.timedOut, false, 'the connection is closed after the error');
    const rs = parseResponses(r.data);
    assert.equal(rs.length, 1, `exactly one response: ${r.data}`);
    assert.equal(rs[0].status, 400);
    assertOpenAiError(rs[0].body, 'bad_request');
    // TE.CL variant: Transfer-Encoding first.
    const r2 = await rawClosed(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\ntransfer-encoding: chunked\r\ncontent-length: 4\r\n\r\n5c\r\n${smuggled}\r\n0\r\n\r\n`);
    assert.equal(r2.status, 400);
    assert.deepEqual(await recordedFor(mock, id), [], 'the smuggled request reached the upstream');
    await assertIntact(w, 'CL+TE');
  });

  test('an unsupported Transfer-Encoding → 400 (or 501), never forwarded', async () => {
    const id = testId('te');
    const res = await rawExchange(w.port, `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\nx-test-id: ${id}\r\ntransfer-encoding: gzip\r\n\r\nxx`, { timeoutMs: 3000 });
    const r = parseResponse(res.data);
    assert.ok(r.status === 400 || r.status === 501, `status ${r.status}`);
    assert.deepEqual(await recordedFor(mock, id), []);
    await assertIntact(w, 'TE gzip');
  });

  test('invalid chunk framing → 400 bad_request', async () => {
    const r = await rawClosed(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`);
    assert.equal(r.status, 400);
    assertOpenAiError(r.body, 'bad_request');
    await assertIntact(w, 'bad chunk');
  });
});

describe('slow clients', () => {
  test('a caller stalling mid-body → 408 request_timeout, and others are served meanwhile', {
  }, async () => {
    const s = await openSocket(w.port);
    try {
      const t0 = performance.now();
      const reply = readUntil(s, /\r\n\r\n[\s\S]*\}\}/, BODY_TIMEOUT_MS + 4000);
      reply.catch(() => {});
      s.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"model":"mock/slow",`);
      // While that caller stalls, another one is served at once.
      await assertIntact(w, 'while a caller stalls mid-body');
      const r = parseResponse(await reply);
      const elapsed = performance.now() - t0;
      assert.equal(r.status, 408);
      assertOpenAiError(r.body, 'request_timeout');
      assert.ok(elapsed >= BODY_TIMEOUT_MS - 50, `408 after ${elapsed} ms, before body_timeout`);
    } finally {
      s.destroy();
    }
    await assertIntact(w, 'stall mid-body');
  });

  test('a caller stalling mid-header (slowloris) → 408 request_timeout', {
  }, async () => {
    const res = await rawExchange(w.port, ['GET /healthz HTTP/1.1\r\nhost: x\r\nx-slow: 1\r\n', HEADER_TIMEOUT_MS + 3000], { timeoutMs: HEADER_TIMEOUT_MS + 3000 });
    assert.equal(res.timedOut, false, 'the server must close a stalled connection');
    assert.ok(res.data.length > 0, 'the server closed the connection without a 408 response');
    const r = parseResponse(res.data);
    assert.equal(r.status, 408);
    assertOpenAiError(r.body, 'request_timeout');
    await assertIntact(w, 'stall mid-header');
  });

  test('a header trickled byte by byte cannot outlive header_timeout', async () => {
    const parts = [];
    for (const ch of 'GET /healthz HTTP/1.1\r\nhost: x\r\nx-drip: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n') parts.push(ch, 50);
    const t0 = performance.now();
    const res = await rawExchange(w.port, parts, { timeoutMs: HEADER_TIMEOUT_MS + 5000 });
    const elapsed = performance.now() - t0;
    assert.equal(res.timedOut, false);
    assert.ok(elapsed < HEADER_TIMEOUT_MS + 2000, `connection held for ${elapsed} ms`);
    assert.ok(!/^HTTP\/1\.1 200/.test(res.data), 'a dripping header must not be served');
    await assertIntact(w, 'dripping header');
  });

  test('100 idle connections do not stop the server from serving', async () => {
    const socks = [];
    try {
      for (let i = 0; i < 100; i++) socks.push(await openSocket(w.port));
      // half of them with a partial request line
      for (let i = 0; i < 50; i++) socks[i].write('POST /v1/chat/completions HTTP/1.1\r\n');
      for (const s of socks) s.on('error', () => {});
      await assertIntact(w, '100 idle connections');
    } finally {
      for (const s of socks) s.destroy();
    }
  });

  test('a caller that disconnects mid-body leaves the server intact', async () => {
    const id = testId('gone');
    const s = await openSocket(w.port);
    s.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\nx-test-id: ${id}\r\ncontent-length: 1000\r\n\r\n{"model":"mock/x"`);
    const closed = new Promise((r) => s.once('close', r));
    s.destroy();
    await closed;
    await assertIntact(w, 'disconnect mid-body');
    assert.deepEqual(await recordedFor(mock, id), [], 'an incomplete request is not forwarded');
  });
});

describe('Expect: 100-continue', () => {
  test('gets 100 Continue, then the proxied response', async () => {
    const { socket, text } = await sendAndRead(w.port, `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\nexpect: 100-continue\r\ncontent-length: 21\r\n\r\n`, /100 Continue\r\n\r\n/);
    try {
      assert.match(text, /^HTTP\/1\.1 100 Continue\r\n/);
      const p = readUntil(socket, /fp_mock"\}/);
      socket.write('{"model":"mock/cont"}');
      const rs = parseResponse((await p).replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, ''));
      assert.equal(rs.status, 200);
      assert.equal(JSON.parse(rs.body).model, 'cont');
    } finally {
      socket.destroy();
    }
  });

  test('an unauthenticated request with Expect gets 401 without 100 Continue', async () => {
    const r = await rawClosed('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: 21\r\n\r\n');
    assert.equal(r.status, 401);
  });
});
