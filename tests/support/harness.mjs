// Helpers for warden's node:test integration tests. Node built-ins only.
//
//   import { startMock, startWarden, request, rawRequest, tmpDir } from '../support/harness.mjs';
//
// Every wait has a timeout (default 10 s) so a test can never hang forever, and every child
// process is killed (and every tmpDir removed) when the test process exits.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const LISTEN_RE = /listening on (?:https?:\/\/)?(\[?[0-9a-f.:]+\]?):(\d+)/;

const sourceDir = () => process.env.WARDEN_SOURCE_DIR ?? process.cwd();

// ---------------------------------------------------------------------------------------------
// Cleanup on exit
const children = new Set();
const tmpDirs = new Set();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of children) {
      try { c.kill('SIGKILL'); } catch { /* already gone */ }
    }
    for (const d of tmpDirs) {
      try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ }
    }
  });
}

function track(child) {
  installExitHook();
  children.add(child);
  child.once('exit', () => children.delete(child));
}

// ---------------------------------------------------------------------------------------------
// Sanitizers: a sanitizer build of warden reports a race, a leak or undefined behaviour on its
// stderr, and may carry on running (UBSan's and TSan's default) or report only at exit (LSan).
// Every warden a test starts gets the runner's *SAN_OPTIONS, and every line it printed is scanned
// when the test file ends: a report fails the file (exit code 1) even if each test passed.
const SANITIZER_ENV = ['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'TSAN_OPTIONS', 'LSAN_OPTIONS'];
const SANITIZER_REPORT =
  /^(==\d+==ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer|SUMMARY: (Address|Thread|UndefinedBehavior|Leak)Sanitizer|.*: runtime error: )/m;
const sanitizedOutputs = [];
let sanitizerHookInstalled = false;

/** The sanitizer settings of this test run, to add to a spawned warden's environment. */
export function sanitizerEnv() {
  const env = {};
  for (const k of SANITIZER_ENV) if (process.env[k] !== undefined) env[k] = process.env[k];
  return env;
}

/** Scan `output()` (a function returning everything the process printed) when this file ends. */
export function checkSanitizerOutput(label, output) {
  sanitizedOutputs.push({ label, output });
  if (sanitizerHookInstalled) return;
  sanitizerHookInstalled = true;
  process.on('exit', () => {
    for (const { label: l, output: out } of sanitizedOutputs) {
      const text = out();
      const m = SANITIZER_REPORT.exec(text);
      if (!m) continue;
      const from = Math.max(0, m.index - 200);
      process.stderr.write(`\nsanitizer report from ${l}:\n${text.slice(from, from + 6000)}\n`);
      process.exitCode = 1;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Files

/** A loopback port nothing listens on now (for a config that names a port it does not bind yet). */
export async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** mkdtemp under the OS tmpdir; removed when the process exits. */
export function tmpDir(prefix = 'warden-test-') {
  installExitHook();
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.add(d);
  return d;
}

/** Write text (creating parent dirs 0700); mode defaults to 0600. Returns the path. */
export function writeFile(file, text, mode = 0o600) {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode); // writeFileSync's mode only applies on creation and is umask-filtered
  return file;
}

// ---------------------------------------------------------------------------------------------
// Process plumbing

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, reject) => { t = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), ms); }),
  ]).finally(() => clearTimeout(t));
}

