// Shared helpers for tests/integration/*.test.mjs: a standard config, raw HTTP request builders,
// response parsing and the "server is still intact" check. Node built-ins only.

import assert from 'node:assert/strict';
import { request, openSocket, readUntil } from './harness.mjs';

export const TOKEN = 'gw-test-token-0123456789';
export const AUTH = { authorization: `Bearer ${TOKEN}` };

/**
 * A config with an OpenAI provider `mock` and an Anthropic provider `claude`, both pointing at the
 * mock, plus any extra TOML. `gateway` is inserted into the [gateway] table; `tail` is appended.
 */
export function config(mockUrl, { gateway = '', tail = '', providers = true } = {}) {
  let t = `[gateway]\nbind = "127.0.0.1:0"\n${gateway}\n`;
  if (providers) {
    t += `[providers.mock]\napi = "openai"\nbase_url = "${mockUrl}/v1"\n`;
    t += `[providers.claude]\napi = "anthropic"\nbase_url = "${mockUrl}/v1"\n`;
  }
  return t + tail;
}

export const baseEnv = (extra = {}) => ({
  MOCK_API_KEY: 'mock-key-1',
  CLAUDE_API_KEY: 'claude-key-1',
  WARDEN_GATEWAY_TOKEN: TOKEN,
  ...extra,
});

/** Raw HTTP/1.1 request text. body: string | object (JSON). headers: object or array of [k, v]. */
export function rawHttp(method, path, { headers = {}, body, auth = true, close = false } = {}) {
  const b = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const lines = [`${method} ${path} HTTP/1.1`, 'host: 127.0.0.1'];
  if (auth) lines.push(`authorization: Bearer ${TOKEN}`);
  const hs = Array.isArray(headers) ? headers : Object.entries(headers);
  for (const [k, v] of hs) lines.push(`${k}: ${v}`);
  if (b !== undefined) {
    lines.push('content-type: application/json');
    lines.push(`content-length: ${Buffer.byteLength(b)}`);
  }
  if (close) lines.push('connection: close');
  return `${lines.join('\r\n')}\r\n\r\n${b ?? ''}`;
}

/**
 * Parse the first HTTP response in a raw (latin1) string: {status, headers (lower-cased map),
 * body, rest}. Handles content-length and chunked bodies; `complete` says the body was whole.
 */
export function parseResponse(data) {
  const end = data.indexOf('\r\n\r\n');
  assert.ok(end >= 0, `no complete HTTP response header in ${JSON.stringify(data.slice(0, 300))}`);
  const [statusLine, ...lines] = data.slice(0, end).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  assert.ok(m, `bad status line ${JSON.stringify(statusLine)}`);
  const headers = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    const k = l.slice(0, i).trim().toLowerCase();
    const v = l.slice(i + 1).trim();
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  let rest = data.slice(end + 4);
  let body = '';
  let complete = false;
  const status = Number(m[1]);
  if (status === 100) return { status, headers, body: '', rest, complete: true };
  if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    body = rest.slice(0, n);
    complete = body.length === n;
    rest = rest.slice(n);
  } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    for (;;) {
      const e = rest.indexOf('\r\n');
      if (e < 0) break;
      const size = parseInt(rest.slice(0, e), 16);
      if (Number.isNaN(size)) break;
      if (size === 0) {
        const t = rest.indexOf('\r\n\r\n', e - 2 >= 0 ? e - 2 : 0);
        complete = t >= 0;
        rest = complete ? rest.slice(t + 4) : rest;
        break;
      }
      if (rest.length < e + 2 + size + 2) break;
      body += rest.slice(e + 2, e + 2 + size);
      rest = rest.slice(e + 2 + size + 2);
    }
  } else {
    body = rest;
    rest = '';
    complete = true;
  }
  return { status, headers, body, rest, complete };
}

/** Parse every response in a raw string (pipelining / keep-alive). */
export function parseResponses(data) {
  const out = [];
  let rest = data;
  while (rest.includes('\r\n\r\n')) {
    const r = parseResponse(rest);
    out.push(r);
    if (rest === r.rest) break;
    rest = r.rest;
  }
  return out;
}

/** The JSON error body of an OpenAI-wire response, asserting its shape and code. */
export function assertOpenAiError(text, code) {
  const j = typeof text === 'string' ? JSON.parse(text) : text;
  assert.equal(typeof j.error, 'object', `not an OpenAI error: ${JSON.stringify(j)}`);
  assert.equal(typeof j.error.message, 'string');
  assert.ok(j.error.message.length > 0, 'error message is empty');
  assert.equal(typeof j.error.type, 'string');
  assert.equal(j.error.code, code, `error body: ${JSON.stringify(j)}`);
  return j.error;
}

