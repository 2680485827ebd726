// gateway.auth.mode = "trusted-proxy": a real nginx on loopback is the identity proxy
// (auth_request to a small auth stub, proxy_set_header overwriting the identity headers) and
// connects to warden from 127.0.0.2 (proxy_bind), the only trusted address. Direct callers
// connect from 127.0.0.1 and are never believed. Raw clients bound to 127.0.0.2 play a
// misbehaving proxy for the checks nginx would never fail.
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startMock, startWarden, request } from '../support/harness.mjs';
import { PROXY_ADDR, USERS, startAuthStub, startNginx } from '../support/identity_proxy.mjs';
import {
  TOKEN, AUTH, config, baseEnv, rawHttp, parseResponse, assertOpenAiError, assertAnthropicError,
  testId, recordedFor,
} from '../support/fixtures.mjs';

const trustedProxyConfig = (mockUrl, { allow = ['nick@example.com', '*@team.example'], extra = '' } = {}) => config(mockUrl, {
  tail: '[gateway.auth]\nmode = "trusted-proxy"\n'
    + `[gateway.auth.trusted_proxy]\nproxies = ["${PROXY_ADDR}/32"]\nrequired_headers = ["x-forwarded-proto"]\n`
    + `allow_users = [${allow.map((u) => JSON.stringify(u)).join(', ')}]\n${extra}`,
});

/** Raw HTTP exchange from a chosen local address; resolves with the parsed first response. */
function rawFrom(localAddress, port, bytes, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress });
    const got = [];
    const t = setTimeout(() => { s.destroy(); reject(new Error(`timeout; got ${Buffer.concat(got).toString('latin1')}`)); }, timeoutMs);
    s.on('data', (d) => got.push(d));
    s.on('error', (e) => { clearTimeout(t); reject(e); });
    s.on('close', () => { clearTimeout(t); resolve(parseResponse(Buffer.concat(got).toString('latin1'))); });
    s.write(bytes);
  });
}

const chatBody = { model: 'mock/a', messages: [] };
// A request as the proxy would send it: the identity headers given, nothing else added.
const asProxy = (headers, { path: p = '/v1/chat/completions', body = chatBody } = {}) =>
  rawHttp('POST', p, { headers, body, auth: false, close: true });

let mock;
before(async () => { mock = await startMock(); });
after(async () => { await mock?.stop(); });

