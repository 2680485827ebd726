// Federated (OIDC/JWT) upstream credentials: env token when unexpired (no filesystem needed),
// token_file fallback, static key precedence, background refresh_command before expiry (token
// file rewritten 0600, no restart), failing refreshes keep the present token until exp, upstream
// 401 → refresh once + retry once, malformed / exp-less tokens rejected. JWTs are crafted unsigned:
// warden only decodes `exp`.
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startMock, startWarden, request, tmpDir, writeFile, sleep } from '../support/harness.mjs';
import { AUTH, TOKEN, config, assertOpenAiError, testId, recordedFor } from '../support/fixtures.mjs';

const b64u = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
let jti = 0;
/** An unsigned JWT with the given claims (a unique jti so every token differs). */
const jwt = (claims) => `${b64u({ alg: 'none', typ: 'JWT' })}.${b64u({ iss: 'https://oidc.test', jti: `j${process.pid}-${++jti}`, ...claims })}.c2ln`;
const nowS = () => Math.floor(Date.now() / 1000);
const toml = (s) => JSON.stringify(s);

function script(file, body) {
  return writeFile(file, `#!/bin/bash\n${body}\n`, 0o700);
}

/** Poll /readyz (20 ms steps, bounded) until pred(json) holds. */
async function waitReadyz(w, pred, what, ms = 5000) {
  const deadline = performance.now() + ms;
  let last;
  for (;;) {
    last = (await request(`${w.url}/readyz`, { timeoutMs: 3000 })).json();
    if (pred(last)) return last;
    if (performance.now() > deadline) {
      assert.fail(`timeout after ${ms} ms waiting for ${what}; last /readyz: ${JSON.stringify(last)}\n--- warden output ---\n${w.output().slice(-2000)}`);
    }
    await sleep(20);
  }
}

let mock;
before(async () => { mock = await startMock(); });
after(async () => { await mock?.stop(); });

function fedProvider(id, { token = true, tokenFile, refresh, refreshBefore, extra = '' } = {}) {
  let t = `[providers.${id}]\napi = "openai"\nbase_url = "${mock.url}/v1"\n${extra}[providers.${id}.federated]\n`;
  if (token) t += `token = { source = "env", id = "${id.toUpperCase()}_OIDC_TOKEN" }\n`;
  if (tokenFile) t += `token_file = ${toml(tokenFile)}\n`;
  if (refresh) t += `refresh_command = [${toml(refresh)}]\n`;
  if (refreshBefore) t += `refresh_before = "${refreshBefore}"\n`;
  return t;
}

async function chat(w, model) {
  const id = testId('fed');
  const r = await request(`${w.url}/v1/chat/completions`, {
    headers: { ...AUTH, 'x-test-id': id },
    body: { model, messages: [{ role: 'user', content: 'hi' }] },
  });
  const seen = (await recordedFor(mock, id)).map((q) => q.headers.authorization);
  return { ...r, seen };
}

describe('(a) env token with no filesystem (case 001)', () => {
  test('unexpired env token, no static key, HOME/WARDEN_HOME not creatable → used as Bearer; /readyz shows federated + expires_at', async () => {
    const exp = nowS() + 3600;
    const tok = jwt({ exp, sub: 'owner:a:project:b' });
    const w = await startWarden({
      config: config(mock.url, { providers: false, tail: fedProvider('vg', { tokenFile: '/dev/null/nope/tokens/vg.jwt' }) }),
      home: '/dev/null/nohome', // cannot exist nor be created (not even by root)
      cwd: tmpDir('warden-cwd-'),
      env: { WARDEN_GATEWAY_TOKEN: TOKEN, VG_OIDC_TOKEN: tok },
    });
    try {
      const r = await chat(w, 'vg/gpt-x');
      assert.equal(r.status, 200, `${r.text}\n${w.output()}`);
      assert.deepEqual(r.seen, [`Bearer ${tok}`]);
      // The access line names the token by its fingerprint: sha256 of the token, first 12 digits.
      const fp = `sha256:${crypto.createHash('sha256').update(tok).digest('hex').slice(0, 12)}`;
      await w.waitForOutput(new RegExp(`POST /v1/chat/completions 200 provider=vg key=${fp} attempts=1 `));
      const rz = (await request(`${w.url}/readyz`)).json();
      const p = rz.providers.vg;
      assert.equal(p.available, true);
      assert.match(p.source, /federated/);
      assert.equal(p.expires_at, exp);
      assert.match(p.token_source ?? '', /env|VG_OIDC_TOKEN/);
      assert.ok(!JSON.stringify(rz).includes(tok));
      assert.ok(!w.output().includes(tok), 'the token leaked into the log');
      // the JWT payload is not a secret per se, but its signature part must not show either
      assert.equal(p.refresh_error, undefined);
    } finally {
      await w.stop();
    }
  });
});