// Collects a child's output; lets callers wait for a regex; tracks exit.
function watch(child) {
  let out = '';
  const waiters = new Set();
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });
  // 'exit' can fire before stdio is drained; re-check waiters after 'close' as well.
  let isClosed = false;
  const closed = new Promise((resolve) => child.once('close', () => { isClosed = true; resolve(); }));
  const check = () => {
    for (const w of waiters) {
      const m = w.re.exec(out);
      if (m) { waiters.delete(w); w.resolve(m); }
    }
  };
  const onData = (d) => { out += d.toString('utf8'); check(); };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  closed.then(() => {
    check();
    for (const w of waiters) {
      waiters.delete(w);
      w.reject(Object.assign(new Error(`process exited (${JSON.stringify(exitInfo)}) before output matched ${w.re}\n--- output ---\n${out}`), { output: out, exit: exitInfo }));
    }
  });
  return {
    output: () => out,
    exited,
    closed,
    exitInfo: () => exitInfo,
    waitFor(re, timeoutMs = DEFAULT_TIMEOUT_MS) {
      const m = re.exec(out);
      if (m) return Promise.resolve(m);
      if (isClosed) {
        return Promise.reject(Object.assign(new Error(`process already exited before output matched ${re}\n--- output ---\n${out}`), { output: out }));
      }
      let w;
      const p = new Promise((resolve, reject) => { w = { re, resolve, reject }; waiters.add(w); });
      return withTimeout(p, timeoutMs, `waiting for ${re}\n--- output so far ---\n${out}`).finally(() => waiters.delete(w));
    },
  };
}

async function stopChild(child, w, signal, timeoutMs) {
  if (w.exitInfo()) { await w.closed; return w.exitInfo(); }
  try { child.kill(signal); } catch { /* gone */ }
  let t;
  const killer = new Promise((resolve) => {
    t = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } resolve(); }, timeoutMs);
  });
  await Promise.race([w.exited, killer]);
  const info = await w.exited;
  clearTimeout(t);
  await withTimeout(w.closed, 2000, 'stdio close').catch(() => {});
  return info;
}

// ---------------------------------------------------------------------------------------------
// Mock upstream

/**
 * Spawn tools/mock-upstream.mjs.
 * opts: { keys?: object, args?: string[], timeoutMs?: number, record?: boolean }
 * Returns { url, port, requests(), clearRequests(), setKeys(obj), reset(), stats(), waitStats(field, min, ms),
 *           output(), stop(), process }.
 */
