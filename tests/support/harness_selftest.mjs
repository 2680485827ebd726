// Self-test for tools/mock-upstream.mjs and tests/support/harness.mjs.
// Run: node tests/support/harness_selftest.mjs   (deliberately not *.test.mjs: ctest ignores it)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import {
  startMock, startWarden, request, rawRequest, rawExchange, openSocket, readUntil,
  tmpDir, writeFile, parseSSE, LISTEN_RE,
} from './harness.mjs';

let mock;
const auth = { authorization: 'Bearer sk-good' };
const akey = { 'x-api-key': 'ak-good', 'anthropic-version': '2023-06-01' };

before(async () => { mock = await startMock({ keys: { 'cli-key': { status: 401 } } }); });
after(async () => { await mock?.stop(); });

test('listening line, health, url', async () => {
  assert.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(mock.output(), /^mock-upstream listening on 127\.0\.0\.1:\d+\n$/);
  const r = await request(`${mock.url}/__mock/health`);
  assert.equal(r.status, 200);
});

test('refuses non-loopback host', async () => {
  await assert.rejects(startMock({ args: ['--host', '0.0.0.0'], timeoutMs: 3000 }), /refusing to listen/);
});

test('OpenAI JSON shapes echo model', async () => {
  let r = await request(`${mock.url}/v1/chat/completions`, { headers: auth, body: { model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }] } });
  assert.equal(r.status, 200);
  assert.equal(r.json().object, 'chat.completion');
  assert.equal(r.json().model, 'gpt-x');
  assert.equal(r.json().choices[0].message.content, 'chunk0 chunk1 chunk2');
  assert.equal(r.json().choices[0].finish_reason, 'stop');

  r = await request(`${mock.url}/openai/deep/prefix/v1/chat/completions?x=1`, { headers: { ...auth, 'x-mock-chunks': '2' }, body: { model: 'pfx' } });
  assert.equal(r.status, 200);
  assert.equal(r.json().model, 'pfx');
  assert.equal(r.json().choices[0].message.content, 'chunk0 chunk1');

  r = await request(`${mock.url}/v1/completions`, { headers: auth, body: { model: 'ti', prompt: 'x' } });
  assert.equal(r.json().object, 'text_completion');
  assert.equal(r.json().choices[0].text, 'chunk0 chunk1 chunk2');

  r = await request(`${mock.url}/v1/embeddings`, { headers: auth, body: { model: 'emb', input: ['a', 'b'] } });
  assert.equal(r.json().object, 'list');
  assert.equal(r.json().model, 'emb');
  assert.equal(r.json().data.length, 2);
  assert.equal(r.json().data[1].embedding.length, 8);
  r = await request(`${mock.url}/v1/embeddings`, { headers: auth, body: { model: 'emb', input: 'a', encoding_format: 'base64', dimensions: 4 } });
  assert.equal(Buffer.from(r.json().data[0].embedding, 'base64').length, 16);

  r = await request(`${mock.url}/v1/responses`, { headers: auth, body: { model: 'resp-m', input: 'hi' } });
  assert.equal(r.json().object, 'response');
  assert.equal(r.json().status, 'completed');
  assert.equal(r.json().model, 'resp-m');
  assert.equal(r.json().output[0].content[0].text, 'chunk0 chunk1 chunk2');

  r = await request(`${mock.url}/v1/models`, { headers: auth });
  assert.equal(r.json().object, 'list');
  assert.ok(r.json().data.every((m) => m.object === 'model'));
});

test('Anthropic JSON shapes echo model', async () => {
  let r = await request(`${mock.url}/v1/messages`, { headers: akey, body: { model: 'claude-x', max_tokens: 5, messages: [] } });
  assert.equal(r.status, 200);
  assert.equal(r.json().type, 'message');
  assert.equal(r.json().model, 'claude-x');
  assert.equal(r.json().content[0].type, 'text');
  assert.equal(r.json().content[0].text, 'chunk0 chunk1 chunk2');
  assert.equal(r.headers.get('request-id'), 'req_mock');

  r = await request(`${mock.url}/anthropic/v1/messages/count_tokens`, { headers: akey, body: { model: 'c', messages: [{ role: 'user', content: 'hello world' }] } });
  assert.equal(r.status, 200);
  assert.ok(Number.isInteger(r.json().input_tokens) && r.json().input_tokens > 0);

  r = await request(`${mock.url}/v1/models`, { headers: akey });
  assert.equal(r.json().data[0].type, 'model');
  assert.equal(r.json().has_more, false);

  // x-mock-content overrides the text
  r = await request(`${mock.url}/v1/messages`, { headers: { ...akey, 'x-mock-content': 'Hello there' }, body: { model: 'c' } });
  assert.equal(r.json().content[0].text, 'Hello there');
});