describe('precedence, refresh and failures', () => {
  let w;
  let dir;
  const T = {};
  before(async () => {
    dir = tmpDir('warden-fed-');
    const bin = path.join(dir, 'bin');
    const s = nowS();
    // (b) env expired → token_file
    T.bEnv = jwt({ exp: s - 60 });
    T.bFile = jwt({ exp: s + 3600 });
    writeFile(path.join(dir, 'tokens', 'vb.jwt'), `${T.bFile}\n`);
    // (c) static key wins over a valid federated token
    T.cEnv = jwt({ exp: s + 3600 });
    T.cKey = 'sk-STATIC-vc-key-0f1e2d3c';
    // (d) refresh before expiry: env token within refresh_before of exp
    T.dEnv = jwt({ exp: s + 300 });
    T.dExp2 = s + 7200;
    T.dNew = jwt({ exp: T.dExp2 });
    script(path.join(bin, 'fetch-token-d'), `echo run >> ${toml(path.join(dir, 'runs-d'))}\nprintf '%s\\n' '${T.dNew}'`);
    // (e) refresh always fails; the present token (exp in a few s) is used until it expires
    T.eExp = s + 4;
    T.eEnv = jwt({ exp: T.eExp });
    script(path.join(bin, 'fetch-token-e'), `echo run >> ${toml(path.join(dir, 'runs-e'))}\necho "sts unavailable" >&2\nexit 1`);
    // (f) upstream 401 → refresh once, retry once
    T.fOld = jwt({ exp: s + 7200 });
    T.fNew = jwt({ exp: s + 9000 });
    script(path.join(bin, 'fetch-token-f'), `echo run >> ${toml(path.join(dir, 'runs-f'))}\nprintf '%s\\n' '${T.fNew}'`);
    // (f2) the refreshed token is rejected too → 401 to the caller, no loop
    T.f2Old = jwt({ exp: s + 7200 });
    T.f2New = jwt({ exp: s + 9000 });
    script(path.join(bin, 'fetch-token-f2'), `echo run >> ${toml(path.join(dir, 'runs-f2'))}\nprintf '%s\\n' '${T.f2New}'`);
    // (h) only a refresh_command
    T.hExp = s + 7200;
    T.hNew = jwt({ exp: T.hExp });
    script(path.join(bin, 'fetch-token-h'), `printf '%s\\n' '${T.hNew}'`);
    // (i) token_file rewritten by someone else
    T.iOld = jwt({ exp: s + 3600 });
    T.iExp2 = s + 7200;
    T.iNew = jwt({ exp: T.iExp2 });
    writeFile(path.join(dir, 'tokens', 'vi.jwt'), `${T.iOld}\n`);
    // (g) malformed / exp-less
    T.g1 = 'not-a-jwt-MALFORMED-token-value';
    T.g2 = jwt({ sub: 'no-exp-here' });
    await mock.setKeys({ [T.fOld]: { status: 401 }, [T.f2Old]: { status: 401 }, [T.f2New]: { status: 401 } });

    w = await startWarden({
      config: config(mock.url, {
        tail: fedProvider('vb', { tokenFile: path.join(dir, 'tokens', 'vb.jwt') })
          + fedProvider('vc')
          + fedProvider('vd', { tokenFile: path.join(dir, 'tokens', 'vd.jwt'), refresh: path.join(bin, 'fetch-token-d'), refreshBefore: '10m' })
          + fedProvider('ve', { refresh: path.join(bin, 'fetch-token-e'), refreshBefore: '1h' })
          + fedProvider('vf', { refresh: path.join(bin, 'fetch-token-f'), refreshBefore: '10m' })
          + fedProvider('vf2', { refresh: path.join(bin, 'fetch-token-f2'), refreshBefore: '10m' })
          + fedProvider('vh', { token: false, tokenFile: path.join(dir, 'tokens-h', 'vh.jwt'), refresh: path.join(bin, 'fetch-token-h') })
          + fedProvider('vi', { token: false, tokenFile: path.join(dir, 'tokens', 'vi.jwt') })
          + fedProvider('g1')
          + fedProvider('g2'),
      }),
      env: {
        WARDEN_GATEWAY_TOKEN: TOKEN,
        MOCK_API_KEY: 'mock-key-1',
        CLAUDE_API_KEY: 'claude-key-1',
        VB_OIDC_TOKEN: T.bEnv,
        VC_OIDC_TOKEN: T.cEnv,
        VC_API_KEY: T.cKey,
        VD_OIDC_TOKEN: T.dEnv,
        VE_OIDC_TOKEN: T.eEnv,
        VF_OIDC_TOKEN: T.fOld,
        VF2_OIDC_TOKEN: T.f2Old,
        G1_OIDC_TOKEN: T.g1,
        G2_OIDC_TOKEN: T.g2,
      },
    });
  });
  after(async () => {
    await w?.stop();
    await mock.setKeys({});
  });

  const runs = (name) => (fs.existsSync(path.join(dir, `runs-${name}`)) ? fs.readFileSync(path.join(dir, `runs-${name}`), 'utf8').trim().split('\n').length : 0);

  test('(b) env token expired → token_file used', async () => {
    const r = await chat(w, 'vb/gpt-x');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.seen, [`Bearer ${T.bFile}`]);
    const p = (await request(`${w.url}/readyz`)).json().providers.vb;
    assert.match(p.token_source ?? '', /file|vb\.jwt/);
    assert.equal(p.expires_at, JSON.parse(Buffer.from(T.bFile.split('.')[1], 'base64url')).exp);
  });

  test('(c) a static key present → the static key wins', async () => {
    const r = await chat(w, 'vc/gpt-x');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.seen, [`Bearer ${T.cKey}`]);
  });

  test('(d) refresh_command runs within refresh_before of exp: token_file rewritten 0600, new token used, no restart', async () => {
    const pid = w.process.pid;
    const gen0 = (await request(`${w.url}/readyz`)).json().generation;
    const p = (await waitReadyz(w, (j) => j.providers.vd.expires_at === T.dExp2, 'the refreshed token (expires_at)')).providers.vd;
    assert.equal(p.available, true);
    assert.equal(p.refresh_error, undefined);
    const file = path.join(dir, 'tokens', 'vd.jwt');
    const st = fs.statSync(file);
    assert.equal(st.mode & 0o777, 0o600, `token_file mode ${(st.mode & 0o777).toString(8)}`);
    assert.equal(fs.readFileSync(file, 'utf8').trim(), T.dNew);
    assert.equal(fs.statSync(path.dirname(file)).mode & 0o077, 0, 'the token dir must not be group/world accessible');
    for (let i = 0; i < 2; i++) {
      const r = await chat(w, 'vd/gpt-x');
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.seen, [`Bearer ${T.dNew}`]);
    }
    assert.equal(w.process.pid, pid);
    assert.equal(w.process.exitCode, null);
    assert.equal(runs('d'), 1, 'the fresh token (exp in 2 h) needs no further refresh');
    const m = (await request(`${w.url}/metrics`, { headers: AUTH })).text;
    assert.match(m, /warden_token_refreshes_total\{provider="vd",result="ok"\} 1\b/);
    assert.ok((await request(`${w.url}/readyz`)).json().generation >= gen0);
    assert.ok(!w.output().includes(T.dNew) && !w.output().includes(T.dEnv), 'a token leaked into the log');
  });

  test('(e) refresh_command failing (exit 1) repeatedly → present token still used; refresh_error; failed metric; then 503 after exp', async () => {
    // the present token works while the refresh fails
    const r = await chat(w, 've/gpt-x');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.seen, [`Bearer ${T.eEnv}`]);
    const p = (await waitReadyz(w, (j) => j.providers.ve.refresh_error !== undefined, 'refresh_error on ve')).providers.ve;
    assert.match(p.refresh_error, /exit|status 1/);
    assert.equal(p.expires_at, T.eExp);
    // a second failed attempt (backoff) happens; the token is still the present one
    await w.waitForOutput(/refresh for ve failed[\s\S]*refresh for ve failed/, 9000);
    assert.ok(runs('e') >= 2, `refresh ran ${runs('e')} times`);
    const m = (await request(`${w.url}/metrics`, { headers: AUTH })).text;
    const failed = /warden_token_refreshes_total\{provider="ve",result="failed"\} (\d+)/.exec(m);
    assert.ok(failed && Number(failed[1]) >= 2, m);
    // once expired, nothing else is available → 503 naming the cause
    await waitReadyz(w, (j) => j.providers.ve.available === false, 've unavailable after exp', 9000);
    const r2 = await chat(w, 've/gpt-x');
    assert.equal(r2.status, 503, r2.text);
    assert.deepEqual(r2.seen, [], 'an expired token must not be sent upstream');
    const e = JSON.parse(r2.text).error;
    assert.match(e.message, /ve/);
    assert.match(e.message, /expired|missing/);
  });

  test('(f) upstream 401 on the federated token → refresh once, retry once: caller gets 200; mock saw old then new', async () => {
    const r = await chat(w, 'vf/gpt-x');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.seen, [`Bearer ${T.fOld}`, `Bearer ${T.fNew}`]);
    assert.equal(runs('f'), 1);
    const r2 = await chat(w, 'vf/gpt-x');
    assert.deepEqual(r2.seen, [`Bearer ${T.fNew}`], 'subsequent requests use the refreshed token directly');
    assert.equal(runs('f'), 1);
  });

  test('(f2) the refreshed token is rejected too → the 401 is returned as is, only one retry', async () => {
    const r = await chat(w, 'vf2/gpt-x');
    assert.equal(r.status, 401, r.text);
    assertOpenAiError(r.text, 'invalid_api_key');
    assert.deepEqual(r.seen, [`Bearer ${T.f2Old}`, `Bearer ${T.f2New}`]);
    assert.equal(runs('f2'), 1);
  });

  test('(g) malformed or exp-less JWT in env → not used, diagnostic logged, 503 when nothing else', async () => {
    for (const [id, tok] of [['g1', T.g1], ['g2', T.g2]]) {
      const r = await chat(w, `${id}/gpt-x`);
      assert.equal(r.status, 503, `${id}: ${r.text}`);
      assert.deepEqual(r.seen, [], `${id}: the bad token was sent upstream`);
      const e = JSON.parse(r.text).error;
      assert.match(e.message, new RegExp(id));
      assert.ok(!r.text.includes(tok));
      const p = (await request(`${w.url}/readyz`)).json().providers[id];
      assert.equal(p.available, false, JSON.stringify(p));
      assert.ok(!w.output().includes(tok), `${id}: the token value leaked into the log`);
    }
    // the diagnostic names the variable and the problem
    assert.match(w.output(), /G1_OIDC_TOKEN[^\n]*(JWT|jwt|malformed|decode)/);
    assert.match(w.output(), /G2_OIDC_TOKEN[^\n]*exp/);
  });

  test('(h) refresh_command only (no env token, no token_file yet) → token fetched at start, provider usable', async () => {
    const p = (await waitReadyz(w, (j) => j.providers.vh?.available === true, 'vh available')).providers.vh;
    assert.equal(p.expires_at, T.hExp);
    const r = await chat(w, 'vh/gpt-x');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.seen, [`Bearer ${T.hNew}`]);
  });

  test('(i) token_file replaced by another process (rename) → newer token picked up without restart', async () => {
    const r0 = await chat(w, 'vi/gpt-x');
    assert.deepEqual(r0.seen, [`Bearer ${T.iOld}`]);
    const file = path.join(dir, 'tokens', 'vi.jwt');
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, `${T.iNew}\n`, { mode: 0o600 });
    fs.renameSync(tmp, file);
    await waitReadyz(w, (j) => j.providers.vi.expires_at === T.iExp2, 'the newer token from token_file');
    const r1 = await chat(w, 'vi/gpt-x');
    assert.deepEqual(r1.seen, [`Bearer ${T.iNew}`]);
  });

  test('503 after the federated token expired names the sources tried and how to fix it', async () => {
    await waitReadyz(w, (j) => j.providers.ve.available === false, 've unavailable after exp', 9000);
    const r = await chat(w, 've/gpt-x');
    assert.equal(r.status, 503);
    const e = JSON.parse(r.text).error;
    assert.match(e.message, /VE_OIDC_TOKEN/);
    assert.match(e.message, /VE_API_KEY/);
  });
});

