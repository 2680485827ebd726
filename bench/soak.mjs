#!/usr/bin/env node
// Soak: SOAK_SECONDS of mixed traffic through warden against the mock upstream, then a verdict
// on failures and on resource growth. Node built-ins only (plus the test harness helpers).
//
//   WARDEN_BIN=build/release/warden node bench/soak.mjs      (bench/soak.sh is the usual entry)
//
// Starts tools/mock-upstream.mjs and `warden serve` itself, both on 127.0.0.1 ephemeral ports,
// with a config holding an OpenAI provider `oai` (key pool: its first key gets a 429 with
// Retry-After: 1 from the mock, so warden rotates to the next key about once a second), an
// Anthropic provider `claude`, and max_connections_per_client = 1024 (all traffic comes from
// 127.0.0.1). SOAK_CLIENTS virtual clients, each with its own keep-alive connection, loop over a
// weighted mix of request kinds (KINDS below: chats and streams on both wires, streams cancelled
// mid-way or before the response, slow request bodies, slow stream readers, wrong/missing tokens,
// bad JSON, unknown providers, upstream 4xx passed through, /v1/models), while a reloader
// replaces the config every SOAK_RELOAD_S seconds (by rename, with the good keys swapped and an
// extra provider toggled) or sends SIGHUP, and checks every reload is applied.
//
// Every outcome is classified: ok (2xx with the right body), refused (the documented 4xx of a
// deliberately bad request), cancelled (the client aborted on purpose), or unexpected (anything
// else: 5xx, a socket error or timeout on a request we did not cancel, a stream without its final
// event, a wrong body, a failed reload, warden dying, warden not exiting 0 on SIGTERM, upstream
// requests left open at the end).
//
// Resources: warden's VmRSS and open descriptors (/proc/PID/fd, with its TCP sockets split into
// listen / client / upstream) are sampled at start, every SOAK_SAMPLE_S seconds and at the end.
// The start and end samples are taken in the same idle state: load stopped, client connections
// closed, and the upstream pool flushed (warden closes an idle pooled connection older than
// pool_idle_timeout only when it next takes one from the pool, so after waiting that long a
// few requests on fresh connections leave about one pooled connection per event loop).
// "LEAK?" when RSS end > start + max(10 MiB, 20 %) or descriptors end > start + 8.
//
// Output: progress lines on stderr, a human report and one `SOAK_JSON {...}` line on stdout.
// Exit 0: no unexpected outcome and no growth. 1: unexpected outcomes, growth, or the hard
// deadline (SOAK_SECONDS + 60 s, after which everything is killed). 2: setup failed.
//
// Environment (defaults in brackets):
//   WARDEN_BIN (required)   SOAK_SECONDS [600]   SOAK_CLIENTS [16]   SOAK_RELOAD_S [3]
//   SOAK_SAMPLE_S [10]   SOAK_WARMUP_S [3]   SOAK_REQUEST_TIMEOUT_MS [15000]   SOAK_SEED [random]
//   KEEP_TMP [0]: keep the temp dir (config, warden.log); it is also kept when the run fails.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { startMock, parseSSE, LISTEN_RE } from '../tests/support/harness.mjs';
import { parseResponse } from '../tests/support/fixtures.mjs';

const T0 = Date.now();
const env = process.env;

// ---------------------------------------------------------------------------------------------
// Settings
function setupFail(msg) {
  process.stderr.write(`soak: setup failed: ${msg}\n`);
  cleanupAndExit(2);
}
function intEnv(name, dflt, min, max) {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) setupFail(`${name} must be an integer in ${min}..${max} (got '${v}')`);
  return n;
}

const SECONDS = intEnv('SOAK_SECONDS', 600, 1, 7 * 86400);
const CLIENTS = intEnv('SOAK_CLIENTS', 16, 1, 256);
const RELOAD_S = intEnv('SOAK_RELOAD_S', 3, 1, 3600);
const SAMPLE_S = intEnv('SOAK_SAMPLE_S', 10, 1, 3600);
const WARMUP_S = intEnv('SOAK_WARMUP_S', 3, 1, 600);
const REQ_TIMEOUT_MS = intEnv('SOAK_REQUEST_TIMEOUT_MS', 15000, 1000, 120000);
const SEED = intEnv('SOAK_SEED', Math.floor(Math.random() * 2 ** 31), 0, 2 ** 31 - 1);
const KEEP_TMP = env.KEEP_TMP === '1';
const HARD_DEADLINE_MS = (SECONDS + 60) * 1000;

const TOKEN = 'soak-gateway-token-7f3a9c';
const CLAUDE_KEY = 'sk-soak-claude';
const KEY_LIMITED = 'sk-soak-limited';
const KEY_GOOD = ['sk-soak-good-1', 'sk-soak-good-2'];
const POOL_IDLE_MS = 2000;     // gateway.upstream.pool_idle_timeout in the soak config
const BODY_TIMEOUT_S = 10;     // gateway.body_timeout: slow bodies stay well below it
const FLUSH_REQUESTS = 16;     // fresh connections before an idle sample: reach every event loop
const RSS_SLACK_KIB = 10 * 1024;
const RSS_SLACK_RATIO = 0.2;
const FD_SLACK = 8;

