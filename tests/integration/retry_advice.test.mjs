// x-should-retry: every error warden writes itself says whether a retry can help (the OpenAI and
// Anthropic SDKs obey it), in one place (proxy/retry_advice.*); errors relayed from a provider
// pass through exactly as the provider sent them.
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startMock, startWarden, request, rawExchange } from '../support/harness.mjs';
import { AUTH, config, baseEnv, assertOpenAiError, rawHttp, parseResponse } from '../support/fixtures.mjs';

let mock;
before(async () => { mock = await startMock(); });
after(async () => { await mock?.stop(); });

// mock (OpenAI), claude (Anthropic), dead (OpenAI, nothing listening), rel and cool (OpenAI,
// keys the tests make the mock refuse).
const retryToml = (url) => config(url, {
  gateway: 'max_body_bytes = 4096',
  tail: '[providers.dead]\napi = "openai"\nbase_url = "http://127.0.0.1:1/v1"\n'
    + `[providers.rel]\napi = "openai"\nbase_url = "${url}/v1"\n`
    + `[providers.cool]\napi = "openai"\nbase_url = "${url}/v1"\n`
    + '[models]\n"gpt-*" = "mock"\n',
});

const chat = (w, model, headers = {}) => request(`${w.url}/v1/chat/completions`, {
  headers: { ...AUTH, ...headers },
  body: { model, messages: [{ role: 'user', content: 'hi' }] },
});

describe('x-should-retry', () => {
  let w;
  before(async () => {
    w = await startWarden({
      config: retryToml(mock.url),
      env: baseEnv({ DEAD_API_KEY: 'dead-key', REL_API_KEY: 'rel-key', COOL_API_KEY: 'cool-key' }),
    });
  });
  after(async () => { await w?.stop(); });

  const expectAdvice = (r, value, what) => assert.equal(r.headers.get('x-should-retry'), value, `${what}: ${r.status} ${r.text}`);

  test('false on errors a retry cannot fix', async () => {
    expectAdvice(await request(`${w.url}/v1/chat/completions`, { body: { model: 'gpt-4o' } }), 'false', 'missing token');
    expectAdvice(await request(`${w.url}/v1/messages`, { headers: { 'x-api-key': 'wrong' }, body: { model: 'x' } }), 'false', 'wrong token');
    expectAdvice(await request(`${w.url}/v1/chat/completions`, { headers: AUTH, body: '{"model":' }), 'false', 'invalid json');
    expectAdvice(await chat(w, 'nosuch/x'), 'false', 'unknown provider');
    expectAdvice(await request(`${w.url}/v1/nope`, { headers: AUTH }), 'false', '404');
    expectAdvice(await request(`${w.url}/v1/chat/completions`, { headers: AUTH }), 'false', '405');
    expectAdvice(await request(`${w.url}/v1/chat/completions`, { headers: AUTH, body: { model: 'gpt-4o', pad: 'x'.repeat(5000) } }), 'false', '413');
  });

  test('true where waiting helps: provider unreachable (502), every key cooling (429)', async () => {
    const dead = await chat(w, 'dead/gpt-4o');
    assert.equal(dead.status, 502, dead.text);
    expectAdvice(dead, 'true', 'upstream_error');
    await mock.setKeys({ 'cool-key': { status: 429, retry_after: 30 } });
    try {
      const r = await chat(w, 'cool/gpt-4o');
      assert.equal(r.status, 429, r.text);
      assertOpenAiError(r.text, 'all_keys_cooling');
      expectAdvice(r, 'true', 'all_keys_cooling');
      assert.ok(Number(r.headers.get('retry-after')) > 0);
    } finally {
      await mock.setKeys({});
    }
  });

  test('provider errors pass through untouched: no header added, the provider\'s own kept', async () => {
    for (const status of [400, 404, 500, 529]) {
      const r = await chat(w, 'mock/gpt-4o', { 'x-mock-status': String(status) });
      assert.equal(r.status, status, r.text);
      assert.equal(r.headers.get('x-should-retry'), null, `relayed ${status} gained x-should-retry`);
    }
    await mock.setKeys({ 'rel-key': { status: 401, times: 1, headers: { 'x-should-retry': 'true' } } });
    try {
      const r = await chat(w, 'rel/gpt-4o');
      assert.equal(r.status, 401, r.text);
      assert.equal(r.headers.get('x-should-retry'), 'true', 'the provider\'s own advice is relayed as sent');
    } finally {
      await mock.setKeys({});
    }
  });

  test('framing errors carry it too', async () => {
    const raw = rawHttp('POST', '/v1/chat/completions', { headers: [['transfer-encoding', 'gzip']], close: true });
    const res = parseResponse((await rawExchange(w.port, raw, { timeoutMs: 3000 })).data);
    assert.equal(res.status, 400);
    assert.equal(res.headers['x-should-retry'], 'false');
  });

  test('the failed-auth lockout says false (a retry cannot lift it)', async () => {
    const lw = await startWarden({
      config: config(mock.url, { tail: '[gateway.auth.rate_limit]\nmax_attempts = 1\nwindow = "60s"\nlockout = "60s"\nexempt_loopback = false\n' }),
      env: baseEnv(),
    });
    try {
      const bad = { authorization: 'Bearer wrong-token' };
      expectAdvice(await request(`${lw.url}/v1/chat/completions`, { headers: bad, body: { model: 'gpt-4o' } }), 'false', '401');
      const locked = await request(`${lw.url}/v1/chat/completions`, { headers: bad, body: { model: 'gpt-4o' } });
      assert.equal(locked.status, 429, locked.text);
      assertOpenAiError(locked.text, 'auth_locked_out');
      expectAdvice(locked, 'false', 'auth_locked_out');
    } finally {
      await lw.stop();
    }
  });
});

