// Planted secrets (provider keys, a provider header secret, the gateway token, a near-miss wrong
// token) must never appear in any response (body or header) nor in warden's stdout/stderr, on
// every path: success, auth failures, upstream 401/403/429/5xx, key rotation, all keys cooling,
// upstream faults, routing errors, built-in endpoints. Caller credentials never reach the upstream.
// The profile verbs (`warden auth ...`, `warden status`) never print a stored credential either,
// nor does `warden doctor` on any of its findings (weak, mismatched and unresolvable tokens, a
// running gateway it disagrees with).
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { startMock, startWarden, tmpDir, writeFile } from '../support/harness.mjs';
import { config, rawHttp, exchangeOne } from '../support/fixtures.mjs';
import { fakeJwt, runCli, startCli } from '../support/cli.mjs';
import { startOAuthServer } from '../support/oauth_server.mjs';

const GW = 'gw-PLANTED-gateway-token-c0ffee1234567890';
const WRONG = 'gw-PLANTED-gateway-token-c0ffee1234567899'; // a near miss of the real token
const MOCK_A = 'sk-PLANTED-mock-key-A-9a8b7c6d5e4f';
const MOCK_B = 'sk-PLANTED-mock-key-B-1f2e3d4c5b6a';
const CLAUDE = 'sk-ant-PLANTED-claude-key-0123abcd';
const SOLO = 'sk-PLANTED-solo-key-5566778899';
const HDR = 'PLANTED-provider-header-secret-abcdef';
const DEAD = 'sk-PLANTED-dead-key-424242';
const SPARE = 'sk-PLANTED-spare-key-31415926';
const PLANTED = { GW, WRONG, MOCK_A, MOCK_B, CLAUDE, SOLO, HDR, DEAD, SPARE };

let mock;
let w;
const transcripts = []; // { what, data }

async function closedPort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

before(async () => {
  mock = await startMock();
  const dead = await closedPort();
  w = await startWarden({
    config: config(mock.url, {
      tail: '[gateway.upstream]\nfirst_byte_timeout = "300ms"\nidle_timeout = "500ms"\n'
        + `[providers.solo]\napi = "openai"\nbase_url = "${mock.url}/v1"\n`
        + `[providers.solo.headers]\nx-extra-secret = { source = "env", id = "SOLO_HEADER_SECRET" }\n`
        + `[providers.dead]\napi = "openai"\nbase_url = "http://127.0.0.1:${dead}/v1"\n`
        + `[providers.spare]\napi = "openai"\nbase_url = "${mock.url}/v1"\n`
        + `[providers.off]\napi = "openai"\nbase_url = "${mock.url}/v1"\n`,
    }),
    env: {
      WARDEN_GATEWAY_TOKEN: GW,
      MOCK_API_KEYS: `${MOCK_A},${MOCK_B}`,
      CLAUDE_API_KEY: CLAUDE,
      SOLO_API_KEY: SOLO,
      SOLO_HEADER_SECRET: HDR,
      DEAD_API_KEY: DEAD,
      SPARE_API_KEY: SPARE,
    },
  });
});
after(async () => {
  await w?.stop();
  await mock?.stop();
});

/** One request on its own connection; the whole raw response (headers + body) is kept. */
async function send(what, method, path, { headers = [], body, auth = `Bearer ${GW}`, timeoutMs = 3000 } = {}) {
  const hs = auth ? [['authorization', auth], ...headers] : headers;
  const res = await exchangeOne(w.port, rawHttp(method, path, { headers: hs, body, auth: false }), { timeoutMs });
  transcripts.push({ what, data: res.data });
  return res.data;
}

const status = (data) => Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);