export async function startMock(opts = {}) {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let script = path.resolve(sourceDir(), 'tools/mock-upstream.mjs');
  // Fall back to the copy beside this harness (tests/support/../../tools) when cwd is elsewhere.
  if (!fs.existsSync(script)) script = fileURLToPath(new URL('../../tools/mock-upstream.mjs', import.meta.url));
  const args = [script, '--port', '0', '--parent-watch'];
  if (opts.keys) args.push('--keys', JSON.stringify(opts.keys));
  if (opts.record === false) args.push('--no-record');
  if (opts.args) args.push(...opts.args);
  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  track(child);
  const w = watch(child);
  let m;
  try {
    m = await w.waitFor(/mock-upstream listening on (\[?[0-9a-f.:]+\]?):(\d+)/, timeoutMs);
  } catch (e) {
    try { child.kill('SIGKILL'); } catch { /* gone */ }
    throw new Error(`mock-upstream failed to start: ${e.message}`);
  }
  const port = Number(m[2]);
  const url = `http://${m[1]}:${port}`;
  const control = async (method, p, body) => {
    const r = await fetch(url + p, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await r.text();
    if (r.status !== 200) throw new Error(`mock control ${method} ${p} -> ${r.status}: ${text}`);
    return JSON.parse(text);
  };
  return {
    url,
    port,
    process: child,
    output: w.output,
    /** The recorded upstream requests: [{seq,time,method,path,url,headers,rawHeaders,body,credential}]. */
    requests: () => control('GET', '/__mock/requests'),
    clearRequests: () => control('DELETE', '/__mock/requests'),
    /** Replace the key -> behaviour map. */
    setKeys: (obj) => control('POST', '/__mock/keys', obj ?? {}),
    /** Clear both the key map and the request log. */
    reset: () => control('POST', '/__mock/reset'),
    /** Connection outcomes of API requests so far: {started, finished, aborted, active}. */
    stats: () => control('GET', '/__mock/stats'),
    /**
     * Resolve with the stats once stats[field] >= min (field: started|finished|aborted|active);
     * rejects after ms. The mock answers the long-poll when the event happens (no polling).
     */
    waitStats: async (field, min, ms = timeoutMs) => {
      const r = await fetch(`${url}/__mock/stats?wait=${field}>=${min}&timeout_ms=${ms}`, {
        signal: AbortSignal.timeout(ms + 2000),
      });
      const st = JSON.parse(await r.text());
      if (st.timed_out) throw new Error(`timeout after ${ms} ms waiting for mock stats ${field} >= ${min}: ${JSON.stringify(st)}`);
      return st;
    },
    stop: (signal = 'SIGTERM') => stopChild(child, w, signal, timeoutMs),
  };
}

// ---------------------------------------------------------------------------------------------
// warden

/**
 * Spawn $WARDEN_BIN serve --config <tmpfile> [args].
 * opts: {
 *   config?: string       TOML text (use bind = "127.0.0.1:0"); null = pass no --config
 *   env?: object          extra environment (a value of undefined removes the variable)
 *   args?: string[]       extra args after `serve --config FILE`
 *   home?: string         HOME (default: a fresh tmpDir); WARDEN_HOME = home/.warden
 *   bin?: string          default process.env.WARDEN_BIN
 *   cwd?: string          default home
 *   timeoutMs?: number    default 10 s (start and stop)
 *   waitForListen?: bool  default true; false = return as soon as the process is spawned
 * }
 * Returns { url, port, home, wardenHome, configPath, output(), waitForOutput(re, ms), stop(signal), exited, process }.
 */
export async function startWarden(opts = {}) {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const bin = opts.bin ?? process.env.WARDEN_BIN;
  if (!bin) throw new Error('WARDEN_BIN is not set (path to the warden binary)');
  const home = opts.home ?? tmpDir('warden-home-');
  const wardenHome = path.join(home, '.warden');
  const args = ['serve'];
  let configPath = null;
  if (opts.config !== null && opts.config !== undefined) {
    configPath = writeFile(path.join(tmpDir('warden-cfg-'), 'warden.toml'), opts.config, 0o600);
    args.push('--config', configPath);
  }
  if (opts.args) args.push(...opts.args);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, WARDEN_HOME: wardenHome, ...sanitizerEnv() };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined || v === null) delete env[k];
    else env[k] = String(v);
  }
  const child = spawn(bin, args, { cwd: opts.cwd ?? home, env, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  const w = watch(child);
  checkSanitizerOutput(`warden ${args.join(' ')}`, w.output);
  const spawnError = new Promise((_, reject) => child.once('error', (e) => reject(new Error(`cannot spawn ${bin}: ${e.message}`))));
  spawnError.catch(() => {});

  const handle = {
    home,
    wardenHome,
    configPath,
    process: child,
    exited: w.exited,
    output: w.output,
    waitForOutput: (re, ms = timeoutMs) => w.waitFor(re, ms),
    stop: (signal = 'SIGTERM') => stopChild(child, w, signal, timeoutMs),
    url: null,
    port: null,
  };
  if (opts.waitForListen === false) return handle;

  let m;
  try {
    m = await Promise.race([w.waitFor(LISTEN_RE, timeoutMs), spawnError]);
  } catch (e) {
    try { child.kill('SIGKILL'); } catch { /* gone */ }
    await withTimeout(w.closed, 2000, 'stdio close').catch(() => {});
    const err = new Error(`warden failed to start: ${e.message.split('\n')[0]}\n--- output ---\n${w.output()}`);
    err.output = w.output();
    err.exit = w.exitInfo();
    throw err;
  }
  const https = /listening on https:\/\//.test(m[0]);
  handle.port = Number(m[2]);
  handle.url = `${https ? 'https' : 'http'}://${m[1]}:${handle.port}`;
  return handle;
}

// ---------------------------------------------------------------------------------------------
// HTTP

/**
 * fetch wrapper. body: string | Buffer | Uint8Array | object (JSON-encoded, sets content-type).
 * Returns { status, headers (Headers), text, json() }.
 */
export async function request(url, { method, headers = {}, body, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  let b = body;
  const h = { ...headers };
  if (b !== undefined && b !== null && typeof b !== 'string' && !(b instanceof Uint8Array) && !(b instanceof ArrayBuffer)) {
    b = JSON.stringify(b);
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json';
  }
  const r = await fetch(url, {
    method: method ?? (b === undefined || b === null ? 'GET' : 'POST'),
    headers: h,
    body: b ?? undefined,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await r.text();
  let parsed;
  return {
    status: r.status,
    headers: r.headers,
    text,
    json() {
      if (parsed === undefined) parsed = JSON.parse(text);
      return parsed;
    },
  };
}

/** Parse an SSE body into [{event, data}] (event is null when absent; data lines joined with \n). */
export function parseSSE(text) {
  const events = [];
  for (const block of text.replace(/\r\n?/g, '\n').split('\n\n')) {
    if (!block.trim()) continue;
    let event = null;
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      let value = i < 0 ? '' : line.slice(i + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (event !== null || data.length) events.push({ event, data: data.join('\n') });
  }
  return events;
}

// ---------------------------------------------------------------------------------------------
// Raw TCP

/** Connect to 127.0.0.1:port (or opts.host); resolves with the connected net.Socket. */
export function openSocket(port, { host = '127.0.0.1', timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  return withTimeout(new Promise((resolve, reject) => {
    const s = net.connect({ port, host });
    s.once('connect', () => { s.off('error', reject); resolve(s); });
    s.once('error', reject);
  }), timeoutMs, `connect to ${host}:${port}`);
}

/**
 * Like rawRequest but returns { data, closed, timedOut, error }:
 * closed = the server closed the connection; timedOut = we gave up after timeoutMs.
 * bytes: string | Buffer | array of (string | Buffer | number); a number in the array pauses
 * that many ms between writes (slow-client tests). halfClose: end our side after writing.
 */
export async function rawExchange(port, bytes, { timeoutMs = 5000, host = '127.0.0.1', halfClose = false } = {}) {
  const s = await openSocket(port, { host, timeoutMs });
  const got = [];
  let error = null;
  let closed = false;
  let timedOut = false;
  const done = new Promise((resolve) => {
    s.on('data', (d) => got.push(d));
    s.on('error', (e) => { error = e; });
    s.once('close', () => { closed = !timedOut; resolve(); });
  });
  const t = setTimeout(() => { timedOut = true; s.destroy(); }, timeoutMs);
  (async () => {
    const parts = Array.isArray(bytes) ? bytes : [bytes];
    for (const p of parts) {
      if (s.destroyed) return;
      if (typeof p === 'number') await new Promise((r) => setTimeout(r, p));
      else s.write(p);
    }
    if (halfClose && !s.destroyed) s.end();
  })().catch(() => {});
  await done;
  clearTimeout(t);
  return { data: Buffer.concat(got).toString('latin1'), closed, timedOut, error };
}

/** Write raw bytes to 127.0.0.1:port, collect everything until the server closes or timeout; returns the string. */
export async function rawRequest(port, bytes, opts = {}) {
  return (await rawExchange(port, bytes, opts)).data;
}

/** Read from a socket until the collected text matches re (resolves with the text) or timeout. */
export function readUntil(socket, re, timeoutMs = DEFAULT_TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d) => {
      buf += d.toString('latin1');
      if (re.test(buf)) { cleanup(); resolve(buf); }
    };
    const onClose = () => { cleanup(); re.test(buf) ? resolve(buf) : reject(Object.assign(new Error(`socket closed before ${re} matched; got: ${JSON.stringify(buf)}`), { data: buf })); };
    const cleanup = () => { clearTimeout(t); socket.off('data', onData); socket.off('close', onClose); };
    const t = setTimeout(() => { cleanup(); reject(Object.assign(new Error(`timeout after ${timeoutMs} ms reading until ${re}; got: ${JSON.stringify(buf)}`), { data: buf })); }, timeoutMs);
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