describe('behind nginx (auth_request) as the identity proxy', () => {
  let w;
  let stub;
  let nginx;
  before(async () => {
    w = await startWarden({ config: trustedProxyConfig(mock.url), env: baseEnv() });
    stub = await startAuthStub();
    nginx = await startNginx(w.port, stub.port);
  });
  after(async () => { await nginx?.stop(); await stub?.stop(); await w?.stop(); });

  const viaNginx = (headers, p = '/v1/chat/completions', body = chatBody) => request(`${nginx.url}${p}`, { headers, body });

  test('a signed-in user reaches the provider; identity headers stay behind; the log names the user', async () => {
    const id = testId('tp-ok');
    const r = await viaNginx({ cookie: 'session=sess-nick', 'x-test-id': id });
    assert.equal(r.status, 200, r.text);
    const [rec] = await recordedFor(mock, id);
    assert.ok(rec, 'the mock upstream got the request');
    assert.equal(rec.headers.authorization, 'Bearer mock-key-1');
    for (const h of ['x-forwarded-user', 'x-forwarded-for', 'x-forwarded-proto', 'cookie']) {
      assert.equal(rec.headers[h], undefined, `${h} was forwarded upstream`);
    }
    await w.waitForOutput(/POST \/v1\/chat\/completions 200 provider=mock .* peer=127\.0\.0\.2 client=127\.0\.0\.1 user="nick@example\.com"/);
  });

  test('a pattern in allow_users admits its users', async () => {
    const r = await viaNginx({ cookie: 'session=sess-ann' });
    assert.equal(r.status, 200, r.text);
  });

  test('a forged x-forwarded-user is overwritten by nginx: the session decides', async () => {
    const r = await viaNginx({ cookie: 'session=sess-eve', 'x-forwarded-user': 'nick@example.com' });
    assert.equal(r.status, 401, r.text);
    assertOpenAiError(r.text, 'trusted_proxy_user_not_allowed');
    const ok = await viaNginx({ cookie: 'session=sess-nick', 'X-Forwarded-User': 'ann@team.example' });
    assert.equal(ok.status, 200, ok.text);
  });

  test('a client-supplied X-Forwarded-For cannot choose the client address', async () => {
    const id = testId('tp-xff');
    const r = await viaNginx({ cookie: 'session=sess-nick', 'x-forwarded-for': '198.51.100.66', 'x-test-id': id });
    assert.equal(r.status, 200, r.text);
    // nginx appended the real peer (127.0.0.1): the walk stops there, not at the forged entry.
    await w.waitForOutput(/peer=127\.0\.0\.2 client=127\.0\.0\.1 user="nick@example\.com"/);
    assert.doesNotMatch(w.output(), /client=198\.51\.100\.66/);
  });

  test('Anthropic wire format through the proxy, and its errors', async () => {
    const body = { model: 'claude/a', max_tokens: 1, messages: [] };
    const r = await viaNginx({ cookie: 'session=sess-nick' }, '/v1/messages', body);
    assert.equal(r.status, 200, r.text);
    const e = await viaNginx({ cookie: 'session=sess-eve' }, '/v1/messages', body);
    assert.equal(e.status, 401);
    assertAnthropicError(e.text, 'trusted_proxy_user_not_allowed');
  });

  test('no session: nginx refuses before warden sees anything', async () => {
    const id = testId('tp-nosess');
    const r = await viaNginx({ 'x-test-id': id, 'x-forwarded-user': 'nick@example.com' });
    assert.equal(r.status, 401);
    assert.equal((await recordedFor(mock, id)).length, 0);
  });

  test('straight to warden with a forged identity → trusted_proxy_untrusted_source', async () => {
    const id = testId('tp-direct');
    const r = await request(`${w.url}/v1/chat/completions`, {
      headers: { 'x-forwarded-user': 'nick@example.com', 'x-forwarded-proto': 'https', 'x-forwarded-for': PROXY_ADDR, 'x-test-id': id },
      body: chatBody,
    });
    assert.equal(r.status, 401, r.text);
    assertOpenAiError(r.text, 'trusted_proxy_untrusted_source');
    assert.equal((await recordedFor(mock, id)).length, 0);
  });

  test('straight to warden with a valid gateway token → refused all the same', async () => {
    for (const headers of [AUTH, { 'x-api-key': TOKEN }]) {
      const r = await request(`${w.url}/v1/chat/completions`, { headers, body: chatBody });
      assert.equal(r.status, 401, r.text);
      assertOpenAiError(r.text, 'trusted_proxy_untrusted_source');
    }
    const m = await request(`${w.url}/v1/models`, { headers: AUTH });
    assert.equal(m.status, 401);
  });

  test('/healthz needs no identity; Referrer-Policy and nosniff on every answer', async () => {
    const h = await request(`${w.url}/healthz`);
    assert.equal(h.status, 200);
    const r = await request(`${w.url}/v1/models`);
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  });
});