describe('drive every path with planted secrets', () => {
  test('success paths', async () => {
    assert.equal(status(await send('chat', 'POST', '/v1/chat/completions', { body: { model: 'mock/a' } })), 200);
    assert.equal(status(await send('chat stream', 'POST', '/v1/chat/completions', { body: { model: 'mock/a', stream: true } })), 200);
    assert.equal(status(await send('messages x-api-key', 'POST', '/v1/messages', { auth: null, headers: [['x-api-key', GW]], body: { model: 'claude/a', messages: [] } })), 200);
    assert.equal(status(await send('solo with header secret', 'POST', '/v1/embeddings', { body: { model: 'solo/e', input: 'x' } })), 200);
    const [rec] = (await mock.requests()).filter((r) => r.path === '/v1/embeddings');
    assert.equal(rec.headers['x-extra-secret'], HDR, 'the provider header is sent upstream');
  });

  test('auth failures', async () => {
    assert.equal(status(await send('missing', 'POST', '/v1/chat/completions', { auth: null, body: { model: 'mock/a' } })), 401);
    assert.equal(status(await send('near-miss token', 'POST', '/v1/chat/completions', { auth: `Bearer ${WRONG}`, body: { model: 'mock/a' } })), 401);
    assert.equal(status(await send('near-miss x-api-key', 'POST', '/v1/messages', { auth: null, headers: [['x-api-key', WRONG]], body: { model: 'claude/a' } })), 401);
    assert.equal(status(await send('provider key as gateway token', 'POST', '/v1/chat/completions', { auth: `Bearer ${MOCK_A}`, body: { model: 'mock/a' } })), 401);
    assert.equal(status(await send('metrics wrong', 'GET', '/metrics', { auth: `Bearer ${WRONG}` })), 401);
  });

  test('upstream faults', async () => {
    assert.equal(status(await send('stall', 'POST', '/v1/chat/completions', { headers: [['x-mock-fault', 'stall']], body: { model: 'solo/a' } })), 504);
    assert.equal(status(await send('stall msgs', 'POST', '/v1/messages', { headers: [['x-mock-fault', 'stall']], body: { model: 'claude/a' } })), 504);
    assert.equal(status(await send('garbage', 'POST', '/v1/embeddings', { headers: [['x-mock-fault', 'garbage']], body: { model: 'solo/a' } })), 502);
    assert.equal(status(await send('close before', 'POST', '/v1/embeddings', { headers: [['x-mock-fault', 'close-before-response']], body: { model: 'solo/a' } })), 502);
    assert.equal(status(await send('close mid stream', 'POST', '/v1/chat/completions', { headers: [['x-mock-fault', 'close-mid-stream']], body: { model: 'solo/a', stream: true } })), 200);
    assert.equal(status(await send('refused', 'POST', '/v1/chat/completions', { body: { model: 'dead/a' } })), 502);
  });

  test('upstream 401 / 403 / 5xx', async () => {
    assert.equal(status(await send('claude 401', 'POST', '/v1/messages', { headers: [['x-mock-status', '401']], body: { model: 'claude/a' } })), 401);
    assert.equal(status(await send('solo 403', 'POST', '/v1/chat/completions', { headers: [['x-mock-status', '403']], body: { model: 'solo/a' } })), 403);
    assert.equal(status(await send('mock 500', 'POST', '/v1/chat/completions', { headers: [['x-mock-status', '500']], body: { model: 'mock/a' } })), 500);
  });

  test('upstream 429: rotation to the next key, then all keys cooling', async () => {
    await mock.setKeys({ [MOCK_A]: { status: 429, retry_after: 60, body: 'rate_limit_exceeded' } });
    try {
      const rotated = await send('429 then rotate', 'POST', '/v1/chat/completions', { body: { model: 'mock/a' } });
      assert.equal(status(rotated), 200, 'key B serves the request');
      await mock.setKeys({ [MOCK_B]: { status: 429, retry_after: 60, body: 'insufficient_quota' } });
      assert.equal(status(await send('all cooling', 'POST', '/v1/chat/completions', { body: { model: 'mock/a' } })), 429);
      assert.equal(status(await send('all cooling again', 'POST', '/v1/chat/completions', { body: { model: 'mock/a' } })), 429);
      const ready = await send('readyz while cooling', 'GET', '/readyz', { auth: null });
      const j = JSON.parse(ready.slice(ready.indexOf('\r\n\r\n') + 4));
      assert.equal(j.providers.mock.available, false);
      assert.deepEqual(j.providers.mock.key_status.map((k) => k.usable), [false, false]);
    } finally {
      await mock.setKeys({});
    }
  });

  test('secrets in the URL are not logged', async () => {
    await send('token in query', 'POST', `/v1/chat/completions?api_key=${GW}&k=${MOCK_A}`, { body: { model: 'solo/a' } });
    await send('wrong token in query', 'GET', `/v1/models?token=${WRONG}`);
  });

  test('built-in endpoints', async () => {
    assert.equal(status(await send('healthz', 'GET', '/healthz', { auth: null })), 200);
    await send('readyz', 'GET', '/readyz', { auth: null });
    assert.equal(status(await send('metrics', 'GET', '/metrics')), 200);
    assert.equal(status(await send('models', 'GET', '/v1/models')), 200);
    assert.equal(status(await send('404', 'GET', '/nope')), 404);
  });

  test('routing errors', async () => {
    // Run last, so that a crash on one of these cannot hide a leak on the other paths.
    assert.equal(status(await send('wire mismatch', 'POST', '/v1/messages', { body: { model: 'solo/a' } })), 400);
    assert.equal(status(await send('profile', 'POST', '/v1/chat/completions', { body: { model: 'mock/a@p' } })), 400);
    assert.equal(status(await send('provider disabled', 'POST', '/v1/chat/completions', { body: { model: 'off/a' } })), 503);
    assert.equal(status(await send('unknown provider', 'POST', '/v1/chat/completions', { body: { model: 'zzz/a' } })), 400);
    assert.equal(status(await send('model invalid', 'POST', '/v1/chat/completions', { body: { model: 'a' } })), 400);
  });
});

