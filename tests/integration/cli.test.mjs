// Operator CLI: `warden status --check [--json]` exit codes (0 ok · 1 missing/expired · 2 expiring
// within 24 h), `warden secrets audit --check [--json]` (0 clean · 1 findings · 2 unresolved refs),
// and `warden token` (source + fingerprint). Never a secret value in any output.
// The binary is spawned directly with a minimal environment, like the harness does for `serve`.
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { checkSanitizerOutput, tmpDir, writeFile } from '../support/harness.mjs';
import { cliEnv } from '../support/cli.mjs';

const BIN = process.env.WARDEN_BIN;
const GW = 'gw-CLI-gateway-token-8a7b6c5d4e3f';
const KEY = 'sk-CLI-static-key-1234abcd5678';
const LITERAL = 'sk-CLI-literal-in-config-9988776655';
const BASE = 'http://127.0.0.1:9/v1'; // never contacted by these verbs

const b64u = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (claims) => `${b64u({ alg: 'none' })}.${b64u(claims)}.c2ln`;
const nowS = () => Math.floor(Date.now() / 1000);
const fp = (v) => `sha256:${crypto.createHash('sha256').update(v).digest('hex')}`;
const toml = (s) => JSON.stringify(s);

/**
 * Run `warden ARGS --config FILE` with env = PATH, HOME, WARDEN_HOME + extra. Bounded (10 s).
 * → { code, signal, stdout, stderr, out (both), home }.
 */
