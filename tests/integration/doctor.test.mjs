// `warden doctor [--fix] [--json]` against the real binary: loose permissions of the home, .env,
// profile store, gateway token file, TLS key and config are found (code, path, fix), `--fix`
// tightens exactly those and a second run is clean; a corrupt store is reported and left alone;
// TOKEN_SHADOWED; TOKEN_WEAK (gateway and caller tokens); BIND_NOT_LOOPBACK (a config value only:
// doctor never binds); SECRET_UNRESOLVABLE for env, file and exec refs; a running warden on
// loopback: clean when it agrees, GATEWAY_STALE_CONFIG after an unreloaded edit (and clean again
// after SIGHUP), GATEWAY_TOKEN_MISMATCH, GATEWAY_NOT_READY; the --json shape; exit 0 clean ·
// 1 findings. No value in any output. (CLOCK_SKEW is decided by a pure function: unit-tested.)
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort, startWarden, tmpDir, writeFile } from '../support/harness.mjs';
import { runCli } from '../support/cli.mjs';

const GW = 'gw-DOCTOR-env-token-0123456789abcdef';
const GW_CONFIG = 'gw-DOCTOR-config-token-fedcba9876543210';
const STORE_TOKEN = 'sk-ant-oat01-DOCTOR-store-token-1111';
const modeOf = (f) => fs.statSync(f).mode & 0o777;

function setup() {
  const home = tmpDir('warden-doc-');
  const wh = path.join(home, '.warden');
  fs.mkdirSync(wh, { mode: 0o700 });
  const files = {
    env: writeFile(path.join(wh, '.env'), 'X=1\n', 0o644),
    store: writeFile(path.join(wh, 'auth-profiles.json'), JSON.stringify({ version: 1, profiles: { 'sp:a': { type: 'token', provider: 'sp', token: STORE_TOKEN } } }), 0o640),
    token: writeFile(path.join(wh, 'gateway.token'), `${GW}\n`, 0o604),
    key: writeFile(path.join(home, 'tls', 'key.pem'), 'not really a key\n', 0o644),
  };
  fs.chmodSync(wh, 0o755);
  const config = writeFile(path.join(home, 'cfg', 'warden.toml'),
    `[gateway]\nbind = "127.0.0.1:0"\n[providers.sp]\napi = "openai"\nbase_url = "http://127.0.0.1:9/v1"\n`, 0o664);
  return { home, wh, files, config };
}