describe('nothing leaked', () => {
  test('no planted secret appears in any response (status line, headers or body)', () => {
    assert.ok(transcripts.length >= 30, `only ${transcripts.length} responses collected`);
    const hits = [];
    for (const { what, data } of transcripts) {
      for (const [name, value] of Object.entries(PLANTED)) {
        // A caller may see back what it sent itself only in a 404 path echo; nothing else.
        if (data.includes(value)) hits.push(`${name} in response to "${what}"`);
      }
    }
    assert.deepEqual(hits, []);
  });

  test('no planted secret appears in warden\'s stdout/stderr', () => {
    const out = w.output();
    assert.ok(out.includes('access POST /v1/chat/completions'), 'the access log is being captured');
    const hits = Object.entries(PLANTED).filter(([, v]) => out.includes(v)).map(([k]) => k);
    assert.deepEqual(hits, [], `planted values in the log: ${hits.join(', ')}`);
    // Not even a long prefix of the gateway token.
    assert.ok(!out.includes(GW.slice(0, 20)), 'a prefix of the gateway token is logged');
  });

  test('caller credentials never reached the upstream', async () => {
    const recs = await mock.requests();
    assert.ok(recs.length > 10);
    for (const r of recs) {
      const all = JSON.stringify(r.rawHeaders) + r.body;
      assert.ok(!all.includes(GW), `gateway token sent upstream to ${r.path}`);
      assert.ok(!all.includes(WRONG), `caller's wrong token sent upstream to ${r.path}`);
    }
  });

  test('each provider only ever received its own key', async () => {
    const recs = await mock.requests();
    for (const r of recs) {
      const cred = r.credential;
      if (cred === null) continue;
      assert.ok([MOCK_A, MOCK_B, CLAUDE, SOLO, SPARE].includes(cred), `unexpected credential ${cred}`);
      if (r.headers['x-extra-secret'] !== undefined) assert.equal(cred, SOLO, 'the solo header secret went to another provider');
    }
  });

  test('the server survived every path', async () => {
    // `spare` has not been used: every other provider's key is cooling or failing by now.
    const data = await send('final', 'POST', '/v1/chat/completions', { body: { model: 'spare/final' } });
    assert.equal(status(data), 200, `${data}\n--- warden output (tail) ---\n${w.output().slice(-2000)}`);
  });
});