async function run(args, { configText, env = {}, home } = {}) {
  assert.ok(BIN, 'WARDEN_BIN is not set');
  const h = home ?? tmpDir('warden-cli-home-');
  const full = [...args];
  if (configText !== undefined) {
    const cfg = writeFile(path.join(tmpDir('warden-cli-cfg-'), 'warden.toml'), configText, 0o600);
    full.push('--config', cfg);
  }
  const e = cliEnv(h, env);
  const child = spawn(BIN, full, { cwd: h, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const [code, signal] = await new Promise((resolve) => child.once('close', (c, s) => resolve([c, s])));
  checkSanitizerOutput(`warden ${full.join(' ')}`, () => stdout + stderr);
  clearTimeout(timer);
  assert.equal(signal, null, `warden ${full.join(' ')} was killed (${signal}); output:\n${stdout}${stderr}`);
  return { code, signal, stdout, stderr, out: stdout + stderr, home: h };
}

const gateway = '[gateway]\nbind = "127.0.0.1:0"\n';
const staticProvider = (id) => `[providers.${id}]\napi = "openai"\nbase_url = "${BASE}"\n`;
const fedProvider = (id, extra = '') => `[providers.${id}]\napi = "openai"\nbase_url = "${BASE}"\n${extra}`
  + `[providers.${id}.federated]\ntoken = { source = "env", id = "${id.toUpperCase()}_OIDC_TOKEN" }\n`;

function parseJson(r) {
  try {
    return JSON.parse(r.stdout);
  } catch (e) {
    assert.fail(`--json output is not JSON (${e.message}):\n${r.out}`);
  }
}

function assertNoValues(r, values) {
  for (const v of values) assert.ok(!r.out.includes(v), `output contains a secret value ${v}:\n${r.out}`);
}

describe('warden status --check --json', () => {
  test('0 when every enabled provider has a credential; lists fingerprints, not values', async () => {
    const r = await run(['status', '--check', '--json'], {
      configText: gateway + staticProvider('sp'),
      env: { WARDEN_GATEWAY_TOKEN: GW, SP_API_KEYS: `${KEY},${KEY}-2` },
    });
    assert.equal(r.code, 0, r.out);
    const j = parseJson(r);
    const p = j.providers.find((x) => x.id === 'sp');
    assert.ok(p, r.stdout);
    assert.equal(p.enabled, true);
    assert.equal(p.keys, 2);
    const text = JSON.stringify(p);
    assert.ok(text.includes(fp(KEY).slice(0, 19)), `fingerprint of the key missing: ${text}`);
    assertNoValues(r, [KEY, GW]);
  });

  test('without --check the exit code is 0 even when a credential is missing', async () => {
    const r = await run(['status', '--json'], {
      configText: gateway + fedProvider('fx'),
      env: { WARDEN_GATEWAY_TOKEN: GW, FX_OIDC_TOKEN: jwt({ exp: nowS() - 100 }) },
    });
    assert.equal(r.code, 0, r.out);
  });

  test('1 when an enabled federated provider\'s token is expired (and nothing else)', async () => {
    const tok = jwt({ exp: nowS() - 100 });
    const r = await run(['status', '--check', '--json'], {
      configText: gateway + fedProvider('fx', 'enabled = true\n'),
      env: { WARDEN_GATEWAY_TOKEN: GW, FX_OIDC_TOKEN: tok },
    });
    assert.equal(r.code, 1, r.out);
    parseJson(r);
    assertNoValues(r, [tok, GW]);
  });

  test('1 when a configured federated provider (no `enabled` key) has only an expired token', async () => {
    const r = await run(['status', '--check', '--json'], {
      configText: gateway + fedProvider('fx'),
      env: { WARDEN_GATEWAY_TOKEN: GW, FX_OIDC_TOKEN: jwt({ exp: nowS() - 100 }) },
    });
    assert.equal(r.code, 1, r.out);
    assert.equal(parseJson(r).ok, false);
  });

  test('status without --check still lists providers when an enabled = true provider has no credential', async () => {
    const r = await run(['status', '--json'], {
      configText: gateway + staticProvider('sp') + fedProvider('fx', 'enabled = true\n'),
      env: { WARDEN_GATEWAY_TOKEN: GW, SP_API_KEY: KEY },
    });
    assert.equal(r.code, 0, r.out);
    const j = parseJson(r);
    assert.ok(Array.isArray(j.providers) && j.providers.some((p) => p.id === 'sp'), r.stdout);
  });

  test('1 when an enabled federated provider\'s token is missing', async () => {
    const r = await run(['status', '--check', '--json'], {
      configText: gateway + fedProvider('fx', 'enabled = true\n'),
      env: { WARDEN_GATEWAY_TOKEN: GW },
    });
    assert.equal(r.code, 1, r.out);
  });

  test('1 when the expired federated token has a refresh_command (status does not hide it)', async () => {
    const dir = tmpDir('warden-cli-');
    const s = writeFile(path.join(dir, 'bin', 'fetch'), '#!/bin/bash\nexit 1\n', 0o700);
    const tok = jwt({ exp: nowS() - 100 });
    const r = await run(['status', '--check', '--json'], {
      configText: gateway + fedProvider('fx') + `refresh_command = [${toml(s)}]\n`,
      env: { WARDEN_GATEWAY_TOKEN: GW, FX_OIDC_TOKEN: tok },
    });
    assert.equal(r.code, 1, r.out);
  });

  test('2 when the only credential is a federated token expiring within 24 h; JSON shows expires_at', async () => {
    const exp = nowS() + 3 * 3600;
    const tok = jwt({ exp });
    const r = await run(['status', '--check', '--json'], {
      configText: gateway + fedProvider('fx'),
      env: { WARDEN_GATEWAY_TOKEN: GW, FX_OIDC_TOKEN: tok },
    });
    assert.equal(r.code, 2, r.out);
    const p = parseJson(r).providers.find((x) => x.id === 'fx');
    assert.equal(p.expires_at, exp);
    assertNoValues(r, [tok, tok.split('.')[1]]);
  });

  test('1 outranks 2: an expiring provider listed before a missing one still gives 1', async () => {
    const r = await run(['status', '--check', '--json'], {
      configText: gateway + fedProvider('fa') + fedProvider('fb', 'enabled = true\n'),
      env: { WARDEN_GATEWAY_TOKEN: GW, FA_OIDC_TOKEN: jwt({ exp: nowS() + 3600 }) },
    });
    assert.equal(r.code, 1, r.out);
  });

  test('0 when the federated token is valid for more than 24 h, or a static key backs it', async () => {
    const far = await run(['status', '--check', '--json'], {
      configText: gateway + fedProvider('fx'),
      env: { WARDEN_GATEWAY_TOKEN: GW, FX_OIDC_TOKEN: jwt({ exp: nowS() + 48 * 3600 }) },
    });
    assert.equal(far.code, 0, far.out);
    const backed = await run(['status', '--check', '--json'], {
      configText: gateway + fedProvider('fx'),
      env: { WARDEN_GATEWAY_TOKEN: GW, FX_OIDC_TOKEN: jwt({ exp: nowS() + 3600 }), FX_API_KEY: KEY },
    });
    assert.equal(backed.code, 0, backed.out);
  });

  test('a disabled provider does not count', async () => {
    const r = await run(['status', '--check', '--json'], {
      configText: gateway + staticProvider('sp') + fedProvider('off', 'enabled = false\n'),
      env: { WARDEN_GATEWAY_TOKEN: GW, SP_API_KEY: KEY },
    });
    assert.equal(r.code, 0, r.out);
  });

  test('human output (no --json) lists fingerprints, not values', async () => {
    const r = await run(['status'], {
      configText: gateway + staticProvider('sp'),
      env: { WARDEN_GATEWAY_TOKEN: GW, SP_API_KEY: KEY },
    });
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /sp/);
    assert.match(r.stdout, /sha256:[0-9a-f]+/);
    assertNoValues(r, [KEY, GW]);
  });
});

// ---------------------------------------------------------------------------------------------

/** Does the JSON output mention `code` anywhere? */
const jsonHas = (j, code) => JSON.stringify(j).includes(code);

describe('warden secrets audit --check', () => {
  const refsOnly = () => gateway
    + '[gateway.auth]\nmode = "token"\ntoken = { source = "env", id = "WARDEN_GATEWAY_TOKEN" }\n'
    + `${staticProvider('sp')}keys = [{ source = "env", id = "SP_KEY" }]\n`;

  test('0: a clean config with refs only (text and --json)', async () => {
    const env = { WARDEN_GATEWAY_TOKEN: GW, SP_KEY: KEY };
    const r = await run(['secrets', 'audit', '--check'], { configText: refsOnly(), env });
    assert.equal(r.code, 0, r.out);
    assertNoValues(r, [KEY, GW]);
    const rj = await run(['secrets', 'audit', '--check', '--json'], { configText: refsOnly(), env });
    assert.equal(rj.code, 0, rj.out);
    const j = parseJson(rj);
    for (const c of ['PLAINTEXT_FOUND', 'FILE_INSECURE', 'REF_UNRESOLVED']) assert.ok(!jsonHas(j, c), rj.stdout);
  });

  test('1: a literal key in the config → PLAINTEXT_FOUND naming the key path, never the value', async () => {
    const cfg = `${gateway}${staticProvider('sp')}keys = ["${LITERAL}"]\n`;
    const r = await run(['secrets', 'audit', '--check'], { configText: cfg, env: { WARDEN_GATEWAY_TOKEN: GW } });
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /PLAINTEXT_FOUND/);
    assert.match(r.out, /providers\.sp\.keys/);
    assertNoValues(r, [LITERAL, LITERAL.slice(0, 16), GW]);
    const rj = await run(['secrets', 'audit', '--check', '--json'], { configText: cfg, env: { WARDEN_GATEWAY_TOKEN: GW } });
    assert.equal(rj.code, 1, rj.out);
    assert.ok(jsonHas(parseJson(rj), 'PLAINTEXT_FOUND'), rj.stdout);
    assertNoValues(rj, [LITERAL]);
  });

  test('1: a literal gateway token in the config → PLAINTEXT_FOUND', async () => {
    const cfg = `${gateway}[gateway.auth]\nmode = "token"\ntoken = "${LITERAL}"\n${staticProvider('sp')}`;
    const r = await run(['secrets', 'audit', '--check', '--json'], { configText: cfg, env: { SP_API_KEY: KEY } });
    assert.equal(r.code, 1, r.out);
    assert.ok(jsonHas(parseJson(r), 'PLAINTEXT_FOUND'), r.stdout);
    assertNoValues(r, [LITERAL, KEY]);
  });

  test('1: an insecure (0644) secret file → FILE_INSECURE mentioning chmod 600', async () => {
    const dir = tmpDir('warden-cli-');
    const f = writeFile(path.join(dir, 'secrets.json'), JSON.stringify({ sp: { key: KEY } }), 0o644);
    const cfg = `${gateway}[secrets.providers.fm]\nsource = "file"\npath = ${toml(f)}\nmode = "json"\n`
      + `${staticProvider('sp')}keys = [{ source = "file", provider = "fm", id = "/sp/key" }]\n`;
    const r = await run(['secrets', 'audit', '--check'], { configText: cfg, env: { WARDEN_GATEWAY_TOKEN: GW } });
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /FILE_INSECURE/);
    assert.match(r.out, /chmod 600/);
    assert.ok(r.out.includes(f));
    assertNoValues(r, [KEY, GW]);
    const rj = await run(['secrets', 'audit', '--check', '--json'], { configText: cfg, env: { WARDEN_GATEWAY_TOKEN: GW } });
    assert.equal(rj.code, 1, rj.out);
    assert.ok(jsonHas(parseJson(rj), 'FILE_INSECURE'));
  });

  test('1: an insecure (0644) $WARDEN_HOME/gateway.token → FILE_INSECURE', async () => {
    const home = tmpDir('warden-cli-home-');
    const f = writeFile(path.join(home, '.warden', 'gateway.token'), 'gw-CLI-file-token-abcdef0123\n', 0o644);
    fs.chmodSync(path.dirname(f), 0o700);
    const r = await run(['secrets', 'audit', '--check', '--json'], { configText: refsOnly(), env: { WARDEN_GATEWAY_TOKEN: GW, SP_KEY: KEY }, home });
    assert.equal(r.code, 1, r.out);
    const j = parseJson(r);
    assert.ok(jsonHas(j, 'FILE_INSECURE') && jsonHas(j, f), r.stdout);
    assertNoValues(r, ['gw-CLI-file-token-abcdef0123', GW, KEY]);
  });

  test('1: a group-readable $WARDEN_HOME/auth-profiles.json → FILE_INSECURE', async () => {
    const home = tmpDir('warden-cli-home-');
    const value = 'sk-ant-oat01-CLI-profile-token-4455';
    const f = writeFile(path.join(home, '.warden', 'auth-profiles.json'),
      JSON.stringify({ version: 1, profiles: { 'sp:a': { type: 'token', provider: 'sp', token: value } } }), 0o640);
    fs.chmodSync(path.dirname(f), 0o700);
    const r = await run(['secrets', 'audit', '--check', '--json'], { configText: refsOnly(), env: { WARDEN_GATEWAY_TOKEN: GW, SP_KEY: KEY }, home });
    assert.equal(r.code, 1, r.out);
    const j = parseJson(r);
    assert.ok(jsonHas(j, 'FILE_INSECURE') && jsonHas(j, f), r.stdout);
    assertNoValues(r, [value, GW, KEY]);
  });

  test('a disabled provider\'s unresolvable ref is not an unresolved active ref (exit 0)', async () => {
    const cfg = `${refsOnly()}${staticProvider('off')}enabled = false\nkeys = [{ source = "env", id = "WARDEN_T_UNSET_KEY" }]\n`;
    const r = await run(['secrets', 'audit', '--check'], { configText: cfg, env: { WARDEN_GATEWAY_TOKEN: GW, SP_KEY: KEY } });
    assert.equal(r.code, 0, r.out);
  });

  test('2: an unresolved ref → REF_UNRESOLVED naming the ref', async () => {
    const cfg = `${gateway}${staticProvider('sp')}keys = [{ source = "env", id = "WARDEN_T_UNSET_KEY" }]\n`;
    const r = await run(['secrets', 'audit', '--check'], { configText: cfg, env: { WARDEN_GATEWAY_TOKEN: GW } });
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /REF_UNRESOLVED/);
    assert.match(r.out, /WARDEN_T_UNSET_KEY/);
    const rj = await run(['secrets', 'audit', '--check', '--json'], { configText: cfg, env: { WARDEN_GATEWAY_TOKEN: GW } });
    assert.equal(rj.code, 2, rj.out);
    assert.ok(jsonHas(parseJson(rj), 'REF_UNRESOLVED'), rj.stdout);
  });

  test('2 wins over 1: a literal key and an unresolved ref together', async () => {
    const cfg = `${gateway}${staticProvider('sp')}keys = ["${LITERAL}", { source = "env", id = "WARDEN_T_UNSET_KEY" }]\n`;
    const r = await run(['secrets', 'audit', '--check', '--json'], { configText: cfg, env: { WARDEN_GATEWAY_TOKEN: GW } });
    assert.equal(r.code, 2, r.out);
    const j = parseJson(r);
    assert.ok(jsonHas(j, 'PLAINTEXT_FOUND') && jsonHas(j, 'REF_UNRESOLVED'), r.stdout);
    assertNoValues(r, [LITERAL]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('warden token', () => {
  const cfg = gateway + staticProvider('sp');

  test('prints the source (WARDEN_GATEWAY_TOKEN) and the fingerprint, never the value', async () => {
    const r = await run(['token'], { configText: cfg, env: { WARDEN_GATEWAY_TOKEN: GW, SP_API_KEY: KEY } });
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /WARDEN_GATEWAY_TOKEN/);
    const m = /sha256:([0-9a-f]+)/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.ok(fp(GW).startsWith(m[0]), `fingerprint ${m[0]} is not a prefix of sha256(token)`);
    assertNoValues(r, [GW, GW.slice(0, 12), KEY]);
  });

  test('--token overrides the environment', async () => {
    const other = 'gw-CLI-flag-token-0000111122223333';
    const r = await run(['token', '--token', other], { configText: cfg, env: { WARDEN_GATEWAY_TOKEN: GW } });
    assert.equal(r.code, 0, r.out);
    assert.ok(r.stdout.includes(fp(other).slice(0, 19)), r.stdout);
    assert.ok(!r.stdout.includes(fp(GW).slice(0, 19)));
    assertNoValues(r, [other, GW]);
  });

  test('falls back to $WARDEN_HOME/gateway.token when nothing else is set', async () => {
    const home = tmpDir('warden-cli-home-');
    const file = writeFile(path.join(home, '.warden', 'gateway.token'), `${GW}\n`, 0o600);
    fs.chmodSync(path.dirname(file), 0o700);
    const r = await run(['token'], { configText: cfg, home });
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /gateway\.token/);
    assert.ok(r.stdout.includes(fp(GW).slice(0, 19)), r.stdout);
    assertNoValues(r, [GW]);
  });

  test('env and config both set and different → env wins, shadowing reported by name only', async () => {
    const cfgTok = 'gw-CLI-config-token-4444555566667777';
    const c = `${gateway}[gateway.auth]\nmode = "token"\ntoken = "${cfgTok}"\n${staticProvider('sp')}`;
    const r = await run(['token'], { configText: c, env: { WARDEN_GATEWAY_TOKEN: GW } });
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /source:[^\n]*WARDEN_GATEWAY_TOKEN/);
    assert.ok(r.stdout.includes(fp(GW).slice(0, 19)), r.stdout);
    assert.match(r.out, /shadow|differ/i);
    assertNoValues(r, [GW, cfgTok]);
  });

  test('no token anywhere → non-zero with a hint, and nothing is generated by a read-only verb', async () => {
    const r = await run(['token'], { configText: cfg, env: {} });
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, /WARDEN_GATEWAY_TOKEN|serve/);
    assert.ok(!fs.existsSync(path.join(r.home, '.warden', 'gateway.token')));
  });
});

describe('command-line errors never echo a value', () => {
  const planted = 'sk-CLI-pasted-by-mistake-0123456789';
  test('an unexpected argument (a token pasted after the verb) is named as <value>', async () => {
    const r = await run(['status', planted]);
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.stderr, /not expected: <value>/);
    assert.match(r.stderr, /--help/);
    assertNoValues(r, [planted]);
  });

  test('an unknown option with a value, and a value given to a flag: the option is named, not the value', async () => {
    const unknown = await run(['serve', `--api-key=${planted}`]);
    assert.notEqual(unknown.code, 0, unknown.out);
    assert.match(unknown.stderr, /--api-key=<value>/);
    assertNoValues(unknown, [planted]);
    const flag = await run(['doctor', `--json=${planted}`]);
    assert.notEqual(flag.code, 0, flag.out);
    assert.match(flag.stderr, /json/);
    assertNoValues(flag, [planted]);
  });

  test('--help still prints the usage and exits 0', async () => {
    const r = await run(['doctor', '--help']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /Usage:/);
  });
});
