// Caller access: token sources (env, config literal, generated file), Bearer and x-api-key,
// missing/wrong credentials, the failed-auth limiter, mode = "none".
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startMock, startWarden, request, tmpDir, writeFile, sleep } from '../support/harness.mjs';
import {
  AUTH, TOKEN, config, baseEnv, assertOpenAiError, assertAnthropicError, testId, recordedFor,
} from '../support/fixtures.mjs';

let mock;
before(async () => { mock = await startMock(); });
after(async () => { await mock?.stop(); });

const chat = (url, headers = {}, model = 'mock/a') => request(`${url}/v1/chat/completions`, { headers, body: { model } });
const messages = (url, headers = {}) => request(`${url}/v1/messages`, { headers, body: { model: 'claude/a', max_tokens: 1, messages: [] } });

describe('token from WARDEN_GATEWAY_TOKEN', () => {
  let w;
  before(async () => { w = await startWarden({ config: config(mock.url), env: baseEnv() }); });
  after(async () => { await w?.stop(); });

  test('Authorization: Bearer and x-api-key both work on both wire formats', async () => {
    assert.equal((await chat(w.url, AUTH)).status, 200);
    assert.equal((await chat(w.url, { 'x-api-key': TOKEN })).status, 200);
    assert.equal((await messages(w.url, AUTH)).status, 200);
    assert.equal((await messages(w.url, { 'x-api-key': TOKEN })).status, 200);
  });

  test('the Bearer scheme is case-insensitive (RFC 9110 §11.1)', async () => {
    assert.equal((await chat(w.url, { authorization: `bearer ${TOKEN}` })).status, 200);
    assert.equal((await chat(w.url, { authorization: `BEARER ${TOKEN}` })).status, 200);
  });

  test('missing credentials → 401 missing_credentials with WWW-Authenticate', async () => {
    const r = await chat(w.url);
    assert.equal(r.status, 401);
    assertOpenAiError(r.text, 'missing_credentials');
    assert.match(r.headers.get('www-authenticate'), /^Bearer/);
    const a = await messages(w.url);
    assert.equal(a.status, 401);
    assertAnthropicError(a.text, 'missing_credentials');
  });

  const wrong = [
    ['a different token', { authorization: 'Bearer not-the-token' }],
    ['the token plus one character', { authorization: `Bearer ${TOKEN}x` }],
    ['the token minus its last character', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ['a token prefix only', { authorization: `Bearer ${TOKEN.slice(0, 4)}` }],
    ['Basic auth with the token', { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` }],
    ['a wrong x-api-key', { 'x-api-key': 'nope' }],
  ];
  for (const [name, headers] of wrong) {
    test(`${name} → 401, never proxied`, async () => {
      const id = testId('wrong');
      const r = await chat(w.url, { ...headers, 'x-test-id': id });
      assert.equal(r.status, 401, r.text);
      const code = JSON.parse(r.text).error.code;
      assert.ok(code === 'invalid_credentials' || (name.startsWith('Basic') && code === 'missing_credentials'), code);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.deepEqual(await recordedFor(mock, id), []);
    });
  }

  test('wrong credentials on the Anthropic route → Anthropic error shape', async () => {
    const r = await messages(w.url, { 'x-api-key': 'nope' });
    assert.equal(r.status, 401);
    assertAnthropicError(r.text, 'invalid_credentials');
  });

  test('/healthz and /readyz need no credentials; /metrics and /v1/models do', async () => {
    assert.equal((await request(`${w.url}/healthz`)).status, 200);
    assert.equal((await request(`${w.url}/readyz`)).status, 200);
    assert.equal((await request(`${w.url}/metrics`)).status, 401);
    assert.equal((await request(`${w.url}/v1/models`)).status, 401);
    assert.equal((await request(`${w.url}/metrics`, { headers: { 'x-api-key': TOKEN } })).status, 200);
  });

  test('loopback callers are exempt from the limiter by default', async () => {
    for (let i = 0; i < 15; i++) assert.equal((await chat(w.url, { authorization: `Bearer bad-${i}` })).status, 401);
    assert.equal((await chat(w.url, AUTH)).status, 200);
  });

  test('the log names the token source and never the value', async () => {
    assert.match(w.output(), /gateway token from WARDEN_GATEWAY_TOKEN/);
    assert.ok(!w.output().includes(TOKEN));
  });
});

describe('token from config', () => {
  test('gateway.auth.token literal is accepted', async () => {
    const w = await startWarden({
      config: config(mock.url, { tail: '[gateway.auth]\ntoken = "cfg-literal-token-42"\n' }),
      env: baseEnv({ WARDEN_GATEWAY_TOKEN: undefined }),
    });
    try {
      assert.equal((await chat(w.url, { authorization: 'Bearer cfg-literal-token-42' })).status, 200);
      assert.equal((await chat(w.url, AUTH)).status, 401);
      assert.ok(!w.output().includes('cfg-literal-token-42'));
      assert.ok(!fs.existsSync(path.join(w.wardenHome, 'gateway.token')), 'no token file is generated when one is configured');
    } finally {
      await w.stop();
    }
  });

  test('WARDEN_GATEWAY_TOKEN wins over a different config token, with a warning that names no value', async () => {
    const w = await startWarden({
      config: config(mock.url, { tail: '[gateway.auth]\ntoken = "cfg-shadowed-token-77"\n' }),
      env: baseEnv(),
    });
    try {
      assert.equal((await chat(w.url, AUTH)).status, 200);
      assert.equal((await chat(w.url, { authorization: 'Bearer cfg-shadowed-token-77' })).status, 401);
      assert.match(w.output(), /TOKEN_SHADOWED/);
      assert.ok(!w.output().includes('cfg-shadowed-token-77'));
      assert.ok(!w.output().includes(TOKEN));
    } finally {
      await w.stop();
    }
  });
});

describe('generated token file', () => {
  test('first start generates $WARDEN_HOME/gateway.token (0600), logs the path, never the value; restart reuses it', async () => {
    const home = tmpDir('warden-gen-');
    const env = baseEnv({ WARDEN_GATEWAY_TOKEN: undefined });
    const w = await startWarden({ config: config(mock.url), env, home });
    let token;
    try {
      const file = path.join(w.wardenHome, 'gateway.token');
      const st = fs.statSync(file);
      assert.equal(st.mode & 0o777, 0o600, `mode ${(st.mode & 0o777).toString(8)}`);
      assert.equal(fs.statSync(w.wardenHome).mode & 0o077, 0, 'WARDEN_HOME is private');
      token = fs.readFileSync(file, 'utf8').trim();
      assert.ok(token.length >= 32, `token of ${token.length} chars`);
      assert.ok(w.output().includes(file), 'the log names the file');
      assert.ok(!w.output().includes(token), 'the log must not contain the token');
      assert.equal((await chat(w.url, { authorization: `Bearer ${token}` })).status, 200);
      assert.equal((await chat(w.url, { 'x-api-key': token })).status, 200);
      assert.equal((await chat(w.url)).status, 401);
    } finally {
      await w.stop();
    }
    const w2 = await startWarden({ config: config(mock.url), env, home });
    try {
      assert.equal(fs.readFileSync(path.join(w2.wardenHome, 'gateway.token'), 'utf8').trim(), token, 'the token is not regenerated');
      assert.equal((await chat(w2.url, { authorization: `Bearer ${token}` })).status, 200);
      assert.ok(!w2.output().includes(token));
    } finally {
      await w2.stop();
    }
  });

  test('a group/world-readable token file is refused at start with a chmod 600 hint', async () => {
    const home = tmpDir('warden-insecure-');
    writeFile(path.join(home, '.warden', 'gateway.token'), 'insecure-token-value-123\n', 0o644);
    const w = await startWarden({ config: config(mock.url), env: baseEnv({ WARDEN_GATEWAY_TOKEN: undefined }), home, waitForListen: false });
    const exit = await Promise.race([w.exited, sleep(5000).then(() => 'timeout')]);
    assert.notEqual(exit, 'timeout', 'warden must refuse to start');
    assert.notEqual(exit.code, 0);
    assert.match(w.output(), /chmod 600/);
    assert.ok(!w.output().includes('insecure-token-value-123'));
  });
});

describe('failed-auth limiter (exempt_loopback = false)', () => {
  let w;
  const LOCKOUT_MS = 1000;
  before(async () => {
    w = await startWarden({
      config: config(mock.url, {
        tail: `[gateway.auth.rate_limit]\nmax_attempts = 3\nwindow = "60s"\nlockout = "${LOCKOUT_MS}ms"\nexempt_loopback = false\n`,
      }),
      env: baseEnv(),
    });
  });
  after(async () => { await w?.stop(); });

  test('missing credentials do not count toward the limit', async () => {
    for (let i = 0; i < 6; i++) {
      const r = await chat(w.url);
      assert.equal(r.status, 401);
      assertOpenAiError(r.text, 'missing_credentials');
    }
    assert.equal((await chat(w.url, AUTH)).status, 200);
  });

  test('a success in between resets the count', async () => {
    for (let i = 0; i < 2; i++) assert.equal((await chat(w.url, { authorization: `Bearer bad-${i}` })).status, 401);
    assert.equal((await chat(w.url, AUTH)).status, 200);
    for (let i = 0; i < 2; i++) assert.equal((await chat(w.url, { authorization: `Bearer bad-${i}` })).status, 401);
    assert.equal((await chat(w.url, AUTH)).status, 200, 'not locked: the success reset the count');
  });

  test('the same wrong token retried (an SDK or agent with a stale token) counts once: no lockout', async () => {
    for (let i = 0; i < 8; i++) {
      const r = await chat(w.url, { authorization: 'Bearer stale-token' });
      assert.equal(r.status, 401);
      assertOpenAiError(r.text, 'invalid_credentials');
    }
    assert.equal((await chat(w.url, AUTH)).status, 200, 'not locked out by retries of one token');
  });

  test('max_attempts different wrong tokens → 429 auth_locked_out with Retry-After, even for the right token; lifted after lockout', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await chat(w.url, { authorization: `Bearer bad-${i}` });
      assert.equal(r.status, 401);
      assertOpenAiError(r.text, 'invalid_credentials');
    }
    const lockedAt = performance.now();
    const r = await chat(w.url, AUTH);
    assert.equal(r.status, 429, r.text);
    assertOpenAiError(r.text, 'auth_locked_out');
    const ra = Number(r.headers.get('retry-after'));
    assert.ok(Number.isInteger(ra) && ra >= 1 && ra <= Math.ceil(LOCKOUT_MS / 1000), `retry-after ${r.headers.get('retry-after')}`);
    const a = await messages(w.url, { 'x-api-key': TOKEN });
    assert.equal(a.status, 429);
    assertAnthropicError(a.text, 'auth_locked_out');
    assert.equal((await request(`${w.url}/healthz`)).status, 200, 'health checks are not locked out');
    // The lockout is a duration: wait it out (no event to await), then the right token works.
    await sleep(Math.max(0, LOCKOUT_MS + 150 - (performance.now() - lockedAt)));
    assert.equal((await chat(w.url, AUTH)).status, 200);
  });

  test('the lockout is logged with the address, without the offered token', async () => {
    assert.ok(!w.output().includes('Bearer bad') && !w.output().includes('bad-0'));
    assert.match(w.output(), /locking out 127\.0\.0\.1/);
    // Requests refused during the lockout are in the access log too (an operator sees the flood).
    assert.match(w.output(), /access POST \/v1\/chat\/completions 429 auth=auth_locked_out peer=127\.0\.0\.1/);
    assert.match(w.output(), /access POST \/v1\/messages 429 auth=auth_locked_out peer=127\.0\.0\.1/);
  });
});

// IPv6 callers are counted per prefix (gateway.auth.rate_limit.ipv6_prefix, /64 by default), so
// a host that owns a /64 cannot rotate addresses for unlimited guesses. Only ::1 is reachable
// here, so the test checks the key the lockout is counted (and logged) under.
describe('failed-auth limiter over IPv6 (exempt_loopback = false)', () => {
  for (const [prefix, key] of [[undefined, '::/64'], [128, '::1/128']]) {
    test(`ipv6_prefix ${prefix ?? '(default)'}: ::1 is locked out as ${key}`, async () => {
      const w = await startWarden({
        config: config(mock.url, {
          tail: '[gateway.auth.rate_limit]\nmax_attempts = 3\nlockout = "60s"\nexempt_loopback = false\n'
            + (prefix === undefined ? '' : `ipv6_prefix = ${prefix}\n`),
        }),
        env: baseEnv(),
        args: ['--bind', '[::1]:0'],
      });
      try {
        assert.match(w.url, /\[::1\]/);
        for (let i = 0; i < 3; i++) assert.equal((await chat(w.url, { authorization: `Bearer bad-${i}` })).status, 401);
        const r = await chat(w.url, AUTH);
        assert.equal(r.status, 429, r.text);
        assertOpenAiError(r.text, 'auth_locked_out');
        const escaped = key.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
        await w.waitForOutput(new RegExp(`locking out ${escaped} for 60s`));
      } finally {
        await w.stop();
      }
    });
  }

  test('an ipv6_prefix outside 32..128 is refused at start, naming the key', async () => {
    const w = await startWarden({
      config: config(mock.url, { tail: '[gateway.auth.rate_limit]\nipv6_prefix = 16\n' }),
      env: baseEnv(),
      waitForListen: false,
    });
    const exit = await Promise.race([w.exited, sleep(5000).then(() => 'timeout')]);
    assert.notEqual(exit, 'timeout', 'warden must refuse to start');
    assert.notEqual(exit.code, 0);
    assert.match(w.output(), /gateway\.auth\.rate_limit\.ipv6_prefix: must be between 32 and 128/);
  });
});

describe('mode = "none"', () => {
  test('no credentials needed; the caller Authorization is still not forwarded', async () => {
    const w = await startWarden({
      config: config(mock.url, { tail: '[gateway.auth]\nmode = "none"\n' }),
      env: baseEnv({ WARDEN_GATEWAY_TOKEN: undefined }),
    });
    try {
      assert.equal((await chat(w.url)).status, 200);
      assert.equal((await request(`${w.url}/metrics`)).status, 200);
      const id = testId('none');
      const r = await chat(w.url, { authorization: 'Bearer caller-secret-xyz', 'x-test-id': id });
      assert.equal(r.status, 200);
      const [rec] = await recordedFor(mock, id);
      assert.equal(rec.headers.authorization, 'Bearer mock-key-1');
      assert.match(w.output(), /mode = "none"/);
      assert.ok(!fs.existsSync(path.join(w.wardenHome, 'gateway.token')), 'no token file in mode none');
    } finally {
      await w.stop();
    }
  });
});