describe('the profile verbs never print a credential', () => {
  const P_TOKEN = 'sk-ant-oat01-PLANTED-pasted-token-4242424242';
  const P_BAD = 'sk-PLANTED-bad-token-with-newline-0909';
  const P_CODEX_REFRESH = 'rt-PLANTED-codex-refresh-31313131';
  const P_CODEX_ACCESS = fakeJwt({ exp: Math.floor(Date.now() / 1000) + 3600, planted: 'PLANTED-inside-jwt' });
  const P_CLAUDE_ACCESS = 'sk-ant-oat01-PLANTED-claude-access-5151';
  const P_CLAUDE_REFRESH = 'sk-ant-ort01-PLANTED-claude-refresh-6161';
  const VALUES = [P_TOKEN, P_BAD, P_CODEX_REFRESH, P_CODEX_ACCESS, 'PLANTED-inside-jwt', P_CLAUDE_ACCESS, P_CLAUDE_REFRESH];

  test('paste-token, import, list, order, status and logout, on success and on error', async () => {
    const home = tmpDir('warden-leak-cli-');
    const codexHome = path.join(home, 'codex');
    const claudeDir = path.join(home, 'claude');
    writeFile(path.join(codexHome, 'auth.json'), JSON.stringify({ tokens: { access_token: P_CODEX_ACCESS, refresh_token: P_CODEX_REFRESH, account_id: 'a' } }));
    const claudeFile = writeFile(path.join(claudeDir, '.credentials.json'), JSON.stringify({ claudeAiOauth: { accessToken: P_CLAUDE_ACCESS, refreshToken: P_CLAUDE_REFRESH, expiresAt: Date.now() + 60_000 } }));
    const env = { CODEX_HOME: codexHome, CLAUDE_CONFIG_DIR: claudeDir, WARDEN_GATEWAY_TOKEN: GW, ANTHROPIC_API_KEY: CLAUDE };
    const runs = [
      [['auth', 'paste-token', '--provider', 'anthropic', '--expires', '1h'], P_TOKEN],
      [['auth', 'paste-token', '--provider', 'anthropic', '--profile', 'bad'], `${P_BAD}\r\nX: y`],
      [['auth', 'import', '--dry-run']],
      [['auth', 'import']],
      [['auth', 'import', '--replace']],
      [['auth', 'list']],
      [['auth', 'list', '--json']],
      [['auth', 'order', 'set', '--provider', 'anthropic', 'anthropic:claude', 'anthropic:default']],
      [['auth', 'order', 'get', '--json']],
      [['status']],
      [['status', '--check', '--json']],
      [['auth', 'logout', '--profile', 'anthropic:default']],
      [['auth', 'logout', '--profile', 'anthropic:default']],
    ];
    const outs = [];
    for (const [args, stdin = ''] of runs) {
      const r = await runCli(args, { home, env, stdin });
      outs.push({ args: args.join(' '), code: r.code, out: r.out });
    }
    assert.ok(fs.readFileSync(path.join(home, '.warden', 'auth-profiles.json'), 'utf8').includes(P_CLAUDE_ACCESS), 'the import ran');
    fs.chmodSync(claudeFile, 0o644); // an insecure source: its error must not carry its content
    const r = await runCli(['auth', 'import', '--from', 'claude'], { home, env });
    assert.equal(r.code, 1);
    outs.push({ args: 'auth import --from claude (0644)', code: r.code, out: r.out });
    const hits = [];
    for (const { args, out } of outs) {
      for (const v of [...VALUES, GW, CLAUDE]) if (out.includes(v)) hits.push(`${v.slice(0, 16)}… in \`warden ${args}\``);
    }
    assert.deepEqual(hits, []);
  });
});

describe('doctor never prints a token or key', () => {
  test('TOKEN_WEAK, SECRET_UNRESOLVABLE, GATEWAY_TOKEN_MISMATCH and GATEWAY_STALE_CONFIG against the running gateway', async () => {
    const home = tmpDir('warden-leak-doctor-');
    fs.mkdirSync(path.join(home, '.warden'), { mode: 0o700 });
    const WEAK = 'PLANTED-weak';
    // The running gateway's config, at another path and with its real port (doctor asks it).
    const cfgText = fs.readFileSync(w.configPath, 'utf8').replace('bind = "127.0.0.1:0"', `bind = "127.0.0.1:${w.port}"`)
      + '[callers.ci]\ntokens = [{ source = "env", id = "CI_TOKEN" }, { source = "env", id = "CI_MISSING" }]\n';
    const cfg = writeFile(path.join(home, 'c', 'warden.toml'), cfgText, 0o600);
    const env = { MOCK_API_KEYS: `${MOCK_A},${MOCK_B}`, CLAUDE_API_KEY: CLAUDE, SOLO_API_KEY: SOLO, SOLO_HEADER_SECRET: HDR, CI_TOKEN: WEAK };
    const outs = [];
    for (const [token, args] of [[WRONG, ['doctor']], [WRONG, ['doctor', '--json']], [GW, ['doctor', '--json']], [WEAK, ['doctor']]]) {
      const r = await runCli([...args, '--config', cfg], { home, env: { ...env, WARDEN_GATEWAY_TOKEN: token } });
      assert.equal(r.code, 1, r.out);
      outs.push({ args: `${args.join(' ')} (${token === GW ? 'GW' : token === WRONG ? 'WRONG' : 'WEAK'})`, out: r.out });
    }
    for (const code of ['TOKEN_WEAK', 'SECRET_UNRESOLVABLE', 'GATEWAY_TOKEN_MISMATCH', 'GATEWAY_STALE_CONFIG']) {
      assert.ok(outs.some((o) => o.out.includes(code)), `${code} was not exercised:\n${outs.map((o) => o.out).join('\n')}`);
    }
    const hits = [];
    for (const { args, out } of outs) {
      for (const v of [...Object.values(PLANTED), WEAK]) if (out.includes(v)) hits.push(`${v.slice(0, 16)}… in \`warden ${args}\``);
    }
    assert.deepEqual(hits, []);
  });
});

