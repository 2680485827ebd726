// Named callers ([callers.NAME]): token recognition (SecretRefs, sha256: digests, two tokens for
// rotation, the gateway token as the unrestricted caller "gateway"), policy (providers, model
// globs) refused with 403 caller_not_allowed in the caller's wire format, /v1/models filtered,
// caller=NAME in the access log and the request metric, a reload changing a policy, and
// trusted-proxy mode with proxy_users (a raw client bound to 127.0.0.2 plays the proxy).
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startMock, startWarden, request, sleep } from '../support/harness.mjs';
import {
  TOKEN, AUTH, config, baseEnv, rawHttp, parseResponse, assertOpenAiError, assertAnthropicError,
} from '../support/fixtures.mjs';

const CI_OLD = 'ci-token-old-0123456789';
const CI_NEW = 'ci-token-new-0123456789';
const APP = 'app-token-0123456789abc';  // only its digest is in the config
const digest = (t) => `sha256:${crypto.createHash('sha256').update(t).digest('hex')}`;

const callersToml = ({ ciModels = '["mock/gpt-4o*"]' } = {}) => `
[callers.ci]
tokens = [ { source = "env", id = "CI_TOKEN_OLD" }, { source = "env", id = "CI_TOKEN_NEW" } ]
providers = ["mock"]
models = ${ciModels}
[callers.app]
tokens = ["${digest(APP)}"]
providers = ["claude"]
`;

const bearer = (t) => ({ authorization: `Bearer ${t}` });
const chat = (w, headers, model = 'mock/gpt-4o-mini') => request(`${w.url}/v1/chat/completions`, {
  headers, body: { model, messages: [{ role: 'user', content: 'hi' }] },
});
const messages = (w, headers, model = 'claude/claude-x') => request(`${w.url}/v1/messages`, {
  headers: { ...headers, 'anthropic-version': '2023-06-01' },
  body: { model, max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] },
});

let mock;
before(async () => { mock = await startMock(); });
after(async () => { await mock?.stop(); });

describe('token mode with [callers]', () => {
  let w;
  before(async () => {
    w = await startWarden({
      config: config(mock.url, {
        tail: `[gateway.auth.rate_limit]\nmax_attempts = 3\nwindow = "60s"\nlockout = "60s"\n`
          + `exempt_loopback = false\n[reload]\nwatch = true\n${callersToml()}`,
      }),
      env: baseEnv({ CI_TOKEN_OLD: CI_OLD, CI_TOKEN_NEW: CI_NEW }),
    });
  });
  after(async () => { await w?.stop(); });

  test('both rotation tokens of a caller work; a digest-only caller works', async () => {
    assert.equal((await chat(w, bearer(CI_OLD))).status, 200);
    assert.equal((await chat(w, { 'x-api-key': CI_NEW })).status, 200);
    const a = await messages(w, { 'x-api-key': APP });
    assert.equal(a.status, 200, a.text);
  });

  test('the gateway token stays valid as the unrestricted caller "gateway"', async () => {
    assert.equal((await chat(w, AUTH, 'mock/o3')).status, 200);
    assert.equal((await messages(w, { 'x-api-key': TOKEN })).status, 200);
  });

  test('out-of-policy provider or model → 403 caller_not_allowed in the caller\'s wire format', async () => {
    const p = await messages(w, { 'x-api-key': CI_OLD });
    assert.equal(p.status, 403, p.text);
    const e = assertAnthropicError(p.text, 'caller_not_allowed');
    assert.equal(e.message, 'caller "ci" may not use provider "claude" (callers.ci.providers)');
    const m = await chat(w, bearer(CI_NEW), 'mock/o3');
    assert.equal(m.status, 403, m.text);
    const e2 = assertOpenAiError(m.text, 'caller_not_allowed');
    assert.equal(e2.message, 'caller "ci" may not use model "mock/o3" (callers.ci.models)');
    const a = await chat(w, bearer(APP));
    assert.equal(a.status, 403);
    assertOpenAiError(a.text, 'caller_not_allowed');
    for (const t of [CI_OLD, CI_NEW, APP, TOKEN]) {
      assert.ok(!p.text.includes(t) && !m.text.includes(t) && !a.text.includes(t));
    }
  });

  test('/v1/models lists only what the caller may use', async () => {
    const ids = async (h) => (await request(`${w.url}/v1/models`, { headers: h })).json().data.map((d) => d.id);
    assert.deepEqual(await ids(bearer(CI_OLD)), ['mock/gpt-4o*']);
    assert.deepEqual(await ids(bearer(APP)), ['claude/*']);
    assert.deepEqual(await ids(AUTH), ['mock/*', 'claude/*']);
  });

  test('access log names the caller, never its token; the request metric has a caller label', async () => {
    await chat(w, bearer(CI_OLD));
    // The access log is buffered per event loop: wait for each line rather than reading once.
    await w.waitForOutput(/access POST \/v1\/chat\/completions 200 .*caller=ci/);
    await w.waitForOutput(/access POST \/v1\/messages 200 .*caller=app/);
    await w.waitForOutput(/access POST \/v1\/messages 403 .*caller=ci/);
    for (const t of [CI_OLD, CI_NEW, APP]) assert.ok(!w.output().includes(t), 'a caller token leaked into the output');
    const metrics = (await request(`${w.url}/metrics`, { headers: AUTH })).text;
    assert.match(metrics, /^warden_requests_total\{route="chat_completions",provider="mock",status="200",caller="ci"\} \d+$/m);
    assert.match(metrics, /^warden_requests_total\{route="messages",provider="claude",status="403",caller="ci"\} \d+$/m);
  });

  test('a reload changing a caller\'s policy applies without restart', async () => {
    assert.equal((await chat(w, bearer(CI_OLD), 'mock/o3')).status, 403);
    const text = config(mock.url, {
      tail: `[gateway.auth.rate_limit]\nmax_attempts = 3\nwindow = "60s"\nlockout = "60s"\n`
        + `exempt_loopback = false\n[reload]\nwatch = true\n${callersToml({ ciModels: '["mock/*"]' })}`,
    });
    const tmp = path.join(path.dirname(w.configPath), `.warden.toml.${process.pid}.tmp`);
    fs.writeFileSync(tmp, text, { mode: 0o600 });
    fs.renameSync(tmp, w.configPath);
    const deadline = performance.now() + 5000;
    let status;
    for (;;) {
      status = (await chat(w, bearer(CI_OLD), 'mock/o3')).status;
      if (status === 200 || performance.now() > deadline) break;
      await sleep(20);
    }
    assert.equal(status, 200, `the reloaded policy was not applied\n${w.output().slice(-2000)}`);
  });

  // Last: it locks the loopback client out.
  test('a wrong token → 401 and counts towards the failed-auth lockout', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await chat(w, bearer(`not-a-caller-token-${i}`));
      assert.equal(r.status, 401);
      assertOpenAiError(r.text, 'invalid_credentials');
    }
    const locked = await chat(w, bearer(CI_OLD));
    assert.equal(locked.status, 429, locked.text);
    assertOpenAiError(locked.text, 'auth_locked_out');
  });
});