describe('warden doctor', () => {
  test('finds every loose permission, --fix tightens exactly those, then it is clean', async () => {
    const { home, wh, files, config } = setup();
    const env = { WARDEN_GATEWAY_TOKEN: GW, SP_API_KEY: 'sk-x', WARDEN_CONFIG: config };
    // warden refuses a home others can write; 0755 is allowed by warden, reported by doctor.
    let r = await runCli(['doctor', '--json'], { home, env });
    assert.equal(r.code, 1, r.out);
    const j = JSON.parse(r.stdout);
    const byPath = Object.fromEntries(j.findings.map((f) => [f.path, f]));
    for (const p of [wh, files.env, files.store, files.token, config]) {
      assert.equal(byPath[p]?.code, 'FILE_INSECURE', `${p} not reported:\n${r.stdout}`);
      assert.equal(byPath[p].fixed, false);
    }
    assert.match(byPath[files.env].message, /chmod 600/);
    assert.match(byPath[wh].message, /chmod 700/);
    assert.match(byPath[config].message, /chmod go-w/);

    r = await runCli(['doctor', '--fix'], { home, env });
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /fixed: /);
    assert.equal(modeOf(wh), 0o700);
    assert.equal(modeOf(files.env), 0o600);
    assert.equal(modeOf(files.store), 0o600);
    assert.equal(modeOf(files.token), 0o600);
    assert.equal(modeOf(config), 0o644, 'the config only loses group/world write');
    r = await runCli(['doctor'], { home, env });
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /ok: nothing left to fix/);
    for (const v of [GW, STORE_TOKEN]) assert.ok(!r.out.includes(v));
  });

  test('the TLS key named by the config is checked and fixed', async () => {
    const { home, files } = setup();
    const cfg = writeFile(path.join(home, 'cfg2', 'warden.toml'),
      `[gateway]\nbind = "127.0.0.1:0"\n[gateway.tls]\ncert = "${files.key}"\nkey = "${files.key}"\n`, 0o600);
    const r = await runCli(['doctor', '--json', '--config', cfg], { home, env: { WARDEN_GATEWAY_TOKEN: GW } });
    const j = JSON.parse(r.stdout);
    const f = j.findings.find((x) => x.path === files.key);
    assert.ok(f, r.out);
    assert.equal(f.code, 'FILE_INSECURE');
  });

  test('a corrupt store is reported and never rewritten, even with --fix', async () => {
    const home = tmpDir('warden-doc-');
    const store = writeFile(path.join(home, '.warden', 'auth-profiles.json'), '{"version":1,"prof', 0o600);
    fs.chmodSync(path.join(home, '.warden'), 0o700);
    const r = await runCli(['doctor', '--fix'], { home, env: { WARDEN_GATEWAY_TOKEN: GW } });
    assert.equal(r.code, 1, r.out);
    assert.match(r.stdout, /PROFILE_STORE_CORRUPT/);
    assert.equal(fs.readFileSync(store, 'utf8'), '{"version":1,"prof');
  });

  test('expired and expiring profiles are findings', async () => {
    const home = tmpDir('warden-doc-');
    writeFile(path.join(home, '.warden', 'auth-profiles.json'), JSON.stringify({ version: 1, profiles: {
      'sp:old': { type: 'token', provider: 'sp', token: STORE_TOKEN, expires: Date.now() - 1000 },
      'sp:soon': { type: 'token', provider: 'sp', token: STORE_TOKEN, expires: Date.now() + 3600_000 },
    } }), 0o600);
    fs.chmodSync(path.join(home, '.warden'), 0o700);
    const r = await runCli(['doctor'], { home, env: { WARDEN_GATEWAY_TOKEN: GW } });
    assert.equal(r.code, 1, r.out);
    assert.match(r.stdout, /PROFILE_EXPIRED\s+profile sp:old has expired; log in again/);
    assert.match(r.stdout, /PROFILE_EXPIRING\s+profile sp:soon expires soon/);
    assert.ok(!r.out.includes(STORE_TOKEN));
  });

  test('TOKEN_SHADOWED when env and config tokens differ (names only)', async () => {
    const home = tmpDir('warden-doc-');
    fs.mkdirSync(path.join(home, '.warden'), { mode: 0o700 });
    const cfg = writeFile(path.join(home, 'c', 'warden.toml'), `[gateway]\nbind = "127.0.0.1:0"\n[gateway.auth]\ntoken = "${GW_CONFIG}"\n`, 0o600);
    const r = await runCli(['doctor', '--config', cfg], { home, env: { WARDEN_GATEWAY_TOKEN: GW } });
    assert.equal(r.code, 1, r.out);
    assert.match(r.stdout, /TOKEN_SHADOWED/);
    for (const v of [GW, GW_CONFIG]) assert.ok(!r.out.includes(v), r.out);
  });
});



// A home with a private .warden and a config file (0600) holding `text`.
function homeWithConfig(text) {
  const home = tmpDir('warden-doc-');
  fs.mkdirSync(path.join(home, '.warden'), { mode: 0o700 });
  const cfg = writeFile(path.join(home, 'c', 'warden.toml'), text, 0o600);
  return { home, cfg };
}

const PROVIDER = '[providers.sp]\napi = "openai"\nbase_url = "http://127.0.0.1:9/v1"\n';
const findingsOf = (r) => JSON.parse(r.stdout).findings;

