// Local trust: the warden home, the config file (--config, $WARDEN_CONFIG, $WARDEN_HOME/warden.toml)
// and $WARDEN_HOME/.env must belong to the current user (a config or .env may also be root's) and
// must not be writable by group or others. Otherwise every verb refuses with FILE_INSECURE, naming
// the path and the chmod/chown fix and never a value from the file. Without HOME the home is the
// passwd entry's, never a shared directory under /tmp.
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startWarden, tmpDir, writeFile } from '../support/harness.mjs';

const BIN = process.env.WARDEN_BIN;
const GW = 'gw-TRUST-gateway-token-5e4d3c2b1a';
const LITERAL = 'sk-TRUST-literal-in-config-8642';
const DOTENV_KEY = 'sk-TRUST-from-dotenv-13579';
const CFG = '[gateway]\nbind = "127.0.0.1:0"\n'
  + `[providers.lit]\napi = "openai"\nbase_url = "http://127.0.0.1:9/v1"\nkeys = ["${LITERAL}"]\n`;

/** Run `warden ARGS` with exactly `env` (plus PATH); bounded. → { code, out }. */
async function run(args, env, cwd) {
  assert.ok(BIN, 'WARDEN_BIN is not set');
  const child = spawn(BIN, args, {
    cwd: cwd ?? os.tmpdir(),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const [code, signal] = await new Promise((resolve) => child.once('close', (c, s) => resolve([c, s])));
  clearTimeout(timer);
  assert.equal(signal, null, `warden ${args.join(' ')} was killed (${signal}):\n${out}`);
  return { code, out };
}

/** A fresh HOME (0700) and its WARDEN_HOME path (not created). */
function freshHome() {
  const home = tmpDir('warden-trust-home-');
  return { home, wardenHome: path.join(home, '.warden') };
}

/** A config file with `mode`, in a private directory of its own. */
const configFile = (mode, text = CFG) => writeFile(path.join(tmpDir('warden-trust-cfg-'), 'warden.toml'), text, mode);

function assertInsecure(r, file, fix = `chmod go-w ${file}`) {
  assert.notEqual(r.code, 0, r.out);
  assert.match(r.out, /FILE_INSECURE/, r.out);
  assert.ok(r.out.includes(file), `the message should name ${file}:\n${r.out}`);
  assert.ok(r.out.includes(fix), `the message should name the fix "${fix}":\n${r.out}`);
  for (const v of [LITERAL, DOTENV_KEY, GW]) assert.ok(!r.out.includes(v), `a value leaked:\n${r.out}`);
}

describe('the warden home without HOME', () => {
  test('HOME and WARDEN_HOME unset: the passwd entry\'s home is used, never /tmp/.warden', async (t) => {
    let passwdHome = '';
    try {
      passwdHome = os.userInfo().homedir; // getpwuid_r, not $HOME
    } catch { /* no passwd entry */ }
    if (!passwdHome.startsWith('/')) {
      t.skip('the current uid has no passwd entry with a home');
      return;
    }
    // A read-only verb with its own config and an empty WARDEN_GATEWAY_TOKEN (set, so that a real
    // .env cannot supply one; empty, so that it does not count): the token lookup reaches the
    // home, and `status` names the file it looked for. Nothing is written there.
    const r = await run(['status', '--config', configFile(0o600)], { WARDEN_GATEWAY_TOKEN: '' });
    const expected = path.join(passwdHome, '.warden');
    assert.ok(r.out.includes(expected), `expected the passwd home ${expected} in:\n${r.out}`);
    assert.ok(!r.out.includes('/tmp/.warden'), r.out);
  });
});

describe('config files', () => {
  for (const mode of [0o664, 0o666, 0o620, 0o602]) {
    test(`serve refuses a --config with mode ${mode.toString(8)}: FILE_INSECURE, chmod go-w, no value`, async () => {
      const file = configFile(mode);
      let err;
      try {
        const w = await startWarden({ config: null, args: ['--config', file], env: { WARDEN_GATEWAY_TOKEN: GW } });
        await w.stop();
      } catch (e) {
        err = e;
      }
      assert.ok(err, `warden started with a config of mode ${mode.toString(8)}`);
      assertInsecure({ code: err.exit?.code, out: err.output }, file);
    });
  }

  test('a config readable by others but writable only by its owner (0644) is fine', async () => {
    const { home, wardenHome } = freshHome();
    const file = configFile(0o644);
    const r = await run(['status', '--json', '--config', file], { HOME: home, WARDEN_HOME: wardenHome, WARDEN_GATEWAY_TOKEN: GW });
    assert.equal(r.code, 0, r.out);
    assert.equal(JSON.parse(r.out).config, file);
  });

  test('$WARDEN_CONFIG and $WARDEN_HOME/warden.toml get the same check', async () => {
    const { home, wardenHome } = freshHome();
    const viaEnv = configFile(0o666);
    const r1 = await run(['status', '--json'], { HOME: home, WARDEN_HOME: wardenHome, WARDEN_CONFIG: viaEnv, WARDEN_GATEWAY_TOKEN: GW });
    assertInsecure(r1, viaEnv);
    assert.equal(JSON.parse(r1.out).error.code, 'FILE_INSECURE', r1.out);

    const inHome = writeFile(path.join(wardenHome, 'warden.toml'), CFG, 0o664);
    const r2 = await run(['status', '--json'], { HOME: home, WARDEN_HOME: wardenHome, WARDEN_GATEWAY_TOKEN: GW });
    assertInsecure(r2, inHome);
  });

  test('every verb that loads the config applies the check (status, token, secrets audit)', async () => {
    const { home, wardenHome } = freshHome();
    const file = configFile(0o664);
    for (const verb of [['status'], ['token'], ['secrets', 'audit', '--check']]) {
      const r = await run([...verb, '--config', file], { HOME: home, WARDEN_HOME: wardenHome, WARDEN_GATEWAY_TOKEN: GW });
      assertInsecure(r, file);
    }
  });

  test('a config owned by another user is refused, naming chown', { skip: process.getuid?.() !== 0 && 'needs root to give a file away' }, async () => {
    const { home, wardenHome } = freshHome();
    const file = configFile(0o644);
    fs.chownSync(file, 65534, 65534);
    const r = await run(['status', '--config', file], { HOME: home, WARDEN_HOME: wardenHome, WARDEN_GATEWAY_TOKEN: GW });
    assertInsecure(r, file, `chown ${process.getuid()} ${file}`);
    assert.match(r.out, /owned by uid 65534/);
  });
});

describe('$WARDEN_HOME/.env and the home itself', () => {
  test('a .env others can write → serve refuses to start, naming the file, not its values', async () => {
    const { home, wardenHome } = freshHome();
    const dotenv = writeFile(path.join(wardenHome, '.env'), `MOCK_API_KEY=${DOTENV_KEY}\n`, 0o664);
    let err;
    try {
      const w = await startWarden({ config: CFG, home, env: { WARDEN_GATEWAY_TOKEN: GW } });
      await w.stop();
    } catch (e) {
      err = e;
    }
    assert.ok(err, 'warden started with a group-writable .env');
    assertInsecure({ code: err.exit?.code, out: err.output }, dotenv);
  });

  test('a home others can write → refused; no token is generated in it', async () => {
    const { home, wardenHome } = freshHome();
    fs.mkdirSync(wardenHome, { mode: 0o700 });
    fs.chmodSync(wardenHome, 0o777);
    let err;
    try {
      const w = await startWarden({ config: null, args: ['--bind', '127.0.0.1:0'], home });
      await w.stop();
    } catch (e) {
      err = e;
    }
    assert.ok(err, 'warden started with a world-writable home');
    assertInsecure({ code: err.exit?.code, out: err.output }, wardenHome);
    assert.match(err.output, /warden home/);
    assert.ok(!fs.existsSync(path.join(wardenHome, 'gateway.token')), 'a token was written into an insecure home');
  });

  test('a home that is not there yet is created 0700 as before', async () => {
    const { home, wardenHome } = freshHome();
    const w = await startWarden({ config: null, args: ['--bind', '127.0.0.1:0'], home });
    try {
      assert.equal(fs.statSync(wardenHome).mode & 0o777, 0o700);
    } finally {
      await w.stop();
    }
  });
});
