// `warden doctor [--fix] [--json]` against the real binary: loose permissions of the home, .env,
// profile store, gateway token file, TLS key and config are found (code, path, fix), `--fix`
// tightens exactly those and a second run is clean; a corrupt store is reported and left alone;
// TOKEN_SHADOWED; exit 0 clean · 1 findings. No value in any output.
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir, writeFile } from '../support/harness.mjs';
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