describe('warden doctor: token strength', () => {
  for (const [label, weak, why] of [
    ['a placeholder', 'changeme', /is a well-known placeholder/],
    ['a short token', 'Hunter2-DOC-short', /is shorter than 24 characters/],
    ['a repeated character', 'z'.repeat(40), /repeats a short pattern/],
  ]) {
    test(`TOKEN_WEAK for ${label} in WARDEN_GATEWAY_TOKEN; the value is never printed`, async () => {
      const { home, cfg } = homeWithConfig(`[gateway]\nbind = "127.0.0.1:0"\n${PROVIDER}`);
      const r = await runCli(['doctor', '--json', '--config', cfg], { home, env: { WARDEN_GATEWAY_TOKEN: weak } });
      assert.equal(r.code, 1, r.out);
      const f = findingsOf(r).find((x) => x.code === 'TOKEN_WEAK');
      assert.ok(f, r.out);
      assert.equal(f.path, 'WARDEN_GATEWAY_TOKEN');
      assert.match(f.message, why);
      assert.match(f.message, /warden token generate/);
      assert.ok(!r.out.includes(weak), r.out);
    });
  }

  test('the token file and a caller token from a SecretRef are judged too; digests are not', async () => {
    const { home, cfg } = homeWithConfig(`[gateway]\nbind = "127.0.0.1:0"\n${PROVIDER}`
      + '[callers.ci]\ntokens = [{ source = "env", id = "CI_TOKEN" }, '
      + '"sha256:0000000000000000000000000000000000000000000000000000000000000000"]\n');
    const tokenFile = writeFile(path.join(home, '.warden', 'gateway.token'), 'password\n', 0o600);
    const r = await runCli(['doctor', '--json', '--config', cfg], { home, env: { CI_TOKEN: 'ci-DOC-weak' } });
    assert.equal(r.code, 1, r.out);
    const weak = findingsOf(r).filter((x) => x.code === 'TOKEN_WEAK');
    assert.deepEqual(weak.map((x) => x.path).sort(), ['callers.ci.tokens[0]', tokenFile].sort(), r.out);
    assert.match(weak.find((x) => x.path === 'callers.ci.tokens[0]').message, /caller token .* is shorter than 24 characters; fix: .*sha256: digest/);
    for (const v of ['ci-DOC-weak', 'password']) assert.ok(!r.out.includes(v), r.out);
  });

  test('a strong token is no finding', async () => {
    const { home, cfg } = homeWithConfig(`[gateway]\nbind = "127.0.0.1:0"\n${PROVIDER}`);
    const r = await runCli(['doctor', '--config', cfg], { home, env: { WARDEN_GATEWAY_TOKEN: GW, SP_API_KEY: 'sk-x' } });
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /note: gateway.bind = "127.0.0.1:0" is not asked/);
  });
});

describe('warden doctor: bind safety (config only, nothing is bound)', () => {
  test('0.0.0.0 with a token and no TLS: BIND_NOT_LOOPBACK saying so, with the fix', async () => {
    const port = await freePort();
    const { home, cfg } = homeWithConfig(`[gateway]\nbind = "0.0.0.0:${port}"\n${PROVIDER}`);
    const r = await runCli(['doctor', '--json', '--config', cfg], { home, env: { WARDEN_GATEWAY_TOKEN: GW } });
    assert.equal(r.code, 1, r.out);
    const f = findingsOf(r).find((x) => x.code === 'BIND_NOT_LOOPBACK');
    assert.ok(f, r.out);
    assert.equal(f.path, 'gateway.bind');
    assert.match(f.message, /callers need the gateway token/);
    assert.match(f.message, /without \[gateway\.tls\]/);
    assert.match(f.message, new RegExp(`fix: bind = "127\\.0\\.0\\.1:${port}"`));
    assert.doesNotMatch(f.message, /DANGER/);
  });

  test('0.0.0.0 with a token over TLS: a deliberate public deployment, a note and no finding', async () => {
    const port = await freePort();
    const dir = tmpDir('warden-doc-tls-');
    const cert = writeFile(path.join(dir, 'cert.pem'), 'not read by doctor\n', 0o644);
    const key = writeFile(path.join(dir, 'key.pem'), 'not read by doctor\n', 0o600);
    const { home, cfg } = homeWithConfig(`[gateway]\nbind = "0.0.0.0:${port}"\n`
      + `[gateway.tls]\ncert = "${cert}"\nkey = "${key}"\n${PROVIDER}`);
    const r = await runCli(['doctor', '--json', '--config', cfg], { home, env: { WARDEN_GATEWAY_TOKEN: GW } });
    const j = JSON.parse(r.stdout);
    assert.equal(j.findings.find((x) => x.code === 'BIND_NOT_LOOPBACK'), undefined, r.out);
    assert.ok(j.notes.some((n) => /0\.0\.0\.0.*served over TLS/.test(n)), r.out);
  });

  test('trusted-proxy on a network bind is a DANGER', async () => {
    const port = await freePort();
    const { home, cfg } = homeWithConfig(`[gateway]\nbind = "0.0.0.0:${port}"\n`
      + '[gateway.auth]\nmode = "trusted-proxy"\n[gateway.auth.trusted_proxy]\nproxies = ["10.0.0.1/32"]\n' + PROVIDER);
    const r = await runCli(['doctor', '--json', '--config', cfg], { home });
    assert.equal(r.code, 1, r.out);
    const f = findingsOf(r).find((x) => x.code === 'BIND_NOT_LOOPBACK');
    assert.match(f?.message ?? '', /^DANGER: .*only the proxy may reach it/, r.out);
  });
});