describe('login and refresh never print a code or token', () => {
  test('auth login (paste, with a wrong paste first) and auth refresh (ok, invalid_grant, down, garbage, other account)', async () => {
    const oauth = await startOAuthServer();
    try {
      const home = tmpDir('warden-leak-oauth-');
      const probe = net.createServer();
      await new Promise((r) => probe.listen(0, '127.0.0.1', r));
      const port = probe.address().port;
      await new Promise((r) => probe.close(r));
      const configFile = writeFile(path.join(tmpDir('warden-leak-oauth-cfg-'), 'warden.toml'),
        `[providers.codex]\nbase_url = "http://127.0.0.1:9/v1"\n[providers.codex.oauth]\n` +
        `authorize_url = "${oauth.url}/oauth/authorize"\ntoken_url = "${oauth.url}/oauth/token"\n` +
        `client_id = "${oauth.clientId}"\nredirect_uri = "http://127.0.0.1:${port}/auth/callback"\n`);
      const outs = [];
      const codes = [];
      const cli = startCli(['auth', 'login', '--provider', 'codex', '--no-browser', '--timeout', '20s'], { home, configFile });
      const [, url] = await cli.waitFor(/(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+)/);
      const location = await new Promise((resolve, reject) => {
        http.get(url, (res) => { res.resume(); resolve(new URL(res.headers.location)); }).on('error', reject);
      });
      codes.push(location.searchParams.get('code'));
      cli.write(`${location.searchParams.get('code')}#wrong-state\n`);
      await cli.waitFor(/OAUTH_STATE_MISMATCH/);
      cli.write(`${location.toString()}\n`);
      const login = await cli.done;
      assert.equal(login.code, 0, login.out);
      outs.push({ args: 'auth login', out: login.out });
      const refresh = () => runCli(['auth', 'refresh', '--config', configFile], { home });
      for (const mode of ['ok', 'down', 'garbage', 'other-account', 'ok']) {
        oauth.mode = mode;
        const r = await refresh();
        outs.push({ args: `auth refresh (${mode})`, out: r.out });
      }
      oauth.mode = 'ok';
      const store = path.join(home, '.warden', 'auth-profiles.json');
      const doc = JSON.parse(fs.readFileSync(store, 'utf8'));
      doc.profiles['codex:default'].refresh = 'rt-PLANTED-spent-0000';
      writeFile(store, JSON.stringify(doc), 0o600);
      const spent = await refresh();
      assert.match(spent.stderr, /OAUTH_INVALID_GRANT/);
      outs.push({ args: 'auth refresh (invalid_grant)', out: spent.out });
      for (const args of [['auth', 'list'], ['auth', 'list', '--json'], ['status']]) {
        const r = await runCli(args, { home });
        outs.push({ args: args.join(' '), out: r.out });
      }
      const values = [...oauth.issued, ...codes, 'rt-PLANTED-spent-0000'];
      assert.ok(oauth.issued.length >= 4, 'tokens were issued');
      const hits = [];
      for (const { args, out } of outs) {
        for (const v of values) if (out.includes(v)) hits.push(`${v.slice(0, 10)}… in \`warden ${args}\``);
      }
      assert.deepEqual(hits, []);
    } finally {
      await oauth.close();
    }
  });
});