describe('checks against a misbehaving proxy (raw clients from the trusted address)', () => {
  let w;
  before(async () => { w = await startWarden({ config: trustedProxyConfig(mock.url), env: baseEnv() }); });
  after(async () => { await w?.stop(); });
  const fromProxy = (headers, opts) => rawFrom(PROXY_ADDR, w.port, asProxy(headers, opts));
  const fromClient = (headers, opts) => rawFrom('127.0.0.1', w.port, asProxy(headers, opts));
  const codeOf = (res) => JSON.parse(res.body).error.code;

  test('header names are case-insensitive; OWS around the user is trimmed', async () => {
    const r = await fromProxy([['X-FORWARDED-USER', '  nick@example.com\t'], ['X-Forwarded-Proto', 'https']]);
    assert.equal(r.status, 200, r.body);
    await w.waitForOutput(/user="nick@example\.com"/);
  });

  test('missing required header → trusted_proxy_missing_header naming it', async () => {
    const r = await fromProxy([['x-forwarded-user', 'nick@example.com']]);
    assert.equal(r.status, 401);
    assert.equal(codeOf(r), 'trusted_proxy_missing_header');
    assert.match(JSON.parse(r.body).error.message, /x-forwarded-proto/);
    const blank = await fromProxy([['x-forwarded-user', 'nick@example.com'], ['x-forwarded-proto', ' ']]);
    assert.equal(codeOf(blank), 'trusted_proxy_missing_header');
  });

  test('no user, or a blank one → trusted_proxy_user_missing', async () => {
    assert.equal(codeOf(await fromProxy([['x-forwarded-proto', 'https']])), 'trusted_proxy_user_missing');
    assert.equal(codeOf(await fromProxy([['x-forwarded-proto', 'https'], ['x-forwarded-user', '   ']])), 'trusted_proxy_user_missing');
  });

  test('duplicate identity headers (any case) → trusted_proxy_user_duplicate', async () => {
    const id = testId('tp-dup');
    const r = await fromProxy([['x-forwarded-proto', 'https'], ['x-forwarded-user', 'eve@evil.example'],
      ['X-Forwarded-User', 'nick@example.com'], ['x-test-id', id]]);
    assert.equal(r.status, 401);
    assert.equal(codeOf(r), 'trusted_proxy_user_duplicate');
    assert.equal((await recordedFor(mock, id)).length, 0);
  });

  test('a user outside allow_users → trusted_proxy_user_not_allowed, without echoing the name', async () => {
    const r = await fromProxy([['x-forwarded-proto', 'https'], ['x-forwarded-user', 'nick@example.com.evil']]);
    assert.equal(codeOf(r), 'trusted_proxy_user_not_allowed');
    assert.doesNotMatch(r.body, /evil/);
    // Exact, case-sensitive names: a pattern does not match across its literal parts.
    assert.equal(codeOf(await fromProxy([['x-forwarded-proto', 'https'], ['x-forwarded-user', 'Nick@example.com']])), 'trusted_proxy_user_not_allowed');
    assert.equal(codeOf(await fromProxy([['x-forwarded-proto', 'https'], ['x-forwarded-user', 'ann@team.example.org']])), 'trusted_proxy_user_not_allowed');
  });

  test('a control character in the user is never let through', async () => {
    const r = await fromProxy([['x-forwarded-proto', 'https'], ['x-forwarded-user', 'nick@example.com\x01']]);
    assert.notEqual(r.status, 200);
    assert.ok(r.status === 400 || codeOf(r) === 'trusted_proxy_user_invalid', r.body);
  });

  test('the checks run in order: untrusted source before everything else', async () => {
    assert.equal(codeOf(await fromClient([])), 'trusted_proxy_untrusted_source');
    assert.equal(codeOf(await fromClient([['x-forwarded-user', 'nick@example.com'], ['x-forwarded-proto', 'https']])), 'trusted_proxy_untrusted_source');
    // Required header before user checks.
    assert.equal(codeOf(await fromProxy([['x-forwarded-user', 'eve@evil.example']])), 'trusted_proxy_missing_header');
  });

  test('X-Forwarded-For: walked right to left past trusted hops; untrusted hops end the walk', async () => {
    const r = await fromProxy([['x-forwarded-proto', 'https'], ['x-forwarded-user', 'ann@team.example'],
      ['x-forwarded-for', `${PROXY_ADDR}, 198.51.100.7, ${PROXY_ADDR}`]]);
    assert.equal(r.status, 200, r.body);
    await w.waitForOutput(/client=198\.51\.100\.7 user="ann@team\.example"/);
    const two = await fromProxy([['x-forwarded-proto', 'https'], ['x-forwarded-user', 'ann@team.example'],
      ['x-forwarded-for', '203.0.113.1, 198.51.100.8'], ['X-Forwarded-For', PROXY_ADDR]]);
    assert.equal(two.status, 200, two.body);
    await w.waitForOutput(/client=198\.51\.100\.8 user="ann@team\.example"/);
  });

  test('a user with quotes cannot forge access-log fields', async () => {
    const w2 = await startWarden({ config: trustedProxyConfig(mock.url, { allow: [] }), env: baseEnv() });
    try {
      const r = await rawFrom(PROXY_ADDR, w2.port, asProxy([['x-forwarded-proto', 'https'], ['x-forwarded-user', 'x" user="admin']]));
      assert.equal(r.status, 200, r.body);
      await w2.waitForOutput(/user="x\\" user=\\"admin"/);
    } finally {
      await w2.stop();
    }
  });
});