describe('warden doctor: every SecretRef resolves', () => {
  test('SECRET_UNRESOLVABLE for env, file and exec refs: key path, ref, reason and fix; no value', async () => {
    const dir = tmpDir('warden-doc-refs-');
    const secretsFile = writeFile(path.join(dir, 'secrets.json'), JSON.stringify({ present: 'sk-DOC-file-value-0123456789' }), 0o600);
    const bin = path.join(dir, 'bin');
    const helper = writeFile(path.join(bin, 'vault'),
      '#!/bin/bash\necho "sk-DOC-LEAKY-stdout-0123456789"; echo "sk-DOC-LEAKY-stderr" >&2; exit 3\n', 0o700);
    const { home, cfg } = homeWithConfig('[gateway]\nbind = "127.0.0.1:0"\n'
      + `[secrets.providers.files]\nsource = "file"\npath = ${JSON.stringify(secretsFile)}\n`
      + `[secrets.providers.vault]\nsource = "exec"\ncommand = ${JSON.stringify(helper)}\ntrusted_dirs = [${JSON.stringify(bin)}]\ntimeout = "5s"\n`
      + '[providers.a]\napi = "openai"\nbase_url = "http://127.0.0.1:9/v1"\nkeys = [{ source = "env", id = "DOC_MISSING_KEY" }]\n'
      + '[providers.b]\napi = "openai"\nbase_url = "http://127.0.0.1:9/v1"\nkeys = [{ source = "file", provider = "files", id = "/present" }, { source = "file", provider = "files", id = "/absent" }]\n'
      + '[providers.c]\napi = "anthropic"\nbase_url = "http://127.0.0.1:9/v1"\nkeys = [{ source = "exec", provider = "vault", id = "c/key" }]\n'
      + '[providers.off]\napi = "openai"\nenabled = false\nbase_url = "http://127.0.0.1:9/v1"\nkeys = [{ source = "env", id = "DOC_NEVER_RESOLVED" }]\n');
    const r = await runCli(['doctor', '--json', '--config', cfg], { home, env: { WARDEN_GATEWAY_TOKEN: GW } });
    assert.equal(r.code, 1, r.out);
    const refs = findingsOf(r).filter((x) => x.code === 'SECRET_UNRESOLVABLE');
    const byPath = Object.fromEntries(refs.map((x) => [x.path, x.message]));
    assert.deepEqual(Object.keys(byPath).sort(), ['providers.a.keys[0]', 'providers.b.keys[1]', 'providers.c.keys[0]'], r.out);
    assert.match(byPath['providers.a.keys[0]'], /env:default:DOC_MISSING_KEY.*fix: set DOC_MISSING_KEY/);
    assert.match(byPath['providers.b.keys[1]'], /file:files:\/absent.*SECRET_REF_NOT_FOUND.*fix: add \/absent to /);
    assert.match(byPath['providers.c.keys[0]'], /exec:vault:c\/key.*SECRET_PROVIDER_ERROR.*fix: run the helper/);
    for (const v of ['sk-DOC-file-value-0123456789', 'sk-DOC-LEAKY-stdout-0123456789', 'sk-DOC-LEAKY-stderr', GW]) {
      assert.ok(!r.out.includes(v), `${v} leaked:\n${r.out}`);
    }
  });
});