// A refreshed token longer than an HTTP header value may hold is a failed refresh like any other:
// the present token stays in use and the failure is reported, never the token.
describe('a refresh_command token over 63 KiB', () => {
  let w;
  let dir;
  let present;
  let big;
  before(async () => {
    dir = tmpDir('warden-fed-big-');
    const s = nowS();
    present = jwt({ exp: s + 300 });
    let n = 48_000;
    for (let i = 0; i < 4; i++) {
      big = jwt({ exp: s + 7200, pad: 'p'.repeat(n) });
      n += Math.floor(((65_000 - big.length) * 3) / 4);
    }
    assert.ok(big.length > 63 * 1024 && big.length < 65_500, `token length ${big.length}`);
    script(path.join(dir, 'bin', 'fetch-big'), `echo run >> ${toml(path.join(dir, 'runs'))}\nprintf '%s\\n' '${big}'`);
    w = await startWarden({
      config: config(mock.url, { tail: fedProvider('vz', { refresh: path.join(dir, 'bin', 'fetch-big'), refreshBefore: '10m' }) }),
      env: { WARDEN_GATEWAY_TOKEN: TOKEN, MOCK_API_KEY: 'mock-key-1', CLAUDE_API_KEY: 'claude-key-1', VZ_OIDC_TOKEN: present },
    });
  });
  after(async () => { await w?.stop(); });

  test('the refresh fails with SECRET_VALUE_INVALID wording; the present token is still used; nothing leaks', async () => {
    const p = (await waitReadyz(w, (j) => j.providers.vz.refresh_error !== undefined, 'refresh_error on vz')).providers.vz;
    assert.match(p.refresh_error, /refresh_command output is \d+ bytes, over the 63 KiB/);
    assert.equal(p.available, true);
    const r = await chat(w, 'vz/gpt-x');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.seen, [`Bearer ${present}`]);
    const m = (await request(`${w.url}/metrics`, { headers: AUTH })).text;
    assert.match(m, /warden_token_refreshes_total\{provider="vz",result="failed"\} [1-9]/);
    await w.waitForOutput(/refresh for vz failed/);
    const out = w.output();
    assert.ok(!out.includes(big.slice(-60)) && !out.includes(big.slice(30_000, 30_060)), 'the oversized token leaked into the log');
    assert.ok(!JSON.stringify(p).includes(big.slice(30_000, 30_060)));
  });
});