test('OpenAI SSE: N chunks then [DONE]', async () => {
  const r = await request(`${mock.url}/v1/chat/completions`, { headers: { ...auth, 'x-mock-chunks': '5' }, body: { model: 'sm', stream: true } });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/event-stream/);
  assert.equal(r.headers.get('transfer-encoding'), 'chunked');
  const ev = parseSSE(r.text);
  assert.equal(ev.length, 6);
  assert.equal(ev[5].data, '[DONE]');
  const chunks = ev.slice(0, 5).map((e) => JSON.parse(e.data));
  assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'sm'));
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  assert.equal(chunks.map((c) => c.choices[0].delta.content).join(''), 'chunk0 chunk1 chunk2 chunk3 chunk4');
  assert.equal(chunks[4].choices[0].finish_reason, 'stop');

  const u = await request(`${mock.url}/v1/chat/completions`, { headers: auth, body: { model: 'sm', stream: true, stream_options: { include_usage: true } } });
  const uev = parseSSE(u.text);
  assert.equal(uev.length, 5);
  assert.equal(JSON.parse(uev[3].data).usage.total_tokens, 13);

  const c = await request(`${mock.url}/v1/completions`, { headers: auth, body: { model: 'sm', stream: true } });
  assert.equal(parseSSE(c.text).length, 4);

  const resp = await request(`${mock.url}/v1/responses`, { headers: { ...auth, 'x-mock-chunks': '4' }, body: { model: 'rs', stream: true } });
  const rev = parseSSE(resp.text);
  assert.equal(rev.filter((e) => e.event === 'response.output_text.delta').length, 4);
  assert.equal(rev.at(-1).event, 'response.completed');
  assert.equal(JSON.parse(rev.at(-1).data).response.model, 'rs');
});

test('Anthropic SSE event sequence', async () => {
  const r = await request(`${mock.url}/v1/messages`, { headers: { ...akey, 'x-mock-chunks': '4' }, body: { model: 'cs', stream: true } });
  const ev = parseSSE(r.text);
  assert.deepEqual(ev.map((e) => e.event), [
    'message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta',
    'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop',
  ]);
  for (const e of ev) assert.equal(JSON.parse(e.data).type, e.event);
  assert.equal(JSON.parse(ev[0].data).message.model, 'cs');
});

