// The official `openai` and `@anthropic-ai/sdk` packages against warden's caller-identity modes:
//   - named callers with rotated tokens ([callers.NAME] tokens as sha256: digests): the token is
//     the SDK's apiKey; old and new token work together; policy errors reach the SDK as 403s it
//     does not retry;
//   - trusted-proxy behind a real nginx (auth_request to a session stub, tests/support/
//     identity_proxy.mjs): the SDK talks to nginx with its session cookie, nginx asserts the
//     user, warden maps the user to a caller through proxy_users.
// Every successful call is checked at the mock: the provider key arrived, the caller's
// credential and identity headers did not.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { withSdkPackages } from './sdk_packages.mjs';
import { startMock, startWarden } from '../support/harness.mjs';
import { PROXY_ADDR, startAuthStub, startNginx } from '../support/identity_proxy.mjs';

await withSdkPackages(defineTests);

async function defineTests() {
  const { default: OpenAI } = await import('openai');
  const { default: Anthropic } = await import('@anthropic-ai/sdk');
  const MOCK_KEY = 'sk-mock-provider-key';
  const CLAUDE_KEY = 'sk-ant-provider-key';
  const USER = [{ role: 'user', content: 'hello from the identity test' }];
  const digest = (t) => `sha256:${crypto.createHash('sha256').update(t).digest('hex')}`;
  const providers = (mockUrl) => [
    '[providers.mock]', 'api = "openai"', `base_url = "${mockUrl}/v1"`,
    '[providers.claude]', 'api = "anthropic"', `base_url = "${mockUrl}/v1"`, '',
  ].join('\n');
  const env = { MOCK_API_KEY: MOCK_KEY, CLAUDE_API_KEY: CLAUDE_KEY };

  let mock;
  before(async () => { mock = await startMock(); });
  after(async () => { await mock?.stop(); });

  // The request the mock saw last, and a check that it carried only the provider key.
  async function lastUpstream(expectKey, forbidden) {
    const recs = await mock.requests();
    const rec = recs[recs.length - 1];
    assert.ok(rec, 'the mock got a request');
    const auth = rec.headers.authorization ?? rec.headers['x-api-key'];
    assert.ok(auth?.includes(expectKey), `provider key injected (got ${auth})`);
    const raw = JSON.stringify(rec);
    for (const f of forbidden) assert.ok(!raw.includes(f), `${f} reached the provider`);
    return rec;
  }

  describe('named callers with rotated tokens', () => {
    const OLD = `wgt-old-${crypto.randomBytes(16).toString('hex')}`;
    const NEW = `wgt-new-${crypto.randomBytes(16).toString('hex')}`;
    const CI = `wgt-ci-${crypto.randomBytes(16).toString('hex')}`;
    let w;
    before(async () => {
      const config = [
        '[gateway]', 'bind = "127.0.0.1:0"', providers(mock.url),
        '[callers.app]', `tokens = ["${digest(OLD)}", "${digest(NEW)}"]`, '',
        '[callers.ci]', `tokens = ["${digest(CI)}"]`, 'providers = ["claude"]', 'models = ["claude/claude-haiku-*"]', '',
      ].join('\n');
      w = await startWarden({ config, env: { ...env, WARDEN_GATEWAY_TOKEN: `wgt-${crypto.randomBytes(16).toString('hex')}` } });
    });
    after(async () => { await w?.stop(); });

    test('old and new token of one caller both work as the OpenAI SDK apiKey', async () => {
      for (const apiKey of [OLD, NEW]) {
        const openai = new OpenAI({ apiKey, baseURL: `${w.url}/v1`, maxRetries: 0 });
        const r = await openai.chat.completions.create({ model: 'mock/gpt-4o', messages: USER });
        assert.equal(r.object, 'chat.completion');
        await lastUpstream(MOCK_KEY, [OLD, NEW]);
      }
      await w.waitForOutput(/POST \/v1\/chat\/completions 200 .*caller=app/);
    });

    test('a restricted caller: the Anthropic SDK within policy, a typed 403 outside it', async () => {
      const anthropic = new Anthropic({ apiKey: CI, baseURL: w.url, maxRetries: 2 });
      const ok = await anthropic.messages.create({ model: 'claude/claude-haiku-4-5', max_tokens: 16, messages: USER });
      assert.equal(ok.type, 'message');
      await lastUpstream(CLAUDE_KEY, [CI]);
      const before = (await mock.requests()).length;
      await assert.rejects(
        anthropic.messages.create({ model: 'claude/claude-opus-4-1', max_tokens: 16, messages: USER }),
        (e) => e instanceof Anthropic.PermissionDeniedError && /caller_not_allowed/.test(JSON.stringify(e.error)),
      );
      const openai = new OpenAI({ apiKey: CI, baseURL: `${w.url}/v1`, maxRetries: 2 });
      await assert.rejects(openai.chat.completions.create({ model: 'mock/gpt-4o', messages: USER }),
        (e) => e instanceof OpenAI.PermissionDeniedError && e.code === 'caller_not_allowed');
      assert.equal((await mock.requests()).length, before, 'nothing outside the policy reached the provider');
    });

    test('models.list shows the caller only what it may use', async () => {
      const openai = new OpenAI({ apiKey: CI, baseURL: `${w.url}/v1`, maxRetries: 0 });
      const ids = [];
      for await (const m of openai.models.list()) ids.push(m.id);
      assert.ok(ids.length > 0 && ids.every((id) => id.startsWith('claude/')), ids.join(','));
    });

    test('a retired token is a 401 AuthenticationError', async () => {
      const openai = new OpenAI({ apiKey: 'wgt-retired-token-000000000000', baseURL: `${w.url}/v1`, maxRetries: 0 });
      await assert.rejects(openai.chat.completions.create({ model: 'mock/gpt-4o', messages: USER }),
        (e) => e instanceof OpenAI.AuthenticationError);
    });
  });

  describe('trusted-proxy: the SDKs behind a real nginx with auth_request', () => {
    let w;
    let stub;
    let nginx;
    before(async () => {
      const config = [
        '[gateway]', 'bind = "127.0.0.1:0"',
        '[gateway.auth]', 'mode = "trusted-proxy"',
        '[gateway.auth.trusted_proxy]', `proxies = ["${PROXY_ADDR}/32"]`, 'required_headers = ["x-forwarded-proto"]',
        providers(mock.url),
        '[callers.nick]', 'proxy_users = ["nick@example.com"]', 'models = ["mock/*"]', '',
        '[callers.team]', 'proxy_users = ["*@team.example"]', 'providers = ["claude"]', '',
      ].join('\n');
      w = await startWarden({ config, env });
      stub = await startAuthStub();
      nginx = await startNginx(w.port, stub.port);
    });
    after(async () => { await nginx?.stop(); await stub?.stop(); await w?.stop(); });

    // The SDK's apiKey is irrelevant here (the session cookie is the credential); it must not reach
    // the provider all the same.
    const APIKEY = 'sdk-placeholder-key';

    test('OpenAI SDK with a session: reaches the provider as caller nick', async () => {
      const openai = new OpenAI({ apiKey: APIKEY, baseURL: `${nginx.url}/v1`, maxRetries: 0,
        defaultHeaders: { cookie: 'session=sess-nick' } });
      const r = await openai.chat.completions.create({ model: 'mock/gpt-4o', messages: USER });
      assert.equal(r.object, 'chat.completion');
      const rec = await lastUpstream(MOCK_KEY, [APIKEY, 'sess-nick', 'nick@example.com']);
      assert.equal(rec.headers['x-forwarded-user'], undefined);
      await w.waitForOutput(/caller=nick .*user="nick@example\.com"|user="nick@example\.com".*caller=nick/);
    });

    test('Anthropic SDK streaming as a team member; the team may not use mock', async () => {
      const anthropic = new Anthropic({ apiKey: APIKEY, baseURL: nginx.url, maxRetries: 0,
        defaultHeaders: { cookie: 'session=sess-ann' } });
      const stream = anthropic.messages.stream({ model: 'claude/claude-haiku-4-5', max_tokens: 16, messages: USER });
      const text = await stream.finalText();
      assert.ok(text.length > 0);
      await lastUpstream(CLAUDE_KEY, [APIKEY, 'sess-ann']);
      const openai = new OpenAI({ apiKey: APIKEY, baseURL: `${nginx.url}/v1`, maxRetries: 0,
        defaultHeaders: { cookie: 'session=sess-ann' } });
      await assert.rejects(openai.chat.completions.create({ model: 'mock/gpt-4o', messages: USER }),
        (e) => e instanceof OpenAI.PermissionDeniedError && e.code === 'caller_not_allowed');
    });

    test('a user matching no caller, and no session at all, are refused', async () => {
      const eve = new OpenAI({ apiKey: APIKEY, baseURL: `${nginx.url}/v1`, maxRetries: 0,
        defaultHeaders: { cookie: 'session=sess-eve' } });
      await assert.rejects(eve.chat.completions.create({ model: 'mock/gpt-4o', messages: USER }),
        (e) => e instanceof OpenAI.PermissionDeniedError && e.code === 'caller_not_allowed');
      const nobody = new OpenAI({ apiKey: APIKEY, baseURL: `${nginx.url}/v1`, maxRetries: 0 });
      await assert.rejects(nobody.chat.completions.create({ model: 'mock/gpt-4o', messages: USER }),
        (e) => e instanceof OpenAI.AuthenticationError);
    });
  });
}
