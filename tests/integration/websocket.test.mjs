// The WebSocket relay of GET /v1/responses (Codex's transport) against the real binary and the
// mock upstream: authentication on the upgrade, the credential injected upstream, frames both
// ways, size limit, idle timeout, handshake timeout, refusals answered 426, close pass-through.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startMock, startWarden, rawExchange } from '../support/harness.mjs';
import { TOKEN } from '../support/fixtures.mjs';

let WebSocket = null;
try {
  WebSocket = createRequire(new URL('../sdk/package.json', import.meta.url))('ws');
} catch { /* skipped below */ }
const skip = WebSocket ? false : 'the ws package is not installed (npm ci --prefix tests/sdk)';

function wardenConfig(mockUrl, { gateway = '', ws = '', websockets = true, extra = '' } = {}) {
  return `[gateway]\nbind = "127.0.0.1:0"\n${gateway}\n[gateway.websockets]\n${ws}\n` +
    `[providers.mock]\napi = "openai"\nbase_url = "${mockUrl}/v1"\nwebsockets = ${websockets}\n${extra}\n` +
    `[providers.claude]\napi = "anthropic"\nbase_url = "${mockUrl}/v1"\n`;
}
const env = { MOCK_API_KEY: 'mock-key-1', CLAUDE_API_KEY: 'claude-key-1', WARDEN_GATEWAY_TOKEN: TOKEN };