test('x-mock-delay-ms spaces chunks; first-byte delay delays the header', async () => {
  let t0 = Date.now();
  const r = await request(`${mock.url}/v1/chat/completions`, { headers: { ...auth, 'x-mock-chunks': '4', 'x-mock-delay-ms': '60' }, body: { model: 'd', stream: true } });
  assert.ok(Date.now() - t0 >= 170, `took ${Date.now() - t0}`);
  assert.equal(parseSSE(r.text).length, 5);

  // chunks arrive separately
  const s = await openSocket(mock.port);
  const body = JSON.stringify({ model: 'd', stream: true });
  s.write(`POST /v1/messages HTTP/1.1\r\nhost: x\r\nx-api-key: k\r\nx-mock-delay-ms: 300\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
  const first = await readUntil(s, /chunk0/, 2000);
  assert.ok(!first.includes('chunk1'));
  await readUntil(s, /message_stop/, 3000);
  s.destroy();

  t0 = Date.now();
  const f = await request(`${mock.url}/v1/chat/completions`, { headers: { ...auth, 'x-mock-first-byte-delay-ms': '200' }, body: { model: 'd' } });
  assert.equal(f.status, 200);
  assert.ok(Date.now() - t0 >= 190);
});

test('credentials: missing -> 401, key map, CLI --keys', async () => {
  let r = await request(`${mock.url}/v1/chat/completions`, { body: { model: 'm' } });
  assert.equal(r.status, 401);
  assert.equal(r.json().error.code, 'missing_api_key');
  r = await request(`${mock.url}/v1/messages`, { body: { model: 'm' } });
  assert.equal(r.status, 401);
  assert.equal(r.json().type, 'error');
  assert.equal(r.json().error.type, 'authentication_error');

  r = await request(`${mock.url}/v1/chat/completions`, { headers: { authorization: 'Bearer cli-key' }, body: { model: 'm' } });
  assert.equal(r.status, 401, 'from --keys');

  await mock.setKeys({
    'key-a': { status: 429, retry_after: 7, body: 'rate_limit_exceeded' },
    'key-b': { status: 401 },
    'key-q': { status: 403, body: 'insufficient_quota' },
    'key-once': { status: 429, times: 1 },
  });
  r = await request(`${mock.url}/v1/chat/completions`, { headers: { authorization: 'Bearer key-a' }, body: { model: 'm' } });
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '7');
  assert.equal(r.json().error.code, 'rate_limit_exceeded');
  assert.equal(r.json().error.type, 'requests');
  assert.match(r.json().error.message, /^Rate limit reached/);

  r = await request(`${mock.url}/v1/messages`, { headers: { 'x-api-key': 'key-a' }, body: { model: 'm' } });
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '7');
  assert.deepEqual(Object.keys(r.json()).sort(), ['error', 'request_id', 'type']);
  assert.equal(r.json().error.type, 'rate_limit_error');

  r = await request(`${mock.url}/v1/chat/completions`, { headers: { authorization: 'Bearer key-b' }, body: { model: 'm' } });
  assert.equal(r.status, 401);
  assert.equal(r.json().error.code, 'invalid_api_key');

  r = await request(`${mock.url}/v1/embeddings`, { headers: { authorization: 'Bearer key-q' }, body: { model: 'm', input: 'x' } });
  assert.equal(r.status, 403);
  assert.equal(r.json().error.code, 'insufficient_quota');
  assert.equal(r.json().error.type, 'insufficient_quota');

  r = await request(`${mock.url}/v1/chat/completions`, { headers: { authorization: 'Bearer key-once' }, body: { model: 'm' } });
  assert.equal(r.status, 429);
  r = await request(`${mock.url}/v1/chat/completions`, { headers: { authorization: 'Bearer key-once' }, body: { model: 'm' } });
  assert.equal(r.status, 200, 'times: 1 -> only the first request fails');

  r = await request(`${mock.url}/v1/chat/completions`, { headers: { authorization: 'Bearer unlisted' }, body: { model: 'm' } });
  assert.equal(r.status, 200);
  r = await request(`${mock.url}/v1/chat/completions`, { headers: { authorization: 'Bearer cli-key' }, body: { model: 'm' } });
  assert.equal(r.status, 200, 'setKeys replaces the map');
  await mock.setKeys({});
});

test('x-mock-status forces an error in the API shape', async () => {
  let r = await request(`${mock.url}/v1/chat/completions`, { headers: { ...auth, 'x-mock-status': '500' }, body: { model: 'm' } });
  assert.equal(r.status, 500);
  assert.equal(r.json().error.type, 'server_error');
  r = await request(`${mock.url}/v1/messages`, { headers: { ...akey, 'x-mock-status': '529' }, body: { model: 'm' } });
  assert.equal(r.status, 529);
  assert.equal(r.json().error.type, 'overloaded_error');
  r = await request(`${mock.url}/v1/chat/completions`, { headers: { ...auth, 'x-mock-status': '429', 'x-mock-error': 'insufficient_quota', 'x-mock-retry-after': '3' }, body: { model: 'm' } });
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '3');
  assert.equal(r.json().error.code, 'insufficient_quota');
});

test('recording', async () => {
  await mock.clearRequests();
  assert.deepEqual(await mock.requests(), []);
  await request(`${mock.url}/v1/chat/completions`, { headers: { ...auth, 'X-Custom-Thing': 'Abc' }, body: { model: 'rec' } });
  await request(`${mock.url}/v1/messages`, { headers: akey, body: '{"model":"rec2"}' });
  await request(`${mock.url}/__mock/health`);
  const reqs = await mock.requests();
  assert.equal(reqs.length, 2);
  assert.equal(reqs[0].method, 'POST');
  assert.equal(reqs[0].path, '/v1/chat/completions');
  assert.equal(reqs[0].headers['x-custom-thing'], 'Abc');
  assert.equal(reqs[0].credential, 'sk-good');
  assert.equal(JSON.parse(reqs[0].body).model, 'rec');
  assert.equal(reqs[1].credential, 'ak-good');
  assert.equal(reqs[1].body, '{"model":"rec2"}');
  assert.equal(reqs[1].headers['anthropic-version'], '2023-06-01');
  await mock.clearRequests();
  assert.equal((await mock.requests()).length, 0);
});

const rawPost = (p, headers, body) =>
  `POST ${p} HTTP/1.1\r\nhost: 127.0.0.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

test('faults', async () => {
  // stall: no bytes, connection stays open
  let x = await rawExchange(mock.port, rawPost('/v1/chat/completions', { ...auth, 'x-mock-fault': 'stall' }, '{"model":"m"}'), { timeoutMs: 400 });
  assert.equal(x.data, '');
  assert.equal(x.timedOut, true);

  // garbage: non-HTTP bytes then close
  x = await rawExchange(mock.port, rawPost('/v1/chat/completions', { ...auth, 'x-mock-fault': 'garbage' }, '{"model":"m"}'), { timeoutMs: 2000 });
  assert.ok(x.closed);
  assert.ok(x.data.length > 0 && !x.data.startsWith('HTTP/'), JSON.stringify(x.data));
  await assert.rejects(request(`${mock.url}/v1/chat/completions`, { headers: { ...auth, 'x-mock-fault': 'garbage' }, body: { model: 'm' } }));

  // close-before-response
  x = await rawExchange(mock.port, rawPost('/v1/messages', { ...akey, 'x-mock-fault': 'close-before-response' }, '{"model":"m"}'), { timeoutMs: 2000 });
  assert.ok(x.closed);
  assert.equal(x.data, '');

  // close-mid-stream: header + exactly one event, then the socket dies
  x = await rawExchange(mock.port, rawPost('/v1/chat/completions', { ...auth, 'x-mock-fault': 'close-mid-stream' }, '{"model":"m","stream":true}'), { timeoutMs: 2000 });
  assert.ok(x.closed);
  assert.match(x.data, /^HTTP\/1\.1 200 OK/);
  assert.equal((x.data.match(/data: /g) ?? []).length, 1);
  assert.ok(!x.data.includes('[DONE]'));
  assert.ok(!/\r\n0\r\n\r\n$/.test(x.data), 'no terminating chunk');
  x = await rawExchange(mock.port, rawPost('/v1/messages', { ...akey, 'x-mock-fault': 'close-mid-stream' }, '{"model":"m","stream":true}'), { timeoutMs: 2000 });
  assert.equal((x.data.match(/^event: /gm) ?? []).length, 1);
  assert.match(x.data, /event: message_start/);

  // slow-body: content-length body that trickles
  const t0 = Date.now();
  const r = await request(`${mock.url}/v1/chat/completions`, { headers: { ...auth, 'x-mock-fault': 'slow-body', 'x-mock-chunks': '5', 'x-mock-delay-ms': '50' }, body: { model: 'slow', stream: true } });
  assert.ok(Date.now() - t0 >= 190, `took ${Date.now() - t0}`);
  assert.equal(r.status, 200);
  assert.ok(r.headers.get('content-length'));
  assert.equal(r.json().model, 'slow');
  const s = await openSocket(mock.port);
  s.write(rawPost('/v1/chat/completions', { ...auth, 'x-mock-fault': 'slow-body', 'x-mock-delay-ms': '500' }, '{"model":"m"}'));
  const head = await readUntil(s, /\r\n\r\n/, 2000);
  assert.match(head, /content-length: \d+/i);
  assert.ok(!head.includes('"usage"'));
  s.destroy();
});

test('keep-alive: two requests on one connection', async () => {
  const one = rawPost('/v1/chat/completions', auth, '{"model":"k1"}');
  const two = rawPost('/v1/chat/completions', { ...auth, connection: 'close' }, '{"model":"k2"}');
  const out = await rawRequest(mock.port, one + two, { timeoutMs: 2000 });
  assert.equal((out.match(/HTTP\/1\.1 200 OK/g) ?? []).length, 2);
  assert.match(out, /keep-alive: timeout=65/i);
  assert.match(out, /"model":"k1"/);
  assert.match(out, /"model":"k2"/);
});

test('unknown route -> 404', async () => {
  const r = await request(`${mock.url}/v1/nope`, { headers: auth, body: {} });
  assert.equal(r.status, 404);
});

// ----- harness: startWarden against a fake binary ------------------------------------------------
function fakeBin(dir, js) {
  const script = writeFile(path.join(dir, 'fake.mjs'), js, 0o644);
  return writeFile(path.join(dir, 'fake-warden'), `#!/bin/sh\nexec "${process.execPath}" "${script}" "$@"\n`, 0o755);
}

test('startWarden: env is minimal, config passed, port parsed, stop', async () => {
  process.env.HARNESS_SHOULD_NOT_LEAK = 'leak';
  const dir = tmpDir();
  const bin = fakeBin(dir, `
    import http from 'node:http'; import fs from 'node:fs';
    const i = process.argv.indexOf('--config');
    console.log(JSON.stringify({ argv: process.argv.slice(2), env: process.env, config: fs.readFileSync(process.argv[i + 1], 'utf8') }));
    const s = http.createServer((q, r) => r.end('ok')).listen(0, '127.0.0.1', () => {
      process.stderr.write('2026-01-01 INFO warden listening on http://127.0.0.1:' + s.address().port + '\\n');
    });
    process.on('SIGTERM', () => { process.stderr.write('bye\\n'); process.exit(0); });
  `);
  const w = await startWarden({ bin, config: 'bind = "127.0.0.1:0"\n', env: { FOO: 'bar' }, args: ['--verbose'] });
  assert.match(w.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal((await request(w.url)).text, 'ok');
  const info = JSON.parse((await w.waitForOutput(/^\{.*\}$/m))[0]);
  assert.deepEqual(Object.keys(info.env).filter((k) => !['PWD', 'SHLVL', '_'].includes(k)).sort(), ['FOO', 'HOME', 'PATH', 'WARDEN_HOME']);
  assert.equal(info.env.HOME, w.home);
  assert.equal(info.env.WARDEN_HOME, path.join(w.home, '.warden'));
  assert.equal(info.argv[0], 'serve');
  assert.equal(info.argv[1], '--config');
  assert.equal(info.argv.at(-1), '--verbose');
  assert.equal(info.config, 'bind = "127.0.0.1:0"\n');
  assert.equal(fs.statSync(w.configPath).mode & 0o777, 0o600);
  await assert.rejects(w.waitForOutput(/never-printed/, 200), /timeout/);
  const res = await w.stop();
  assert.deepEqual(res, { code: 0, signal: null });
  assert.match(w.output(), /bye/);
  assert.deepEqual(await w.stop(), { code: 0, signal: null }, 'stop is idempotent');
  delete process.env.HARNESS_SHOULD_NOT_LEAK;
});

test('startWarden: exit before listening rejects with the output', async () => {
  const bin = fakeBin(tmpDir(), `process.stderr.write('error: CONFIG_INVALID bad bind\\n'); process.exit(3);`);
  await assert.rejects(startWarden({ bin, config: 'x' }), (e) => /CONFIG_INVALID bad bind/.test(e.message) && e.exit?.code === 3);
});

test('startWarden: never listening -> timeout, process killed', async () => {
  const bin = fakeBin(tmpDir(), `setInterval(() => {}, 1000);`);
  const t0 = Date.now();
  await assert.rejects(startWarden({ bin, config: 'x', timeoutMs: 500 }), /timeout/);
  assert.ok(Date.now() - t0 < 3000);
});

test('startWarden: IPv6 / https listening lines', () => {
  const m = LISTEN_RE.exec('listening on https://[::1]:8443');
  assert.equal(m[1], '[::1]');
  assert.equal(m[2], '8443');
});