// refresh_command runs on the refresher's own thread, not on the control loop: a command that
// hangs must not hold up a SIGHUP reload or a SIGTERM. The command signals that it runs (a file)
// and then waits for the test to release it (another file; bounded at 20 s so nothing hangs), so
// the reload and the stop are observed while it is provably still running.
describe('a slow refresh_command', () => {
  let dir;
  let present;
  let fresh;
  let freshExp;
  const started = () => path.join(dir, 'started');
  const release = () => path.join(dir, 'release');
  before(() => {
    dir = tmpDir('warden-fed-slow-');
    const s = nowS();
    present = jwt({ exp: s + 300 });
    freshExp = s + 7200;
    fresh = jwt({ exp: freshExp });
    script(path.join(dir, 'bin', 'fetch-slow'), [
      `rm -f ${toml(release())}`,
      `touch ${toml(started())}`,
      `for i in $(seq 400); do [ -e ${toml(release())} ] && break; sleep 0.05; done`,
      `printf '%s\\n' '${fresh}'`,
    ].join('\n'));
  });

  async function startRunning() {
    fs.rmSync(started(), { force: true });
    const w = await startWarden({
      config: config(mock.url, { tail: fedProvider('vs', { refresh: path.join(dir, 'bin', 'fetch-slow'), refreshBefore: '10m' }) }),
      env: { WARDEN_GATEWAY_TOKEN: TOKEN, MOCK_API_KEY: 'mock-key-1', CLAUDE_API_KEY: 'claude-key-1', VS_OIDC_TOKEN: present },
    });
    // The present token is within refresh_before of exp: the command starts at once.
    const deadline = performance.now() + 5000;
    while (!fs.existsSync(started())) {
      if (performance.now() > deadline) assert.fail(`refresh_command never started\n${w.output()}`);
      await sleep(20);
    }
    return w;
  }

  test('a SIGHUP reload completes while the command runs; its token is used once it prints', async () => {
    const w = await startRunning();
    try {
      w.process.kill('SIGHUP');
      await w.waitForOutput(/reloaded \(SIGHUP\)/, 5000);
      // Still running: the present token is the one in use.
      assert.ok(!fs.existsSync(release()));
      const p = (await request(`${w.url}/readyz`)).json().providers.vs;
      assert.equal(p.expires_at, JSON.parse(Buffer.from(present.split('.')[1], 'base64url')).exp);
      fs.writeFileSync(release(), '');
      await waitReadyz(w, (j) => j.providers.vs.expires_at === freshExp, 'the slow command\'s token');
      const r = await chat(w, 'vs/gpt-x');
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.seen, [`Bearer ${fresh}`]);
      assert.ok(!w.output().includes(fresh) && !w.output().includes(present), 'a token leaked into the log');
    } finally {
      await w.stop();
    }
  });

  test('SIGTERM is handled (draining starts) while the command runs; warden exits once it ends', async () => {
    const w = await startRunning();
    try {
      w.process.kill('SIGTERM');
      await w.waitForOutput(/received SIGTERM; draining/, 5000);
      assert.equal(w.process.exitCode, null, 'warden waits for the running command (bounded by refresh_timeout)');
      fs.writeFileSync(release(), '');
      const info = await w.exited;
      assert.equal(info.code, 0, `${JSON.stringify(info)}\n${w.output()}`);
    } finally {
      await w.stop();
    }
  });
});