/** The JSON error body of an Anthropic-wire response, asserting its shape and code. */
export function assertAnthropicError(text, code) {
  const j = typeof text === 'string' ? JSON.parse(text) : text;
  assert.equal(j.type, 'error', `not an Anthropic error: ${JSON.stringify(j)}`);
  assert.equal(typeof j.error, 'object');
  assert.equal(typeof j.error.type, 'string');
  assert.equal(typeof j.error.message, 'string');
  assert.ok(j.error.message.length > 0, 'error message is empty');
  assert.equal(j.error.code, code, `error body: ${JSON.stringify(j)}`);
  return j.error;
}

function describeWarden(w) {
  const exit = w.process.exitCode !== null || w.process.signalCode !== null
    ? ` (warden exited: code ${w.process.exitCode}, signal ${w.process.signalCode})` : '';
  return `${exit}\n--- warden output (tail) ---\n${w.output().slice(-3000)}`;
}

/**
 * The server still works: /healthz answers and a real proxied request round-trips through the
 * mock (a fresh connection each time, so a wedged or crashed server is caught).
 */
export async function assertIntact(w, what = '') {
  let r;
  try {
    r = await request(`${w.url}/v1/chat/completions`, {
      headers: { ...AUTH, 'x-mock-content': 'still-alive' },
      body: { model: 'mock/alive-check', messages: [{ role: 'user', content: 'ping' }] },
      timeoutMs: 5000,
    });
  } catch (e) {
    assert.fail(`server not intact${what ? ` after ${what}` : ''}: ${e.cause?.code ?? e.message}${describeWarden(w)}`);
  }
  assert.equal(r.status, 200, `server not intact${what ? ` after ${what}` : ''}: ${r.status} ${r.text}${describeWarden(w)}`);
  assert.equal(r.json().choices[0].message.content, 'still-alive');
  assert.equal(r.json().model, 'alive-check');
}

/**
 * Stream a POST through fetch, recording when each SSE event arrived.
 * Returns { status, headers, events: [{event, data, t}], text, error } (t = ms since the request).
 */
export async function streamEvents(url, { headers = {}, body, timeoutMs = 10_000 } = {}) {
  const t0 = performance.now();
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const events = [];
  let text = '';
  let pending = '';
  let error = null;
  const dec = new TextDecoder();
  try {
    for await (const chunk of r.body) {
      const s = dec.decode(chunk, { stream: true });
      text += s;
      pending += s;
      let i;
      while ((i = pending.indexOf('\n\n')) >= 0) {
        const block = pending.slice(0, i);
        pending = pending.slice(i + 2);
        let event = null;
        const data = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (event !== null || data.length) events.push({ event, data: data.join('\n'), t: performance.now() - t0 });
      }
    }
  } catch (e) {
    error = e;
  }
  return { status: r.status, headers: r.headers, events, text, error };
}

/** Send raw bytes on a fresh socket and read until `re` matches; returns { socket, text }. */
export async function sendAndRead(port, bytes, re, timeoutMs = 5000) {
  const s = await openSocket(port);
  const p = readUntil(s, re, timeoutMs);
  s.write(bytes);
  try {
    return { socket: s, text: await p };
  } catch (e) {
    s.destroy();
    throw e;
  }
}

/** A unique id for tagging requests (sent as x-test-id, recorded by the mock). */
let idSeq = 0;
export const testId = (prefix = 't') => `${prefix}-${process.pid}-${++idSeq}-${Date.now()}`;

/** The mock's recorded requests carrying x-test-id = id. */
export async function recordedFor(mock, id) {
  return (await mock.requests()).filter((r) => r.headers['x-test-id'] === id);
}

/** Try to parse a complete first response out of raw data; null while incomplete. */
function completeResponse(data) {
  if (!data.includes('\r\n\r\n')) return null;
  try {
    const r = parseResponse(data);
    if (r.status === 100) return completeResponse(r.rest);
    const framed = r.headers['content-length'] !== undefined || /chunked/i.test(r.headers['transfer-encoding'] ?? '');
    return framed && r.complete ? r : null;
  } catch {
    return null;
  }
}

/**
 * Send one request on a fresh connection and read exactly one response: resolves as soon as the
 * response is complete (by its own framing), without depending on the server closing.
 * → { data, response (parsed, or null), closed, timedOut }.
 */
export async function exchangeOne(port, bytes, { timeoutMs = 5000 } = {}) {
  const s = await openSocket(port);
  let data = '';
  return new Promise((resolve) => {
    let done = false;
    const finish = (closed, timedOut) => {
      if (done) return;
      done = true;
      clearTimeout(t);
      s.destroy();
      resolve({ data, response: completeResponse(data), closed, timedOut });
    };
    const t = setTimeout(() => finish(false, true), timeoutMs);
    s.on('data', (d) => {
      data += d.toString('latin1');
      if (completeResponse(data)) finish(false, false);
    });
    s.on('error', () => {});
    s.on('close', () => finish(true, false));
    s.write(bytes);
  });
}
