// Running the real `warden` binary as a CLI verb: a temp home, a minimal environment, optional
// stdin and config, bounded time. Used by tests/integration/profiles.test.mjs and
// secret_leak.test.mjs (the CLI verbs' leak check).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { checkSanitizerOutput, sanitizerEnv, tmpDir, writeFile } from './harness.mjs';

/**
 * The minimal environment a CLI verb runs with: PATH, HOME=home, WARDEN_HOME=home/.warden, the
 * run's sanitizer options, then `env` (a value of undefined removes a variable).
 */
export function cliEnv(home, env = {}) {
  const e = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, WARDEN_HOME: path.join(home, '.warden'), ...sanitizerEnv() };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete e[k];
    else e[k] = v;
  }
  return e;
}

/**
 * Run `warden ARGS` with env = PATH, HOME, WARDEN_HOME (HOME/.warden) + `env` (undefined
 * deletes a variable). `stdin` is written then closed (default: closed at once). `configText`
 * adds `--config FILE`. Bounded (10 s). → { code, stdout, stderr, out (both), home, wardenHome }.
 */
export async function runCli(args, { env = {}, home, stdin = '', configText } = {}) {
  const BIN = process.env.WARDEN_BIN;
  assert.ok(BIN, 'WARDEN_BIN is not set');
  const h = home ?? tmpDir('warden-cli-home-');
  const full = [...args];
  if (configText !== undefined) {
    full.push('--config', writeFile(path.join(tmpDir('warden-cli-cfg-'), 'warden.toml'), configText, 0o600));
  }
  const wardenHome = path.join(h, '.warden');
  const e = cliEnv(h, env);
  const child = spawn(BIN, full, { cwd: h, env: e, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  child.stdin.on('error', () => {}); // the verb may exit before reading stdin
  child.stdin.end(stdin);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const [code, signal] = await new Promise((resolve) => child.once('close', (c, s) => resolve([c, s])));
  clearTimeout(timer);
  checkSanitizerOutput(`warden ${full.join(' ')}`, () => stdout + stderr);
  assert.equal(signal, null, `warden ${full.join(' ')} was killed (${signal}); output:\n${stdout}${stderr}`);
  return { code, stdout, stderr, out: stdout + stderr, home: h, wardenHome };
}

/** An unsigned JWT with these claims (enough for warden to read `exp`). */
export function fakeJwt(claims) {
  const b64u = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64u({ alg: 'none' })}.${b64u(claims)}.c2ln`;
}

/**
 * Start `warden ARGS` and keep it running (stdin open) for interactive verbs such as
 * `auth login`. Same environment as runCli. → { child, out(), waitFor(re, ms), write(text),
 * done: Promise<{code, signal, stdout, stderr, out}> }.
 */
export function startCli(args, { env = {}, home, configFile } = {}) {
  const BIN = process.env.WARDEN_BIN;
  assert.ok(BIN, 'WARDEN_BIN is not set');
  const h = home ?? tmpDir('warden-cli-home-');
  const full = [...args];
  if (configFile !== undefined) full.push('--config', configFile);
  const e = cliEnv(h, env);
  const child = spawn(BIN, full, { cwd: h, env: e, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = (stdout + stderr).match(w.re);
      if (m) { waiters.splice(waiters.indexOf(w), 1); clearTimeout(w.timer); w.resolve(m); }
    }
  };
  child.stdout.on('data', (d) => { stdout += d; check(); });
  child.stderr.on('data', (d) => { stderr += d; check(); });
  child.stdin.on('error', () => {});
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const done = new Promise((resolve) => child.once('close', (code, signal) => {
    clearTimeout(killer);
    checkSanitizerOutput(`warden ${full.join(' ')}`, () => stdout + stderr);
    resolve({ code, signal, stdout, stderr, out: stdout + stderr });
  }));
  return {
    child,
    done,
    out: () => stdout + stderr,
    write: (text) => child.stdin.write(text),
    waitFor: (re, ms = 10_000) => new Promise((resolve, reject) => {
      const w = { re, resolve, timer: setTimeout(() => reject(new Error(`timed out waiting for ${re}; output:\n${stdout}${stderr}`)), ms) };
      waiters.push(w);
      check();
    }),
  };
}