// ---------------------------------------------------------------------------------------------
// Process management: everything started here dies with this process.
let tmp = null;
let warden = null;          // { child, pid, port, url, log }
let mock = null;
let exiting = false;
let failedRun = false;      // keep the temp dir
function cleanupAndExit(code) {
  if (exiting) return;
  exiting = true;
  try { warden?.child.kill('SIGKILL'); } catch { /* gone */ }
  if (tmp) {
    if (KEEP_TMP || code !== 0 || failedRun) process.stderr.write(`soak: kept ${tmp} (config, warden.log)\n`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  process.exit(code); // the harness's exit hook SIGKILLs the mock
}
process.on('SIGINT', () => { process.stderr.write('soak: interrupted\n'); cleanupAndExit(130); });
process.on('SIGTERM', () => { process.stderr.write('soak: terminated\n'); cleanupAndExit(143); });
process.on('exit', () => { try { warden?.child.kill('SIGKILL'); } catch { /* gone */ } });

const hardDeadline = setTimeout(() => {
  process.stderr.write(`soak: hard deadline of ${SECONDS + 60} s reached: killing everything\n`);
  failedRun = true;
  try { report({ hardDeadline: true }); } catch (e) { process.stderr.write(`soak: report failed: ${e.stack}\n`); }
  cleanupAndExit(1);
}, HARD_DEADLINE_MS);

const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const note = (msg) => process.stderr.write(`# ${msg}\n`);
const snip = (s, n = 200) => JSON.stringify(String(s ?? '').slice(0, n));
const now = () => Date.now();
// Same format as warden's log timestamps (local time, ms), to find its lines around a failure.
function stamp(ms) {
  const d = new Date(ms);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

// Seeded PRNG (mulberry32) so a run's mix can be replayed with SOAK_SEED.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------
// Outcomes
const tally = new Map();    // kind -> { n, ok, refused, cancelled, unexpected }
const unexpected = [];      // first details, for the report
const MAX_DETAILS = 50;
let unexpectedTotal = 0;
const unexpectedBySig = new Map(); // "kind: reason" (digits folded) -> count
let stopping = false;       // set when warden dies: every loop ends early
const NOT_REQUESTS = new Set(['reload', 'warden', 'upstream']); // outcomes that are not client requests

function count(kind, outcome) {
  let t = tally.get(kind);
  if (!t) { t = { n: 0, ok: 0, refused: 0, cancelled: 0, unexpected: 0 }; tally.set(kind, t); }
  t.n++;
  t[outcome]++;
}
function bad(kind, what, { start = now(), end = now(), extra } = {}) {
  unexpectedTotal++;
  const sig = `${kind}: ${what.replace(/"[^"]*"|\d+/g, '#').slice(0, 120)}`;
  unexpectedBySig.set(sig, (unexpectedBySig.get(sig) ?? 0) + 1);
  if (unexpected.length < MAX_DETAILS) {
    unexpected.push({ kind, what, start: stamp(start), end: stamp(end), start_ms: start, end_ms: end, t_s: +((start - T0) / 1000).toFixed(1), ...extra });
  }
  if (unexpectedTotal <= 5) note(`unexpected: ${kind}: ${what}`);
}
function judge(kind, r, problem, refusedExpected = false) {
  if (r.cancelled && !problem) return count(kind, 'cancelled');
  if (problem) {
    count(kind, 'unexpected');
    return bad(kind, problem, { start: r.start, end: r.end, extra: { reused_socket: r.reused ?? null } });
  }
  count(kind, refusedExpected ? 'refused' : 'ok');
}

// ---------------------------------------------------------------------------------------------
// HTTP client
// One request. Never rejects: resolves with { status, headers, text, error, cancelled, reused,
// start, end }. ctl.cancel() aborts it on purpose (counted as a cancellation, not an error);
// onData(ctl, res) sees every chunk (ctl.text so far).
function send(agent, { method = 'POST', path: p, headers = {}, body, timeoutMs = REQ_TIMEOUT_MS, onData, cancelAfterMs }) {
  return new Promise((resolve) => {
    const start = now();
    const h = { host: `127.0.0.1:${warden.port}`, ...headers };
    let payload;
    if (body !== undefined) {
      payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      h['content-type'] ??= 'application/json';
      h['content-length'] = payload.length;
    }
    const ctl = { text: '', bytes: 0, status: 0, headers: {}, cancelled: false, res: null, cancel: null };
    let done = false;
    let timer = null;
    let cancelTimer = null;
    const req = http.request({ host: '127.0.0.1', port: warden.port, method, path: p, headers: h, agent });
    const finish = (error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(cancelTimer);
      resolve({
        status: ctl.status, headers: ctl.headers, text: ctl.text, bytes: ctl.bytes, cancelled: ctl.cancelled,
        error: ctl.cancelled ? null : error, reused: req.reusedSocket, start, end: now(),
      });
    };
    ctl.cancel = () => {
      if (done) return;
      ctl.cancelled = true;
      req.destroy();
      finish(null);
    };
    timer = setTimeout(() => req.destroy(new Error(`no complete response within ${timeoutMs} ms`)), timeoutMs);
    if (cancelAfterMs !== undefined) cancelTimer = setTimeout(ctl.cancel, cancelAfterMs);
    req.on('error', (e) => finish(e));
    req.on('close', () => {
      if (ctl.res?.complete) finish(null);
      else finish(new Error(ctl.res ? `connection closed after ${ctl.bytes} body bytes, before the response ended` : 'connection closed before a response'));
    });
    req.on('response', (res) => {
      ctl.res = res;
      ctl.status = res.statusCode;
      ctl.headers = res.headers;
      res.setEncoding('utf8');
      res.on('data', (d) => {
        ctl.text += d;
        ctl.bytes += d.length;
        onData?.(ctl, res);
      });
      res.on('error', (e) => finish(e));
      res.on('end', () => finish(null));
    });
    req.end(payload);
  });
}
const errText = (r) => `${r.error.code ? `${r.error.code}: ` : ''}${r.error.message}${r.status ? ` (after HTTP ${r.status}, ${r.bytes} body bytes)` : ''}`;

// ---------------------------------------------------------------------------------------------
// Expected bodies
const textCache = new Map();
function expectedText(n) {
  let t = textCache.get(n);
  if (t === undefined) {
    t = Array.from({ length: n }, (_, i) => (i ? ` chunk${i}` : 'chunk0')).join('');
    textCache.set(n, t);
  }
  return t;
}
function parseJson(text) {
  try { return [JSON.parse(text), null]; } catch (e) { return [null, `body is not JSON (${e.message}): ${snip(text)}`]; }
}
function checkOpenAiChat(r, n) {
  if (r.error) return errText(r);
  if (r.status !== 200) return `HTTP ${r.status}: ${snip(r.text)}`;
  const [j, err] = parseJson(r.text);
  if (err) return err;
  if (j.object !== 'chat.completion' || j.model !== 'gpt-4o') return `wrong body: ${snip(r.text)}`;
  if (j.choices?.[0]?.message?.content !== expectedText(n)) return `wrong content: ${snip(j.choices?.[0]?.message?.content)}`;
  return null;
}
function checkAnthropicChat(r, n) {
  if (r.error) return errText(r);
  if (r.status !== 200) return `HTTP ${r.status}: ${snip(r.text)}`;
  const [j, err] = parseJson(r.text);
  if (err) return err;
  if (j.type !== 'message' || j.model !== 'claude-mock') return `wrong body: ${snip(r.text)}`;
  if (j.content?.[0]?.text !== expectedText(n)) return `wrong content: ${snip(j.content?.[0]?.text)}`;
  return null;
}
function checkOpenAiStream(r, n, includeUsage) {
  if (r.error) return errText(r);
  if (r.status !== 200) return `HTTP ${r.status}: ${snip(r.text)}`;
  if (!/^text\/event-stream/.test(r.headers['content-type'] ?? '')) return `content-type ${r.headers['content-type']}: ${snip(r.text)}`;
  const ev = parseSSE(r.text);
  if (ev.length === 0 || ev[ev.length - 1].data !== '[DONE]') {
    return `stream without its final [DONE] (${ev.length} events, ${r.bytes} bytes; ends ${snip(r.text.slice(-120))})`;
  }
  let content = '';
  let chunks = 0;
  let usage = false;
  let finish = null;
  for (const e of ev.slice(0, -1)) {
    const [j, err] = parseJson(e.data);
    if (err) return `event: ${err}`;
    if (j.object !== 'chat.completion.chunk' || j.model !== 'gpt-4o') return `wrong event: ${snip(e.data)}`;
    if (j.choices.length) {
      chunks++;
      content += j.choices[0].delta?.content ?? '';
      finish = j.choices[0].finish_reason;
    } else if (j.usage) usage = true;
  }
  if (chunks !== n || content !== expectedText(n) || finish !== 'stop') {
    return `wrong stream content: ${chunks}/${n} chunks, finish_reason ${finish}, content ${snip(content.slice(0, 80))}`;
  }
  if (includeUsage && !usage) return 'stream without its usage chunk';
  return null;
}
function checkAnthropicStream(r, n) {
  if (r.error) return errText(r);
  if (r.status !== 200) return `HTTP ${r.status}: ${snip(r.text)}`;
  if (!/^text\/event-stream/.test(r.headers['content-type'] ?? '')) return `content-type ${r.headers['content-type']}: ${snip(r.text)}`;
  const ev = parseSSE(r.text);
  if (ev.length === 0 || ev[ev.length - 1].event !== 'message_stop') {
    return `stream without its final message_stop (${ev.length} events, ${r.bytes} bytes; ends ${snip(r.text.slice(-120))})`;
  }
  let content = '';
  for (const e of ev) {
    const [j, err] = parseJson(e.data);
    if (err) return `event: ${err}`;
    if (j.type !== e.event) return `event name ${e.event} vs type ${j.type}`;
    if (j.type === 'content_block_delta') content += j.delta?.text ?? '';
    if (j.type === 'message_start' && j.message?.model !== 'claude-mock') return `wrong model: ${snip(e.data)}`;
  }
  if (content !== expectedText(n)) return `wrong stream content: ${snip(content.slice(0, 80))}`;
  return null;
}
// A deliberately bad request: the documented status, in the route's error shape, with this code.
function checkRefusal(r, status, { code, anthropicType } = {}) {
  if (r.error) return errText(r);
  if (r.status !== status) return `expected HTTP ${status}, got ${r.status}: ${snip(r.text)}`;
  const [j, err] = parseJson(r.text);
  if (err) return err;
  if (anthropicType !== undefined) {
    if (j.type !== 'error' || j.error?.type !== anthropicType) return `expected an Anthropic ${anthropicType} error: ${snip(r.text)}`;
    if (code !== undefined && j.error.code !== code) return `expected code ${code}: ${snip(r.text)}`;
  } else if (j.error?.code !== code) return `expected code ${code}: ${snip(r.text)}`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Request kinds: [name, weight, fn(client)]. client = { agent, rnd, pick(array) }.
const AUTH = { authorization: `Bearer ${TOKEN}` };
const ANTH = { 'x-api-key': TOKEN, 'anthropic-version': '2023-06-01' };
const messages = [{ role: 'user', content: 'soak' }];
const countEvents = (text) => text.split('\n\n').length - 1;

const KINDS = [
  // Non-streaming OpenAI chat on the rotating pool (every ~1 s one of these rotates keys).
  ['openai_chat', 14, async (c) => {
    const n = c.pick([1, 3, 8]);
    const r = await send(c.agent, { path: '/v1/chat/completions', headers: { ...AUTH, 'x-mock-chunks': n }, body: { model: 'oai/gpt-4o', messages } });
    judge('openai_chat', r, checkOpenAiChat(r, n));
  }],
  ['anthropic_chat', 8, async (c) => {
    const n = c.pick([1, 3, 8]);
    const r = await send(c.agent, { path: '/v1/messages', headers: { ...ANTH, 'x-mock-chunks': n }, body: { model: 'claude/claude-mock', max_tokens: 64, messages } });
    judge('anthropic_chat', r, checkAnthropicChat(r, n));
  }],
  // SSE read to the end; some with pauses between events, some with the usage chunk.
  ['openai_stream', 12, async (c) => {
    const n = c.pick([3, 16, 64]);
    const delay = c.pick([0, 0, 2, 10]);
    const usage = c.rnd() < 0.5;
    const r = await send(c.agent, {
      path: '/v1/chat/completions',
      headers: { ...AUTH, 'x-mock-chunks': n, 'x-mock-delay-ms': delay },
      body: { model: 'oai/gpt-4o', stream: true, ...(usage ? { stream_options: { include_usage: true } } : {}), messages },
    });
    judge('openai_stream', r, checkOpenAiStream(r, n, usage));
  }],
  ['anthropic_stream', 8, async (c) => {
    const n = c.pick([3, 16, 64]);
    const delay = c.pick([0, 0, 2, 10]);
    const r = await send(c.agent, {
      path: '/v1/messages',
      headers: { ...ANTH, 'x-mock-chunks': n, 'x-mock-delay-ms': delay },
      body: { model: 'claude/claude-mock', max_tokens: 64, stream: true, messages },
    });
    judge('anthropic_stream', r, checkAnthropicStream(r, n));
  }],
  // A stream the client abandons after a few events (warden must cancel the upstream request).
  ['stream_cancel', 8, async (c) => {
    const anthropic = c.rnd() < 0.4;
    const after = 1 + Math.floor(c.rnd() * 5);
    const n = 40;
    const onData = (ctl) => { if (ctl.status === 200 && countEvents(ctl.text) >= after) ctl.cancel(); };
    const r = anthropic
      ? await send(c.agent, { path: '/v1/messages', headers: { ...ANTH, 'x-mock-chunks': n, 'x-mock-delay-ms': 25 }, body: { model: 'claude/claude-mock', max_tokens: 64, stream: true, messages }, onData })
      : await send(c.agent, { path: '/v1/chat/completions', headers: { ...AUTH, 'x-mock-chunks': n, 'x-mock-delay-ms': 25 }, body: { model: 'oai/gpt-4o', stream: true, messages }, onData });
    let problem = null;
    if (!r.cancelled) problem = anthropic ? checkAnthropicStream(r, n) : checkOpenAiStream(r, n, false);
    else if (r.status !== 200) problem = `HTTP ${r.status} before the cancellation: ${snip(r.text)}`;
    judge('stream_cancel', r, problem);
  }],
  // The client gives up while the upstream is still thinking (before any response byte).
  ['cancel_before_response', 3, async (c) => {
    const stream = c.rnd() < 0.5;
    const r = await send(c.agent, {
      path: '/v1/chat/completions',
      headers: { ...AUTH, 'x-mock-first-byte-delay-ms': 600 },
      body: { model: 'oai/gpt-4o', stream, messages },
      cancelAfterMs: 50 + Math.floor(c.rnd() * 300),
    });
    let problem = null;
    if (!r.cancelled) problem = stream ? checkOpenAiStream(r, 3, false) : checkOpenAiChat(r, 3);
    else if (r.status !== 0 && r.status !== 200) problem = `HTTP ${r.status} before the cancellation: ${snip(r.text)}`;
    judge('cancel_before_response', r, problem);
  }],
  ['slow_body', 4, (c) => slowBody(c)],
  // A stream of ~1 MB read with pauses (backpressure through warden to the upstream).
  ['slow_reader', 2, async (c) => {
    const n = c.pick([2000, 4000]);
    let sincePause = 0;
    const onData = (ctl, res) => {
      sincePause += ctl.bytes - (ctl.seen ?? 0);
      ctl.seen = ctl.bytes;
      if (sincePause >= 32 * 1024) {
        sincePause = 0;
        res.pause();
        setTimeout(() => res.resume(), 20 + Math.floor(c.rnd() * 60));
      }
    };
    const r = await send(c.agent, { path: '/v1/chat/completions', headers: { ...AUTH, 'x-mock-chunks': n }, body: { model: 'oai/gpt-4o', stream: true, messages }, onData, timeoutMs: Math.max(REQ_TIMEOUT_MS, 30000) });
    judge('slow_reader', r, checkOpenAiStream(r, n, false));
  }],
  // Deliberately bad requests and their documented answers (loopback is exempt from the lockout).
  ['wrong_token', 4, async (c) => {
    if (c.rnd() < 0.5) {
      const r = await send(c.agent, { path: '/v1/chat/completions', headers: { authorization: 'Bearer not-the-token' }, body: { model: 'oai/gpt-4o', messages } });
      judge('wrong_token', r, checkRefusal(r, 401, { code: 'invalid_credentials' }), true);
    } else {
      const r = await send(c.agent, { path: '/v1/messages', headers: { ...ANTH, 'x-api-key': 'not-the-token' }, body: { model: 'claude/claude-mock', max_tokens: 8, messages } });
      judge('wrong_token', r, checkRefusal(r, 401, { anthropicType: 'authentication_error', code: 'invalid_credentials' }), true);
    }
  }],
  ['missing_token', 1, async (c) => {
    const r = await send(c.agent, { path: '/v1/chat/completions', body: { model: 'oai/gpt-4o', messages } });
    judge('missing_token', r, checkRefusal(r, 401, { code: 'missing_credentials' }), true);
  }],
  ['bad_json', 2, async (c) => {
    if (c.rnd() < 0.5) {
      const r = await send(c.agent, { path: '/v1/chat/completions', headers: AUTH, body: '{"model":"oai/gpt-4o",' });
      judge('bad_json', r, checkRefusal(r, 400, { code: 'invalid_json' }), true);
    } else {
      const r = await send(c.agent, { path: '/v1/messages', headers: ANTH, body: '{"model":"claude/claude-mock",' });
      judge('bad_json', r, checkRefusal(r, 400, { anthropicType: 'invalid_request_error', code: 'invalid_json' }), true);
    }
  }],
  ['unknown_provider', 2, async (c) => {
    const r = await send(c.agent, { path: '/v1/chat/completions', headers: AUTH, body: { model: 'nope/gpt-4o', messages } });
    judge('unknown_provider', r, checkRefusal(r, 400, { code: 'unknown_provider' }), true);
  }],
  // An upstream 4xx that is not a rate limit or an auth failure is passed through as is
  // (404 only: a 401/403/429 here would mark the good keys as failing or cooling).
  ['upstream_4xx', 2, async (c) => {
    const r = await send(c.agent, { path: '/v1/chat/completions', headers: { ...AUTH, 'x-mock-status': 404, 'x-mock-error': 'model_not_found' }, body: { model: 'oai/gpt-4o', messages } });
    judge('upstream_4xx', r, checkRefusal(r, 404, { code: 'model_not_found' }), true);
  }],
  ['models', 2, async (c) => {
    const r = await send(c.agent, { method: 'GET', path: '/v1/models', headers: AUTH });
    let problem = r.error ? errText(r) : r.status !== 200 ? `HTTP ${r.status}: ${snip(r.text)}` : null;
    if (!problem) {
      const [j, err] = parseJson(r.text);
      const ids = j?.data?.map((m) => m.id) ?? [];
      problem = err ?? (ids.includes('oai/*') && ids.includes('claude/*') ? null : `wrong model list: ${snip(r.text)}`);
    }
    judge('models', r, problem);
  }],
];
const TOTAL_WEIGHT = KINDS.reduce((s, k) => s + k[1], 0);

// A request whose header and body arrive in pieces with pauses (raw socket; total well below
// gateway.body_timeout), with Content-Length or chunked framing, Connection: close.
async function slowBody(c) {
  const start = now();
  const chunked = c.rnd() < 0.5;
  const n = c.pick([1, 3, 8]);
  const body = Buffer.from(JSON.stringify({ model: 'oai/gpt-4o', messages: [{ role: 'user', content: 'slow '.repeat(400) }] }));
  const head = ['POST /v1/chat/completions HTTP/1.1', `host: 127.0.0.1:${warden.port}`, `authorization: Bearer ${TOKEN}`,
    'content-type: application/json', `x-mock-chunks: ${n}`, 'connection: close',
    chunked ? 'transfer-encoding: chunked' : `content-length: ${body.length}`].join('\r\n') + '\r\n\r\n';
  const pieces = 3 + Math.floor(c.rnd() * 5);
  const parts = [head.slice(0, 40), 100, head.slice(40)];
  for (let i = 0; i < pieces; i++) {
    const p = body.subarray(Math.floor((i * body.length) / pieces), Math.floor(((i + 1) * body.length) / pieces));
    parts.push(100 + Math.floor(c.rnd() * 300));
    parts.push(chunked ? Buffer.concat([Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n')]) : p);
  }
  if (chunked) parts.push('0\r\n\r\n');
  const res = await new Promise((resolve) => {
    const got = [];
    let error = null;
    let timedOut = false;
    const s = net.connect({ host: '127.0.0.1', port: warden.port });
    const t = setTimeout(() => { timedOut = true; s.destroy(); }, REQ_TIMEOUT_MS);
    s.on('data', (d) => got.push(d));
    s.on('error', (e) => { error = e; });
    s.once('close', () => { clearTimeout(t); resolve({ data: Buffer.concat(got).toString('latin1'), error, timedOut }); });
    s.once('connect', async () => {
      for (const p of parts) {
        if (s.destroyed) return;
        if (typeof p === 'number') await sleep(p);
        else s.write(p);
      }
    });
  });
  const r = { start, end: now() };
  let problem = null;
  if (res.timedOut) problem = `no answer within ${REQ_TIMEOUT_MS} ms (got ${snip(res.data)})`;
  else {
    let parsed = null;
    try { parsed = parseResponse(res.data); } catch (e) { problem = `${res.error ? `${res.error.code}: ` : ''}unparsable response: ${e.message.split('\n')[0]}`; }
    if (parsed) {
      if (!parsed.complete) problem = `incomplete response (HTTP ${parsed.status}, ${parsed.body.length} body bytes)`;
      else problem = checkOpenAiChat({ status: parsed.status, text: parsed.body, error: null }, n);
    }
  }
  judge('slow_body', r, problem);
}

// ---------------------------------------------------------------------------------------------
// Virtual clients
function makeClient(i, phase) {
  const rnd = rng(SEED + i * 7919 + (phase === 'warmup' ? 104729 : 0));
  return {
    id: i,
    rnd,
    pick: (a) => a[Math.floor(rnd() * a.length)],
    agent: new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 }),
  };
}
async function clientLoop(c, until) {
  while (!stopping && now() < until) {
    let x = c.rnd() * TOTAL_WEIGHT;
    let k = KINDS[0];
    for (const kind of KINDS) { x -= kind[1]; if (x < 0) { k = kind; break; } }
    try {
      await k[2](c);
    } catch (e) {
      count(k[0], 'unexpected');
      bad(k[0], `soak client exception: ${e.stack?.split('\n').slice(0, 2).join(' ')}`);
    }
  }
}
async function runLoad(until, phase) {
  const clients = Array.from({ length: CLIENTS }, (_, i) => makeClient(i, phase));
  await Promise.all(clients.map((c) => clientLoop(c, until)));
  for (const c of clients) c.agent.destroy(); // close every idle keep-alive connection
}

// ---------------------------------------------------------------------------------------------
// warden control: config, reloads, /readyz, /metrics
let reloadsAttempted = { rename: 0, sighup: 0 };
let reloadsSeen = 0;
function configText({ swap = false, extra = false } = {}) {
  const keys = [KEY_LIMITED, ...(swap ? [...KEY_GOOD].reverse() : KEY_GOOD)];
  let t = `# written by bench/soak.mjs\n[gateway]\nbind = "127.0.0.1:0"\n`
    + '# all soak traffic comes from 127.0.0.1\nmax_connections_per_client = 1024\n'
    + `body_timeout = "${BODY_TIMEOUT_S}s"\nshutdown_grace = "3s"\n`
    + `[gateway.upstream]\npool_idle_timeout = "${POOL_IDLE_MS}ms"\n`
    + '[reload]\nwatch = true\n'
    + `[providers.oai]\napi = "openai"\nbase_url = "${mock.url}/v1"\nkeys = [${keys.map((k) => `"${k}"`).join(', ')}]\n`
    + `[providers.claude]\napi = "anthropic"\nbase_url = "${mock.url}/v1"\n`;
  if (extra) t += `[providers.extra]\napi = "openai"\nbase_url = "${mock.url}/v1"\nkeys = ["sk-soak-extra"]\n`;
  return t;
}
function replaceConfig(text) {
  const file = path.join(tmp, 'warden.toml');
  const t = path.join(tmp, `.warden.toml.${process.pid}.tmp`);
  fs.writeFileSync(t, text, { mode: 0o600 });
  fs.renameSync(t, file);
}
// GET on a fresh connection (agent: false), so control requests leave nothing open.
function controlGet(p, timeoutMs = 5000) {
  return send(false, { method: 'GET', path: p, headers: { ...AUTH, connection: 'close' }, timeoutMs });
}
async function readyz() {
  const r = await controlGet('/readyz');
  if (r.error || r.status !== 200) throw new Error(`GET /readyz: ${r.error ? errText(r) : `HTTP ${r.status} ${snip(r.text)}`}`);
  return JSON.parse(r.text);
}
async function metrics() {
  const r = await controlGet('/metrics');
  if (r.error || r.status !== 200) throw new Error(`GET /metrics: ${r.error ? errText(r) : `HTTP ${r.status}`}`);
  return r.text;
}
function metricValue(text, name, labels) {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || l.startsWith(`${name}${labels}\t`));
  return line ? Number(line.trim().split(/\s+/).pop()) : 0;
}

async function reloader(until) {
  let i = 0;
  while (!stopping && now() + RELOAD_S * 1000 < until) {
    await sleep(RELOAD_S * 1000);
    if (stopping) break;
    i++;
    const start = now();
    try {
      const before = await readyz();
      let how;
      if (i % 2 === 1) {
        // by rename: good keys swapped every other time, the extra provider toggled
        replaceConfig(configText({ swap: i % 4 === 1, extra: i % 8 < 4 }));
        reloadsAttempted.rename++;
        how = 'rename';
      } else {
        warden.child.kill('SIGHUP');
        reloadsAttempted.sighup++;
        how = 'SIGHUP';
      }
      const limit = now() + 10000;
      for (;;) {
        const j = await readyz();
        if ((j.reload?.failed ?? 0) > (before.reload?.failed ?? 0)) {
          count('reload', 'unexpected');
          bad('reload', `reload ${i} (${how}) failed: ${j.reload.last_error}`, { start });
          break;
        }
        if (j.generation > before.generation) {
          count('reload', 'ok');
          reloadsSeen++;
          break;
        }
        if (now() > limit) {
          count('reload', 'unexpected');
          bad('reload', `reload ${i} (${how}) not applied within 10 s (generation still ${j.generation})`, { start });
          break;
        }
        await sleep(50);
      }
    } catch (e) {
      count('reload', 'unexpected');
      bad('reload', `reload ${i}: ${e.message}`, { start });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Resources
function sample(label) {
  const pid = warden.pid;
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
  const threads = Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
  const fds = fs.readdirSync(`/proc/${pid}/fd`);
  const inodes = new Set();
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch { /* closed meanwhile */ }
  }
  const sockets = { listen: 0, client: 0, upstream: 0, upstream_close_wait: 0, other: 0 };
  for (const file of ['tcp', 'tcp6']) {
    let text = '';
    try { text = fs.readFileSync(`/proc/${pid}/net/${file}`, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || !inodes.has(f[9])) continue;
      inodes.delete(f[9]);
      const lport = parseInt(f[1].split(':').pop(), 16);
      const rport = parseInt(f[2].split(':').pop(), 16);
      if (f[3] === '0A') sockets.listen++;
      else if (lport === warden.port) sockets.client++;
      else if (rport === mock.port) {
        sockets.upstream++;
        if (f[3] === '08') sockets.upstream_close_wait++;
      } else sockets.other++;
    }
  }
  sockets.other += inodes.size; // unix sockets, or TCP sockets gone from the table meanwhile
  return { label, t_s: Math.round((now() - T0) / 1000), rss_kib: rss, fds: fds.length, threads, sockets };
}
const samples = [];
let startSample = null;
let endSample = null;
let preFlushEnd = null; // the end state before the pool flush: shows what idle pooled connections hold
async function sampler(until) {
  while (!stopping && now() < until) {
    await sleep(Math.min(SAMPLE_S * 1000, until - now()));
    if (stopping || now() >= until) break;
    const s = sample('load');
    samples.push(s);
    const reqs = [...tally.entries()].filter(([k]) => !NOT_REQUESTS.has(k)).reduce((a, [, t]) => a + t.n, 0);
    note(`t=${Math.round((now() - mainStart) / 1000)}/${SECONDS}s requests ${reqs}, unexpected ${unexpectedTotal}, reloads ${reloadsSeen}, `
      + `rss ${(s.rss_kib / 1024).toFixed(1)} MiB, fds ${s.fds} (client ${s.sockets.client}, upstream ${s.sockets.upstream})`);
  }
}
// Idle state for a comparable sample: wait until every pooled upstream connection is older than
// pool_idle_timeout, then send requests on fresh connections so each event loop takes one from
// its pool (closing the stale ones); then let the closes land.
async function settle(label) {
  await sleep(POOL_IDLE_MS + 1000);
  const before = sample(`${label}-before-flush`);
  for (let i = 0; i < FLUSH_REQUESTS && !stopping; i++) {
    const r = await send(false, { path: '/v1/chat/completions', headers: { ...AUTH, connection: 'close' }, body: { model: 'oai/gpt-4o', messages } });
    judge('idle_flush', r, checkOpenAiChat(r, 3));
  }
  await sleep(500);
  return [before, sample(label)];
}

// ---------------------------------------------------------------------------------------------
// Setup
async function startWardenProcess() {
  const bin = env.WARDEN_BIN;
  if (!bin) setupFail('WARDEN_BIN is not set');
  if (!fs.existsSync(bin)) setupFail(`WARDEN_BIN ${bin} does not exist (build it: cmake --preset release && cmake --build --preset release)`);
  const home = path.join(tmp, 'home');
  fs.mkdirSync(home, { mode: 0o700 });
  const cfg = path.join(tmp, 'warden.toml');
  fs.writeFileSync(cfg, configText(), { mode: 0o600 });
  const logPath = path.join(tmp, 'warden.log');
  const logFd = fs.openSync(logPath, 'a');
  const child = spawn(bin, ['serve', '--config', cfg], {
    cwd: tmp,
    env: { PATH: env.PATH ?? '/usr/bin:/bin', HOME: home, WARDEN_HOME: path.join(home, '.warden'), WARDEN_GATEWAY_TOKEN: TOKEN, CLAUDE_API_KEY: CLAUDE_KEY },
    stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  const w = { child, pid: child.pid, port: 0, url: '', log: logPath, exit: null };
  child.on('error', (e) => { w.exit = { error: e.message }; });
  child.on('exit', (code, signal) => {
    w.exit = { code, signal, at: now() };
    if (w.port && !expectingExit && !exiting) { // (during startup, setupFail reports it)
      stopping = true;
      count('warden', 'unexpected');
      bad('warden', `warden exited during the soak (code ${code}, signal ${signal})`);
    }
  });
  const limit = now() + 10000;
  for (;;) {
    const m = LISTEN_RE.exec(fs.readFileSync(logPath, 'utf8'));
    if (m) {
      if (m[1] !== '127.0.0.1') setupFail(`warden listens on ${m[1]}, not 127.0.0.1`);
      w.port = Number(m[2]);
      w.url = `http://127.0.0.1:${w.port}`;
      return w;
    }
    if (w.exit) setupFail(`warden exited during startup (${JSON.stringify(w.exit)}):\n${tail(logPath, 30)}`);
    if (now() > limit) setupFail(`warden did not print its listening line within 10 s:\n${tail(logPath, 30)}`);
    await sleep(50);
  }
}
function tail(file, n) {
  try { return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n'); } catch { return '(no log)'; }
}
let expectingExit = false;
let mainStart = T0;
let mockStats = null;
let rotations = null;
let reloadMetrics = null;
let wardenExit = null;
let logSummary = null;

// ---------------------------------------------------------------------------------------------
// warden's log: levels, warnings grouped, access-log statuses, and the lines around failures.
function scanLog() {
  let text = '';
  try { text = fs.readFileSync(warden.log, 'utf8'); } catch { return null; }
  const lines = text.split('\n');
  const levels = {};
  const groups = new Map();
  const statuses = {};
  let rotated = 0;
  const serverErrors = [];
  for (const line of lines) {
    const m = /^(\S+) (\w+) (.*)$/.exec(line);
    if (!m) continue;
    const [, , level, rest] = m;
    levels[level] = (levels[level] ?? 0) + 1;
    if (rest.startsWith('access ')) {
      const a = /^access \S+ \S+ (\d{3})/.exec(rest);
      if (a) {
        statuses[a[1]] = (statuses[a[1]] ?? 0) + 1;
        if (a[1][0] === '5' && serverErrors.length < 10) serverErrors.push(line);
      }
      const at = / attempts=(\d+)/.exec(rest);
      if (at && Number(at[1]) >= 2) rotated++;
      continue;
    }
    if (level !== 'info' && level !== 'debug' && level !== 'trace') {
      const sig = `${level} ${rest.replace(/sha256:[0-9a-f]+/g, 'sha256:#').replace(/\d+/g, '#')}`.slice(0, 160);
      groups.set(sig, (groups.get(sig) ?? 0) + 1);
    }
  }
  const notable = [...groups.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([sig, n]) => ({ n, line: sig }));
  // For the first failures: warden's non-2xx access lines and non-info lines in their time window.
  const around = [];
  for (const u of unexpected.slice(0, 10)) {
    const lo = stamp(u.start_ms - 100);
    const hi = stamp(u.end_ms + 500);
    const hits = lines.filter((l) => {
      const ts = l.slice(0, 23);
      if (ts < lo || ts > hi) return false;
      const a = /^\S+ info access \S+ \S+ (\d{3})/.exec(l);
      if (a) return a[1][0] !== '2';
      return !/^\S+ info /.test(l);
    }).filter((l) => !/rate-limited \(status 429\)/.test(l)).slice(0, 8);
    around.push({ failure: `${u.kind}: ${u.what}`, window: `${u.start} .. ${u.end}`, lines: hits });
  }
  return { levels, notable, statuses, rotated_requests: rotated, server_errors: serverErrors, around };
}

// ---------------------------------------------------------------------------------------------
// Report
function leakVerdict() {
  const reasons = [];
  if (!startSample || !endSample) return { leak: null, reasons: ['no start/end sample'] };
  const rssLimit = startSample.rss_kib + Math.max(RSS_SLACK_KIB, Math.round(startSample.rss_kib * RSS_SLACK_RATIO));
  if (endSample.rss_kib > rssLimit) reasons.push(`RSS grew from ${mib(startSample.rss_kib)} to ${mib(endSample.rss_kib)} MiB (limit ${mib(rssLimit)})`);
  if (endSample.fds > startSample.fds + FD_SLACK) reasons.push(`descriptors grew from ${startSample.fds} to ${endSample.fds} (limit ${startSample.fds + FD_SLACK})`);
  return { leak: reasons.length > 0, reasons, rssLimit };
}
const mib = (k) => (k / 1024).toFixed(1);

function report({ hardDeadline = false } = {}) {
  const out = [];
  const kinds = [...tally.entries()].sort((a, b) => {
    const order = KINDS.map((k) => k[0]);
    const ia = order.indexOf(a[0]);
    const ib = order.indexOf(b[0]);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
  const totals = { n: 0, ok: 0, refused: 0, cancelled: 0, unexpected: 0 };
  const byKind = {};
  for (const [k, t] of kinds) {
    byKind[k] = t;
    if (NOT_REQUESTS.has(k)) continue;
    for (const f of Object.keys(totals)) totals[f] += t[f];
  }
  const all = [...samples];
  const rssMax = all.reduce((m, s) => Math.max(m, s.rss_kib), 0);
  const fdMax = all.reduce((m, s) => Math.max(m, s.fds), 0);
  const leak = leakVerdict();
  const reasons = [];
  if (hardDeadline) reasons.push(`hard deadline of ${SECONDS + 60} s reached`);
  if (unexpectedTotal) reasons.push(`${unexpectedTotal} unexpected outcome(s)`);
  if (leak.leak) reasons.push(...leak.reasons.map((r) => `LEAK? ${r}`));
  const verdict = hardDeadline ? 'TIMEOUT' : leak.leak ? 'LEAK?' : unexpectedTotal ? 'FAIL' : 'PASS';

  const f = (s, w) => String(s).padStart(w);
  out.push('');
  out.push(`== warden soak: ${SECONDS} s of load, ${CLIENTS} clients, a reload every ${RELOAD_S} s, seed ${SEED}`);
  out.push(`== warden pid ${warden?.pid} on 127.0.0.1:${warden?.port}, mock upstream on 127.0.0.1:${mock?.port}; ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  out.push(`${'kind'.padEnd(24)}${f('requests', 10)}${f('ok', 10)}${f('refused', 10)}${f('cancelled', 11)}${f('unexpected', 12)}`);
  for (const [k, t] of kinds) {
    if (NOT_REQUESTS.has(k)) continue;
    out.push(`${k.padEnd(24)}${f(t.n, 10)}${f(t.ok, 10)}${f(t.refused, 10)}${f(t.cancelled, 11)}${f(t.unexpected, 12)}`);
  }
  out.push(`${'total'.padEnd(24)}${f(totals.n, 10)}${f(totals.ok, 10)}${f(totals.refused, 10)}${f(totals.cancelled, 11)}${f(totals.unexpected, 12)}`);
  out.push('(refused = the documented 4xx of a deliberately bad request; cancelled = aborted by the client on purpose; idle_flush = the requests that flush the upstream pool before the idle samples)');
  const rl = byKind.reload ?? { n: 0, ok: 0, unexpected: 0 };
  out.push(`reloads: ${rl.ok} applied of ${rl.n} (${reloadsAttempted.rename} by rename, ${reloadsAttempted.sighup} by SIGHUP), ${rl.unexpected} failed or not applied`
    + (reloadMetrics ? `; warden_reloads_total ok ${reloadMetrics.ok}, failed ${reloadMetrics.failed}` : ''));
  out.push(`key rotations (oai, first key 429 + Retry-After: 1): ${rotations ?? '-'}; requests answered after more than one attempt (access log): ${logSummary?.rotated_requests ?? '-'}`);
  if (mockStats) {
    out.push(`upstream (mock): ${mockStats.started} requests, ${mockStats.finished} finished, ${mockStats.aborted} aborted (cancellations passed on), `
      + `${mockStats.active} still open at the end; at most ${mockStats.maxActive} at once; ${mockStats.connections} connections from warden, at most ${mockStats.maxOpenConnections} open at once`);
  }
  if (logSummary) {
    out.push(`warden log: ${Object.entries(logSummary.levels).map(([k, v]) => `${k} ${v}`).join(', ')}; access-log statuses: ${Object.entries(logSummary.statuses).sort().map(([k, v]) => `${k}×${v}`).join(' ')}`);
    for (const g of logSummary.notable) out.push(`  ${f(g.n, 7)}× ${g.line}`);
  }
  if (wardenExit) out.push(`warden on SIGTERM: ${wardenExit.code === 0 ? 'exited 0' : `exit ${JSON.stringify(wardenExit)}`}`);

  out.push('');
  out.push('== resources (warden: VmRSS and open descriptors; sockets = listen/client/upstream)');
  const row = (s) => `${s.label.padEnd(24)} t=${f(s.t_s, 5)}s  rss ${f(mib(s.rss_kib), 6)} MiB  fds ${f(s.fds, 4)}  sockets ${s.sockets.listen}/${s.sockets.client}/${s.sockets.upstream}`
    + `${s.sockets.upstream_close_wait ? ` (${s.sockets.upstream_close_wait} upstream in CLOSE_WAIT)` : ''}  threads ${s.threads}`;
  for (const s of all) out.push(row(s));
  if (startSample && endSample) {
    out.push(`RSS MiB: start ${mib(startSample.rss_kib)}, end ${mib(endSample.rss_kib)}, max ${mib(rssMax)} (LEAK? above ${mib(leak.rssLimit)})`);
    out.push(`descriptors: start ${startSample.fds}, end ${endSample.fds}, max ${fdMax} (LEAK? above ${startSample.fds + FD_SLACK})`);
    if (preFlushEnd) {
      out.push(`before the pool flush at the end: ${preFlushEnd.fds} descriptors, ${preFlushEnd.sockets.upstream} upstream sockets (${preFlushEnd.sockets.upstream_close_wait} in CLOSE_WAIT) — idle pooled connections are closed only when the pool is next used`);
    }
  }

  if (unexpectedTotal) {
    out.push('');
    out.push(`== unexpected outcomes: ${unexpectedTotal}`);
    for (const [sig, n] of [...unexpectedBySig.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15)) out.push(`  ${f(n, 6)}× ${sig}`);
    out.push('first ones:');
    for (const u of unexpected.slice(0, 10)) out.push(`  [${u.start} .. ${u.end}] ${u.kind}: ${u.what}${u.reused_socket ? ' (on a reused keep-alive connection)' : ''}`);
    if (logSummary?.around?.length) {
      out.push('warden log lines in their time windows (non-2xx access lines and warnings/errors):');
      for (const a of logSummary.around) {
        out.push(`  ${a.window} ${a.failure.slice(0, 100)}`);
        for (const l of a.lines) out.push(`    ${l}`);
        if (!a.lines.length) out.push('    (none)');
      }
    }
    if (logSummary?.server_errors?.length) {
      out.push('5xx lines in warden\'s access log:');
      for (const l of logSummary.server_errors) out.push(`  ${l}`);
    }
  }
  out.push('');
  out.push(`== verdict: ${verdict}${reasons.length ? ` — ${reasons.join('; ')}` : ' (0 unexpected outcomes, no growth of RSS or descriptors)'}`);
  console.log(out.join('\n'));
  const json = {
    verdict, reasons, seconds: SECONDS, clients: CLIENTS, reload_every_s: RELOAD_S, seed: SEED,
    requests: totals, by_kind: byKind, unexpected: unexpectedTotal, unexpected_first: unexpected.slice(0, 10),
    reloads: { applied: rl.ok, failed: rl.unexpected, by_rename: reloadsAttempted.rename, by_sighup: reloadsAttempted.sighup, metrics: reloadMetrics },
    rotations, mock: mockStats, warden_exit: wardenExit,
    rss_kib: { start: startSample?.rss_kib ?? null, end: endSample?.rss_kib ?? null, max: rssMax || null },
    fds: { start: startSample?.fds ?? null, end: endSample?.fds ?? null, max: fdMax || null, end_before_flush: preFlushEnd?.fds ?? null },
    leak: leak.leak, samples: all.length, log: logSummary ? { levels: logSummary.levels, statuses: logSummary.statuses, notable: logSummary.notable } : null,
  };
  console.log(`SOAK_JSON ${JSON.stringify(json)}`);
  return verdict;
}

// ---------------------------------------------------------------------------------------------
async function main() {
  tmp = fs.mkdtempSync(path.join(env.TMPDIR || os.tmpdir(), 'warden-soak.'));
  try {
    mock = await startMock({ keys: { [KEY_LIMITED]: { status: 429, retry_after: 1, body: 'rate_limit_exceeded' } }, record: false });
  } catch (e) {
    setupFail(`mock upstream: ${e.message}`);
  }
  if (!mock.url.startsWith('http://127.0.0.1:')) setupFail(`mock listens on ${mock.url}, not 127.0.0.1`);
  warden = await startWardenProcess();
  note(`temp dir ${tmp}; warden pid ${warden.pid} on ${warden.url}, mock on ${mock.url}; seed ${SEED}`);

  // First requests must work on both wires (and the first OpenAI one rotates).
  const c0 = makeClient(0, 'check');
  const r1 = await send(c0.agent, { path: '/v1/chat/completions', headers: AUTH, body: { model: 'oai/gpt-4o', messages } });
  const p1 = checkOpenAiChat(r1, 3);
  const r2 = await send(c0.agent, { path: '/v1/messages', headers: ANTH, body: { model: 'claude/claude-mock', max_tokens: 8, messages } });
  const p2 = checkAnthropicChat(r2, 3);
  c0.agent.destroy();
  if (p1 || p2) setupFail(`first requests: ${p1 ?? ''} ${p2 ?? ''}\n${tail(warden.log, 20)}`);
  const rot0 = metricValue(await metrics(), 'warden_key_rotations_total', '{provider="oai"}');
  if (rot0 < 1) setupFail('the first oai request did not rotate keys (warden_key_rotations_total{provider="oai"} is 0)');

  note(`warm-up: ${WARMUP_S} s of the full mix`);
  await runLoad(now() + WARMUP_S * 1000, 'warmup');
  if (stopping) throw new Error('warden died during the warm-up');
  const [, s0] = await settle('start (idle)');
  startSample = s0;
  samples.push(startSample);
  note(`start: rss ${mib(s0.rss_kib)} MiB, fds ${s0.fds}; load for ${SECONDS} s`);

  mainStart = now();
  const until = mainStart + SECONDS * 1000;
  await Promise.all([runLoad(until, 'main'), reloader(until), sampler(until)]);
  note('load stopped; waiting for idle');

  if (!stopping) {
    const [pre, s1] = await settle('end (idle)');
    preFlushEnd = pre;
    endSample = s1;
    samples.push(endSample);
    try {
      mockStats = await mock.stats();
      if (mockStats.active !== 0) {
        count('upstream', 'unexpected');
        bad('upstream', `${mockStats.active} upstream request(s) still open at the end (warden did not finish or cancel them)`);
      }
    } catch (e) { note(`mock stats: ${e.message}`); }
    try {
      const m = await metrics();
      rotations = metricValue(m, 'warden_key_rotations_total', '{provider="oai"}');
      reloadMetrics = { ok: metricValue(m, 'warden_reloads_total', '{result="ok"}'), failed: metricValue(m, 'warden_reloads_total', '{result="failed"}') };
    } catch (e) { note(`metrics: ${e.message}`); }
    // warden must stop cleanly on SIGTERM (shutdown_grace is 3 s).
    expectingExit = true;
    warden.child.kill('SIGTERM');
    const limit = now() + 8000;
    while (!warden.exit && now() < limit) await sleep(50);
    wardenExit = warden.exit ?? { code: null, signal: null, note: 'did not exit within 8 s of SIGTERM' };
    if (wardenExit.code !== 0) {
      count('warden', 'unexpected');
      bad('warden', `warden did not exit 0 on SIGTERM: ${JSON.stringify(wardenExit)}`);
    }
  }
  logSummary = scanLog();
  clearTimeout(hardDeadline);
  const verdict = report();
  failedRun = verdict !== 'PASS';
  cleanupAndExit(verdict === 'PASS' ? 0 : 1);
}

main().catch((e) => {
  process.stderr.write(`soak: ${e.stack}\n`);
  failedRun = true;
  if (warden?.log) process.stderr.write(`---- warden.log (tail) ----\n${tail(warden.log, 30)}\n`);
  try { logSummary = scanLog(); report(); } catch { /* best effort */ }
  cleanupAndExit(1);
});