describe('failed-auth limiter in trusted-proxy mode (loopback not exempt)', () => {
  let w;
  before(async () => {
    w = await startWarden({
      config: trustedProxyConfig(mock.url, { extra: '[gateway.auth.rate_limit]\nmax_attempts = 3\nexempt_loopback = false\n' }),
      env: baseEnv(),
    });
  });
  after(async () => { await w?.stop(); });
  const ok = [['x-forwarded-proto', 'https'], ['x-forwarded-user', 'nick@example.com']];

  test('refusals from the trusted proxy never count (it would lock out everyone behind it)', async () => {
    for (let i = 0; i < 6; i++) {
      const r = await rawFrom(PROXY_ADDR, w.port, asProxy([['x-forwarded-proto', 'https'], ['x-forwarded-user', 'eve@evil.example']]));
      assert.equal(r.status, 401);
    }
    for (let i = 0; i < 6; i++) {
      const r = await rawFrom(PROXY_ADDR, w.port, asProxy([['x-forwarded-user', 'nick@example.com']]));
      assert.equal(r.status, 401);
    }
    assert.equal((await rawFrom(PROXY_ADDR, w.port, asProxy(ok))).status, 200);
  });

  test('an untrusted peer without credentials is refused but not counted', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await rawFrom('127.0.0.3', w.port, asProxy([]));
      assert.equal(JSON.parse(r.body).error.code, 'trusted_proxy_untrusted_source');
    }
  });

  test('forged identities or tokens from an untrusted peer count; that client is locked out, also through the proxy', async () => {
    // Three different forgeries (the same one again would count once: a retry, not a guess).
    const forged = [['x-forwarded-user', 'nick@example.com'], ['x-forwarded-proto', 'https']];
    const attempts = [forged, [['authorization', `Bearer ${TOKEN}`]], [['x-forwarded-user', 'ann@team.example']]];
    for (const headers of attempts) {
      assert.equal((await rawFrom('127.0.0.1', w.port, asProxy(headers))).status, 401);
    }
    const locked = await rawFrom('127.0.0.1', w.port, asProxy(forged));
    assert.equal(locked.status, 429);
    assert.ok(Number(locked.headers['retry-after']) > 0);
    // Through the proxy, the X-Forwarded-For client 127.0.0.1 is the same locked-out client...
    const via = await rawFrom(PROXY_ADDR, w.port, asProxy([...ok, ['x-forwarded-for', '127.0.0.1']]));
    assert.equal(via.status, 429);
    // ...while other clients behind the proxy, and the proxy itself, are unaffected.
    assert.equal((await rawFrom(PROXY_ADDR, w.port, asProxy([...ok, ['x-forwarded-for', '127.0.0.4']]))).status, 200);
    assert.equal((await rawFrom(PROXY_ADDR, w.port, asProxy(ok))).status, 200);
  });
});