// Opens a WebSocket to warden; resolves {ws} on open or {status, body} when the upgrade is refused.
function connect(w, { path = '/v1/responses', headers = { authorization: `Bearer ${TOKEN}` }, maxPayload } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${w.port}${path}`, { headers, maxPayload, handshakeTimeout: 5000 });
    ws.on('open', () => resolve({ ws }));
    ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    ws.on('error', reject);
  });
}
const closed = (ws) => new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
function nextMessages(ws, until) {
  return new Promise((resolve) => {
    const got = [];
    const on = (data, isBinary) => {
      got.push(isBinary ? data : JSON.parse(data.toString()));
      if (until(got.at(-1))) { ws.off('message', on); resolve(got); }
    };
    ws.on('message', on);
  });
}
async function wsSessions(mock) {
  const r = await fetch(`${mock.url}/__mock/ws`);
  return r.json();
}

describe('websocket relay', { skip }, () => {
  let mock;
  let w;
  before(async () => {
    mock = await startMock();
    w = await startWarden({ config: wardenConfig(mock.url, { gateway: 'header_timeout = "1s"', ws: 'max_message_bytes = 4096' }), env });
  });
  after(async () => { await w?.stop(); await mock?.stop(); });

  test('a message round-trips with the provider credential injected; close codes pass through', async () => {
    await mock.reset();
    const { ws } = await connect(w, { headers: { authorization: `Bearer ${TOKEN}`, 'openai-beta': 'responses_websockets=2026-02-06' } });
    assert.ok(ws, 'upgrade accepted');
    const events = nextMessages(ws, (m) => m.type === 'response.completed');
    ws.send(JSON.stringify({ type: 'response.create', model: 'gpt-mock', input: 'hi' }));
    const got = await events;
    assert.equal(got[0].type, 'response.created');
    assert.equal(got.at(-1).response.output[0].content[0].text, 'chunk0 chunk1 chunk2');
    // Text and binary frames come back as they went.
    const echo = nextMessages(ws, () => true);
    ws.send(Buffer.from([0, 1, 2, 255]), { binary: true });
    const [bin] = await echo;
    assert.deepEqual([...bin], [0, 1, 2, 255]);
    const [session] = await wsSessions(mock);
    assert.equal(session.credential, 'mock-key-1');
    assert.equal(session.headers.authorization, 'Bearer mock-key-1', 'the gateway token never reaches the provider');
    assert.equal(session.headers['openai-beta'], 'responses_websockets=2026-02-06');
    assert.equal(session.path, '/v1/responses');
    const gone = closed(ws);
    ws.close(4001, 'bye');
    await gone;
    await mock.waitStats('wsClosed', 1);
    const [after1] = await wsSessions(mock);
    assert.deepEqual(after1.close, { code: 4001, reason: 'bye' });
    await w.waitForOutput(/GET \/v1\/responses 101 provider=mock key=\S+ attempts=1 .* websocket bytes_up=\d+ bytes_down=\d+ end=caller/);
  });

  test('fragments keep their opcode and fin; the provider\'s close code reaches the caller', async () => {
    await mock.reset();
    const { ws } = await connect(w);
    const echo = nextMessages(ws, () => true);
    ws.send('{"part":', { fin: false });
    ws.send('"one"}', { fin: true });
    const [whole] = await echo;
    assert.deepEqual(whole, { part: 'one' }, 'two fragments relayed as one text message');
    const [session] = await wsSessions(mock);
    assert.deepEqual(session.messages, [{ part: 'one' }]);
    const gone = closed(ws);
    ws.send(JSON.stringify({ type: 'mock.close', code: 4002, reason: 'provider says bye' }));
    assert.deepEqual(await gone, { code: 4002, reason: 'provider says bye' });
    await w.waitForOutput(/websocket bytes_up=\d+ bytes_down=\d+ end=upstream/);
  });

  test('no token or a wrong token: 401, nothing reaches the provider', async () => {
    await mock.reset();
    const none = await connect(w, { headers: {} });
    assert.equal(none.status, 401);
    const wrong = await connect(w, { headers: { authorization: 'Bearer not-the-token' } });
    assert.equal(wrong.status, 401);
    assert.deepEqual(await mock.requests(), []);
  });

  test('an upgrade to another route is not relayed', async () => {
    await mock.reset();
    const chat = await connect(w, { path: '/v1/chat/completions' });
    assert.equal(chat.status, 405);
    const unknown = await connect(w, { path: '/v1/nowhere' });
    assert.equal(unknown.status, 404);
    assert.deepEqual(await mock.requests(), []);
  });

  test('a message over max_message_bytes closes the caller with 1009 and the provider too', async () => {
    await mock.reset();
    // wsClosed counts every session since the mock started (reset does not clear it).
    const closedBefore = (await mock.stats()).wsClosed;
    const { ws } = await connect(w);
    const gone = closed(ws);
    ws.send('x'.repeat(5000));
    const { code } = await gone;
    assert.equal(code, 1009);
    await mock.waitStats('wsClosed', closedBefore + 1);
    const sessions = await wsSessions(mock);
    assert.deepEqual(sessions[0].messages, [], 'the oversized message was not relayed');
    assert.equal(sessions[0].close.code, 1001);
  });

  test('a caller that drops the connection closes the provider side', async () => {
    await mock.reset();
    const before1 = (await mock.stats()).wsClosed;
    const { ws } = await connect(w);
    ws.terminate();
    await mock.waitStats('wsClosed', before1 + 1, 8000);
  });

  test('the provider refusing the upgrade is answered 426 at once', async () => {
    await mock.reset();
    const t0 = Date.now();
    const r = await connect(w, { headers: { authorization: `Bearer ${TOKEN}`, 'x-mock-ws-status': '403' } });
    assert.equal(r.status, 426);
    assert.match(JSON.parse(r.body).error.message, /refused the WebSocket upgrade \(403\).*use HTTP/);
    assert.ok(Date.now() - t0 < 2000);
  });

  test('a client that never completes the handshake is cut off by header_timeout', async () => {
    const r = await rawExchange(w.port, ['GET /v1/responses HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\n'], { timeoutMs: 15000 });
    assert.equal(r.timedOut, false, 'warden closed the connection');
    assert.match(r.data, /^HTTP\/1\.1 408/);
  });
});

describe('websocket rotation, idle timeout and refusals', { skip }, () => {
  let mock;
  before(async () => { mock = await startMock({ keys: { 'key-a': { status: 429, retry_after: 30, body: 'rate_limit_exceeded' } } }); });
  after(async () => { await mock?.stop(); });

  test('a 429 on the upgrade cools the key and the next key is used', async () => {
    const w = await startWarden({ config: wardenConfig(mock.url, { extra: 'keys = ["key-a", "key-b"]' }), env });
    try {
      const { ws } = await connect(w);
      assert.ok(ws);
      const sessions = await wsSessions(mock);
      assert.equal(sessions.at(-1).credential, 'key-b');
      ws.close();
      const metrics = await (await fetch(`${w.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
      assert.match(metrics, /warden_key_cooldowns_total\{provider="mock"[^}]*\} 1/);
    } finally { await w.stop(); }
  });

  test('a provider that goes silent is closed on both sides after idle_timeout', async () => {
    const w = await startWarden({ config: wardenConfig(mock.url, { ws: 'idle_timeout = "1s"' }), env });
    try {
      const before1 = (await mock.stats()).wsClosed;
      const { ws } = await connect(w, { headers: { authorization: `Bearer ${TOKEN}`, 'x-mock-ws': 'silent' } });
      const gone = closed(ws);
      const t0 = Date.now();
      ws.send(JSON.stringify({ type: 'response.create', model: 'gpt-mock' }));
      const { code } = await gone;
      assert.equal(code, 1001);
      assert.ok(Date.now() - t0 < 5000);
      await mock.waitStats('wsClosed', before1 + 1, 8000);
    } finally { await w.stop(); }
  });

  test('disabled in config, or no provider relays WebSockets: 426 without contacting the provider', async () => {
    await mock.reset();
    const off = await startWarden({ config: wardenConfig(mock.url, { ws: 'enabled = false' }), env });
    const none = await startWarden({ config: wardenConfig(mock.url, { websockets: false }), env });
    try {
      const a = await connect(off);
      assert.equal(a.status, 426);
      assert.match(JSON.parse(a.body).error.message, /gateway\.websockets\.enabled = false/);
      const b = await connect(none);
      assert.equal(b.status, 426);
      assert.match(JSON.parse(b.body).error.message, /no enabled provider relays WebSockets/);
      assert.deepEqual(await mock.requests(), []);
    } finally { await off.stop(); await none.stop(); }
  });
});