describe('config refuses plaintext caller tokens', () => {
  test('a literal token in [callers] stops the start, without echoing it', async () => {
    const w = await startWarden({
      config: config(mock.url, { tail: '[callers.ci]\ntokens = ["plain-secret-token-xyz"]\n' }),
      env: baseEnv(),
      waitForListen: false,
    });
    await w.exited;
    assert.notEqual(w.process.exitCode, 0);
    assert.match(w.output(), /callers\.ci\.tokens\[0\]: a plaintext token is not accepted here/);
    assert.ok(!w.output().includes('plain-secret-token-xyz'));
  });
});

const PROXY_ADDR = '127.0.0.2';

function rawFrom(localAddress, port, bytes, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress });
    const got = [];
    const t = setTimeout(() => { s.destroy(); reject(new Error('timeout')); }, timeoutMs);
    s.on('data', (d) => got.push(d));
    s.on('error', (e) => { clearTimeout(t); reject(e); });
    s.on('close', () => { clearTimeout(t); resolve(parseResponse(Buffer.concat(got).toString('latin1'))); });
    s.write(bytes);
  });
}

describe('trusted-proxy mode with proxy_users', () => {
  let w;
  before(async () => {
    w = await startWarden({
      config: config(mock.url, {
        tail: '[gateway.auth]\nmode = "trusted-proxy"\n'
          + `[gateway.auth.trusted_proxy]\nproxies = ["${PROXY_ADDR}/32"]\n`
          + '[callers.admins]\nproxy_users = ["root@example.com"]\n'
          + '[callers.staff]\nproxy_users = ["*@example.com"]\nproviders = ["mock"]\n',
      }),
      env: baseEnv(),
    });
  });
  after(async () => { await w?.stop(); });

  const asUser = (user, model = 'claude/claude-x', p = '/v1/messages') => rawFrom(PROXY_ADDR, w.port,
    rawHttp('POST', p, {
      headers: { 'x-forwarded-user': user, 'anthropic-version': '2023-06-01' },
      body: { model, max_tokens: 8, messages: [] }, auth: false, close: true,
    }));

  test('first match in config order: admins may use everything, staff only mock', async () => {
    assert.equal((await asUser('root@example.com')).status, 200);
    const staff = await asUser('nick@example.com');
    assert.equal(staff.status, 403, staff.body);
    const e = assertAnthropicError(staff.body, 'caller_not_allowed');
    assert.match(e.message, /callers\.staff\.providers/);
    assert.equal((await asUser('nick@example.com', 'mock/x', '/v1/chat/completions')).status, 200);
    await w.waitForOutput(/caller=staff client=127\.0\.0\.2 user="nick@example\.com"/);
  });

  test('a user matching no caller is refused 403 caller_not_allowed', async () => {
    const r = await asUser('eve@evil.example', 'mock/x', '/v1/chat/completions');
    assert.equal(r.status, 403, r.body);
    const e = assertOpenAiError(r.body, 'caller_not_allowed');
    assert.match(e.message, /no \[callers\] entry/);
  });
});

describe('warden token generate', () => {
  test('prints a new token and its sha256: digest on stdout', async () => {
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.env.WARDEN_BIN, ['token', 'generate'], { env: { PATH: process.env.PATH } }).toString();
    const m = /^token: (wdn_[A-Za-z0-9_-]{43})\ndigest: (sha256:[0-9a-f]{64})\n$/.exec(out);
    assert.ok(m, out);
    assert.equal(m[2], digest(m[1]));
  });
});