describe('warden doctor: a running gateway', () => {
  const KEY = 'sk-DOC-live-key-0123456789abcdef';
  const OTHER = 'gw-DOCTOR-other-token-abcdef0123456789';
  let w;
  let port;
  // watch = false: only SIGHUP reloads, so an edit stays unloaded until the test sends it.
  const cfgText = (extra = '', { gateway = '' } = {}) =>
    `[gateway]\nbind = "127.0.0.1:${port}"\n${gateway}[reload]\nwatch = false\n${PROVIDER}${extra}`;
  const env = () => ({ WARDEN_GATEWAY_TOKEN: GW, SP_API_KEY: KEY });
  const doctor = (extraEnv = {}) =>
    runCli(['doctor', '--json', '--config', w.configPath], { home: w.home, env: { ...env(), ...extraEnv } });

  test('agrees with the config: clean', async () => {
    port = await freePort();
    w = await startWarden({ config: cfgText(), env: env() });
    const r = await doctor();
    assert.equal(r.code, 0, r.out);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(j).sort(), ['findings', 'notes', 'ok']);
    assert.equal(j.ok, true);
    assert.deepEqual(j.findings, []);
    assert.ok(Array.isArray(j.notes));
  });

  test('GATEWAY_TOKEN_MISMATCH when the CLI resolves another token (no value printed)', async () => {
    const r = await doctor({ WARDEN_GATEWAY_TOKEN: OTHER });
    assert.equal(r.code, 1, r.out);
    const f = findingsOf(r);
    assert.deepEqual(f.map((x) => x.code), ['GATEWAY_TOKEN_MISMATCH'], r.out);
    assert.equal(f[0].path, `127.0.0.1:${port}`);
    assert.match(f[0].message, /from WARDEN_GATEWAY_TOKEN/);
    for (const v of [GW, OTHER, KEY]) assert.ok(!r.out.includes(v), r.out);
  });

  test('a config edited on disk and not reloaded: GATEWAY_STALE_CONFIG; after SIGHUP: clean', async () => {
    writeFile(w.configPath, cfgText('[providers.extra]\napi = "anthropic"\nbase_url = "http://127.0.0.1:9/v1"\n'), 0o600);
    let r = await doctor();
    assert.equal(r.code, 1, r.out);
    const f = findingsOf(r);
    assert.deepEqual(f.map((x) => x.code), ['GATEWAY_STALE_CONFIG'], r.out);
    assert.match(f[0].message, /not running \[extra\].*SIGHUP/);
    const reloaded = w.waitForOutput(/reloaded \(SIGHUP\): generation 2/);
    w.process.kill('SIGHUP');
    await reloaded;
    r = await doctor();
    assert.equal(r.code, 0, r.out);
  });

  test('a change the running gateway refuses to reload: GATEWAY_STALE_CONFIG with its reason', async () => {
    await w.stop();
    port = await freePort();
    w = await startWarden({ config: cfgText(), env: env() });
    writeFile(w.configPath, cfgText('', { gateway: '[gateway.auth]\nmode = "none"\n' }), 0o600);
    const refused = w.waitForOutput(/reload \(SIGHUP\) failed/);
    w.process.kill('SIGHUP');
    await refused;
    const r = await doctor();
    assert.equal(r.code, 1, r.out);
    const f = findingsOf(r);
    assert.deepEqual(f.map((x) => x.code), ['GATEWAY_STALE_CONFIG'], r.out);
    assert.match(f[0].message, /refused its last reload and still runs the config it had before \(.*gateway\.auth\.mode/);
  });

  test('GATEWAY_NOT_READY when no provider has a credential', async () => {
    await w.stop();
    port = await freePort();
    w = await startWarden({ config: cfgText(), env: { WARDEN_GATEWAY_TOKEN: GW } });
    const r = await doctor({ SP_API_KEY: undefined });
    assert.equal(r.code, 1, r.out);
    const f = findingsOf(r);
    assert.deepEqual(f.map((x) => x.code), ['GATEWAY_NOT_READY'], r.out);
    assert.match(f[0].message, /unavailable: sp/);
    await w.stop();
  });
});
