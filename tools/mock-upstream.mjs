#!/usr/bin/env node
// mock-upstream: a fake OpenAI / Anthropic provider for warden's integration tests and benchmark.
//
//   node tools/mock-upstream.mjs [--port 0] [--host 127.0.0.1] [--keys JSON]
//                                [--record-limit 10000] [--no-record] [--parent-watch]
//
// Prints exactly one line on stdout once listening: "mock-upstream listening on 127.0.0.1:PORT".
// Only node built-ins, except the WebSocket route, which uses the `ws` package of tests/sdk when
// it is installed (without it an upgrade is answered 501). Loopback only. Knob reference:
// tests/support/README.md.

import http from 'node:http';
import { createRequire } from 'node:module';
import process from 'node:process';

let WebSocketServer = null;
try {
  ({ WebSocketServer } = createRequire(new URL('../tests/sdk/package.json', import.meta.url))('ws'));
} catch { /* no ws: upgrades get 501 */ }

// ---------------------------------------------------------------------------------------------
// CLI
function parseArgs(argv) {
  const o = { port: 0, host: '127.0.0.1', keys: {}, recordLimit: 10000, record: true, parentWatch: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined;
    const val = () => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) die(`missing value for ${name}`);
      return argv[++i];
    };
    switch (name) {
      case '--port': o.port = Number(val()); break;
      case '--host': o.host = val(); break;
      case '--keys':
        try { o.keys = JSON.parse(val()); } catch (e) { die(`--keys: invalid JSON: ${e.message}`); }
        if (!isPlainObject(o.keys)) die('--keys must be a JSON object');
        break;
      case '--record-limit': o.recordLimit = Math.max(1, Number(val()) | 0); break;
      case '--no-record': o.record = false; break;
      case '--parent-watch': o.parentWatch = true; break;
      case '-h': case '--help':
        process.stdout.write('usage: node tools/mock-upstream.mjs [--port 0] [--host 127.0.0.1] [--keys JSON] ' +
          '[--record-limit N] [--no-record] [--parent-watch]\n');
        process.exit(0);
      // eslint-disable-next-line no-fallthrough
      default: die(`unknown argument: ${a}`);
    }
  }
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) die(`bad --port: ${o.port}`);
  const h = o.host.replace(/^\[|\]$/g, '');
  if (!(/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::1')) {
    die(`refusing to listen on non-loopback host ${o.host} (use 127.x.x.x or ::1)`);
  }
  o.host = h;
  return o;
}

function die(msg) {
  process.stderr.write(`mock-upstream: ${msg}\n`);
  process.exit(2);
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const opts = parseArgs(process.argv.slice(2));

// ---------------------------------------------------------------------------------------------
// State
let keyMap = opts.keys;           // key -> { status, retry_after, retry_after_ms, body, message, type, code, headers, times }
let keyHits = new Map();          // key -> number of requests seen (for `times`)
let recorded = [];
let seq = 0;
// Connection outcomes of API requests (never reset by /__mock/reset; see /__mock/stats).
// maxActive = the most API requests ever in flight at once; connections = TCP connections that
// carried an API request, openConnections / maxOpenConnections = of those, open now / at most at once.
// wsOpened / wsClosed: WebSocket sessions accepted / ended (either side closed).
const stats = { started: 0, finished: 0, aborted: 0, active: 0, maxActive: 0, connections: 0, openConnections: 0, maxOpenConnections: 0, wsOpened: 0, wsClosed: 0 };
let wsSessions = []; // { seq, credential, headers, messages: [parsed], close: {code, reason} | null }
let statsWaiters = new Set(); // { field, min, resolve }
const apiSockets = new WeakSet(); // sockets already counted in stats.connections
function bumpStats() {
  for (const w of statsWaiters) {
    if (stats[w.field] >= w.min) { statsWaiters.delete(w); w.resolve(); }
  }
}
// Counts an API request as active until its response ends: finished (fully written) or aborted
// (the connection closed before the response was complete, e.g. the client went away).
function trackOutcome(res) {
  stats.started++;
  stats.active++;
  if (stats.active > stats.maxActive) stats.maxActive = stats.active;
  const socket = res.socket;
  if (socket && !apiSockets.has(socket)) {
    apiSockets.add(socket);
    stats.connections++;
    stats.openConnections++;
    if (stats.openConnections > stats.maxOpenConnections) stats.maxOpenConnections = stats.openConnections;
    socket.once('close', () => { stats.openConnections--; });
  }
  bumpStats();
  res.once('close', () => {
    stats.active--;
    if (res.writableFinished) stats.finished++;
    else stats.aborted++;
    bumpStats();
  });
}
const CREATED = Math.floor(Date.now() / 1000);
const CREATED_ISO = new Date(CREATED * 1000).toISOString();

function record(entry) {
  if (!opts.record) return;
  recorded.push(entry);
  if (recorded.length >= 2 * opts.recordLimit) recorded = recorded.slice(-opts.recordLimit);
}
function recordedList() {
  return recorded.length > opts.recordLimit ? recorded.slice(-opts.recordLimit) : recorded;
}

// ---------------------------------------------------------------------------------------------
// Routing
// kind: chat | completions | embeddings | responses | messages | count_tokens | models
function routeOf(method, path) {
  if (method === 'POST') {
    if (path.endsWith('/chat/completions')) return { kind: 'chat', api: 'openai' };
    if (path.endsWith('/completions')) return { kind: 'completions', api: 'openai' };
    if (path.endsWith('/embeddings')) return { kind: 'embeddings', api: 'openai' };
    if (path.endsWith('/responses')) return { kind: 'responses', api: 'openai' };
    if (path.endsWith('/messages/count_tokens')) return { kind: 'count_tokens', api: 'anthropic' };
    if (path.endsWith('/messages')) return { kind: 'messages', api: 'anthropic' };
  } else if (method === 'GET' || method === 'HEAD') {
    if (path.endsWith('/models')) return { kind: 'models', api: 'openai' };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Error bodies
const OPENAI_ERRORS = {
  rate_limit_exceeded: {
    type: 'requests',
    message: 'Rate limit reached for gpt-mock in organization org-mock on requests per min (RPM): ' +
      'Limit 3, Used 3, Requested 1. Please try again in 20s. Visit https://platform.openai.com/account/rate-limits to learn more.',
  },
  insufficient_quota: {
    type: 'insufficient_quota',
    message: 'You exceeded your current quota, please check your plan and billing details. For more information ' +
      'on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
  },
  invalid_api_key: {
    type: 'invalid_request_error',
    message: 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
  },
  missing_api_key: {
    type: 'invalid_request_error',
    message: "You didn't provide an API key. You need to provide your API key in an Authorization header using " +
      'Bearer auth (i.e. Authorization: Bearer YOUR_KEY).',
  },
  permission_denied: { type: 'invalid_request_error', message: 'You are not allowed to access this resource.' },
  model_not_found: { type: 'invalid_request_error', message: 'The model does not exist or you do not have access to it.' },
  invalid_request_error: { type: 'invalid_request_error', message: 'Invalid request (mock).' },
  server_error: { type: 'server_error', message: 'The server had an error while processing your request. Sorry about that!' },
  overloaded: { type: 'server_error', message: 'That model is currently overloaded with other requests. You can retry your request.' },
};
const ANTHROPIC_MESSAGES = {
  rate_limit_exceeded: ['rate_limit_error', 'This request would exceed the rate limit for your organization (mock) of 50 requests per minute. ' +
    'For details, refer to: https://docs.claude.com/en/api/rate-limits.'],
  insufficient_quota: [null, 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.'],
  invalid_api_key: ['authentication_error', 'invalid x-api-key'],
  missing_api_key: ['authentication_error', 'x-api-key header is required'],
  permission_denied: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  model_not_found: ['not_found_error', 'model: not found'],
  invalid_request_error: ['invalid_request_error', 'Invalid request (mock).'],
  server_error: ['api_error', 'Internal server error'],
  overloaded: ['overloaded_error', 'Overloaded'],
};
function anthropicTypeForStatus(s) {
  switch (s) {
    case 400: return 'invalid_request_error';
    case 401: return 'authentication_error';
    case 402: return 'billing_error';
    case 403: return 'permission_error';
    case 404: return 'not_found_error';
    case 413: return 'request_too_large';
    case 429: return 'rate_limit_error';
    case 504: return 'timeout_error';
    case 529: case 503: return 'overloaded_error';
    default: return s >= 500 ? 'api_error' : 'invalid_request_error';
  }
}
function defaultCodeForStatus(s) {
  switch (s) {
    case 401: return 'invalid_api_key';
    case 403: return 'permission_denied';
    case 404: return 'model_not_found';
    case 429: return 'rate_limit_exceeded';
    case 503: case 529: return 'overloaded';
    default: return s >= 500 ? 'server_error' : 'invalid_request_error';
  }
}

// spec: { status, body?: string|object, message?, type?, code? }
function errorBody(api, spec) {
  const status = spec.status;
  if (isPlainObject(spec.body)) return JSON.stringify(spec.body);
  const code = typeof spec.body === 'string' && spec.body ? spec.body : defaultCodeForStatus(status);
  if (api === 'anthropic') {
    const known = ANTHROPIC_MESSAGES[code];
    const type = spec.type ?? (known && known[0]) ?? anthropicTypeForStatus(status);
    const message = spec.message ?? (known ? known[1] : `mock error: ${code}`);
    return JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_mock' });
  }
  const known = OPENAI_ERRORS[code];
  const type = spec.type ?? (known ? known.type : (status >= 500 ? 'server_error' : 'invalid_request_error'));
  const message = spec.message ?? (known ? known.message : `mock error: ${code}`);
  return JSON.stringify({ error: { message, type, param: null, code: spec.code ?? code } });
}

function sendError(res, api, spec, extraHeaders) {
  const body = errorBody(api, spec);
  const headers = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...(api === 'anthropic' ? { 'request-id': 'req_mock' } : { 'x-request-id': 'req_mock' }),
  };
  if (spec.retry_after !== undefined && spec.retry_after !== null) headers['retry-after'] = String(spec.retry_after);
  if (spec.retry_after_ms !== undefined && spec.retry_after_ms !== null) headers['retry-after-ms'] = String(spec.retry_after_ms);
  if (isPlainObject(spec.headers)) Object.assign(headers, spec.headers);
  if (extraHeaders) Object.assign(headers, extraHeaders);
  res.writeHead(spec.status, headers);
  res.end(body);
}

// ---------------------------------------------------------------------------------------------
// Success bodies (cached per kind/model/chunks/content so the hot path is a Map lookup)
const cache = new Map();
const CACHE_MAX = 2000;
function cached(key, build) {
  let v = cache.get(key);
  if (v === undefined) {
    v = build();
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(key, v);
  }
  return v;
}

function pieces(n, content) {
  if (content === undefined) {
    const out = [];
    for (let i = 0; i < n; i++) out.push(i === 0 ? 'chunk0' : ` chunk${i}`);
    return out;
  }
  // split the given content into n near-equal pieces (some may be empty if content is short)
  const cps = Array.from(content);
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push(cps.slice(Math.floor((i * cps.length) / n), Math.floor(((i + 1) * cps.length) / n)).join(''));
  }
  return out;
}

const sse = (obj) => `data: ${JSON.stringify(obj)}\n\n`;
const sseEv = (event, obj) => `event: ${event}\ndata: ${JSON.stringify(obj)}\n\n`;

function estimateTokens(body) {
  return Math.max(1, Math.ceil(body.length / 4));
}

// Returns { json: Buffer } or { events: string[] } (stream) for the given request.
function buildChat(model, n, content, stream, includeUsage) {
  const ps = pieces(n, content);
  const text = ps.join('');
  const usage = { prompt_tokens: 10, completion_tokens: n, total_tokens: 10 + n };
  const id = 'chatcmpl-mock';
  if (!stream) {
    return {
      json: Buffer.from(JSON.stringify({
        id, object: 'chat.completion', created: CREATED, model,
        choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage, system_fingerprint: 'fp_mock',
      })),
    };
  }
  const events = ps.map((p, i) => {
    const delta = i === 0 ? { role: 'assistant', content: p } : { content: p };
    return sse({
      id, object: 'chat.completion.chunk', created: CREATED, model, system_fingerprint: 'fp_mock',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: i === n - 1 ? 'stop' : null }],
    });
  });
  if (includeUsage) {
    events.push(sse({ id, object: 'chat.completion.chunk', created: CREATED, model, system_fingerprint: 'fp_mock', choices: [], usage }));
  }
  events.push('data: [DONE]\n\n');
  return { events };
}

function buildCompletions(model, n, content, stream) {
  const ps = pieces(n, content);
  const id = 'cmpl-mock';
  if (!stream) {
    return {
      json: Buffer.from(JSON.stringify({
        id, object: 'text_completion', created: CREATED, model,
        choices: [{ text: ps.join(''), index: 0, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: n, total_tokens: 10 + n },
      })),
    };
  }
  const events = ps.map((p, i) => sse({
    id, object: 'text_completion', created: CREATED, model,
    choices: [{ text: p, index: 0, logprobs: null, finish_reason: i === n - 1 ? 'stop' : null }],
  }));
  events.push('data: [DONE]\n\n');
  return { events };
}

// `output`: the response's output items (null: none yet; a string: one assistant message).
function responseObject(model, status, output) {
  const items = output === null ? [] : typeof output === 'string' ? [{
    type: 'message', id: 'msg_mock', status: 'completed', role: 'assistant',
    content: [{ type: 'output_text', text: output, annotations: [] }],
  }] : output;
  return {
    id: 'resp_mock', object: 'response', created_at: CREATED, status, error: null, incomplete_details: null,
    instructions: null, max_output_tokens: null, model, output: items, parallel_tool_calls: true,
    previous_response_id: null, reasoning: { effort: null, summary: null }, store: false, temperature: 1,
    text: { format: { type: 'text' } }, tool_choice: 'auto', tools: [], top_p: 1, truncation: 'disabled',
    usage: output === null ? null : {
      input_tokens: 10, input_tokens_details: { cached_tokens: 0 },
      output_tokens: 3, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 13,
    },
    user: null, metadata: {},
  };
}

// ---------------------------------------------------------------------------------------------
// Tool loops: a request offering tools whose conversation holds no tool result yet is answered
// with one tool call (a shell command, `echo warden-ok`, shaped after the tool's schema); once a
// result is there, with the final text "warden-mock final: <result>".
const TOOL_COMMAND = 'echo warden-ok';
const TOOL_PREFERENCE = ['shell', 'shell_command', 'exec_command', 'local_shell', 'Bash'];
function pickTool(tools) {
  for (const name of TOOL_PREFERENCE) {
    const t = tools.find((x) => x.name === name);
    if (t) return t;
  }
  return tools.find((t) => t.schema?.properties?.command || t.schema?.properties?.cmd) ?? tools[0];
}
function toolArguments(schema) {
  const p = schema?.properties ?? {};
  if (p.command?.type === 'array') return { command: ['bash', '-lc', TOOL_COMMAND] };
  if (p.command) return { command: TOOL_COMMAND, ...(p.description ? { description: 'Print a marker' } : {}) };
  if (p.cmd) return { cmd: TOOL_COMMAND };
  return {};
}
const textOf = (v) => (typeof v === 'string' ? v : Array.isArray(v)
  ? v.map((x) => (typeof x === 'string' ? x : x?.text ?? x?.output ?? '')).join('') : JSON.stringify(v ?? ''));
// Codex's code-mode tool: a custom tool `exec` whose input is JavaScript calling nested tools.
const EXEC_SOURCE = `const r = await tools.exec_command({ cmd: ${JSON.stringify(TOOL_COMMAND)} });\ntext(r);`;
// The Responses tools of a request: `tools`, and the namespaces of `additional_tools` input items
// (Codex 0.171 sends its tools that way), flattened.
function responsesTools(body) {
  const out = [];
  const add = (list, namespace) => {
    for (const t of Array.isArray(list) ? list : []) {
      if (t?.type === 'namespace') add(t.tools, t.name);
      else if ((t?.type === 'function' || t?.type === 'custom') && typeof t.name === 'string') {
        out.push({ name: t.name, type: t.type, namespace, schema: t.parameters });
      }
    }
  };
  add(body.tools);
  for (const i of Array.isArray(body.input) ? body.input : []) if (i?.type === 'additional_tools') add(i.tools);
  return out;
}
// → null (no tools: the usual reply), { final: TEXT } or { call: { name, input, custom } }.
// (A follow-up over a WebSocket may carry only the new items: the tool result, no tools.)
function responsesToolTurn(body) {
  const input = Array.isArray(body.input) ? body.input : [];
  const result = input.find((i) => i?.type === 'function_call_output' || i?.type === 'custom_tool_call_output');
  if (result) return { final: `warden-mock final: ${textOf(result.output)}` };
  const tools = responsesTools(body);
  if (!tools.length) return null;
  const exec = tools.find((t) => t.type === 'custom' && t.name === 'exec');
  if (exec) return { call: { name: exec.name, input: EXEC_SOURCE, custom: true } };
  const tool = pickTool(tools.filter((t) => t.type === 'function'));
  return tool ? { call: { name: tool.name, input: toolArguments(tool.schema) } } : null;
}
function messagesToolTurn(body) {
  const tools = (Array.isArray(body.tools) ? body.tools : [])
    .filter((t) => typeof t?.name === 'string' && t.input_schema)
    .map((t) => ({ name: t.name, schema: t.input_schema }));
  if (!tools.length) return null;
  for (const m of Array.isArray(body.messages) ? body.messages : []) {
    const result = Array.isArray(m?.content) ? m.content.find((c) => c?.type === 'tool_result') : undefined;
    if (result) return { final: `warden-mock final: ${textOf(result.content)}` };
  }
  const tool = pickTool(tools);
  return { call: { name: tool.name, input: toolArguments(tool.schema) } };
}

// The streaming events of one Responses API turn, as objects (SSE events or WebSocket messages).
function responsesEvents(model, ps, call) {
  let s = 0;
  const ev = (type, obj) => ({ type, sequence_number: s++, ...obj });
  const events = [];
  events.push(ev('response.created', { response: responseObject(model, 'in_progress', null) }));
  events.push(ev('response.in_progress', { response: responseObject(model, 'in_progress', null) }));
  if (call?.custom) {
    const item = { type: 'custom_tool_call', id: 'ctc_mock', call_id: 'call_mock', name: call.name, input: call.input, status: 'completed' };
    events.push(ev('response.output_item.added', { output_index: 0, item: { ...item, input: '', status: 'in_progress' } }));
    events.push(ev('response.custom_tool_call_input.delta', { item_id: 'ctc_mock', output_index: 0, delta: call.input }));
    events.push(ev('response.custom_tool_call_input.done', { item_id: 'ctc_mock', output_index: 0, input: call.input }));
    events.push(ev('response.output_item.done', { output_index: 0, item }));
    events.push(ev('response.completed', { response: responseObject(model, 'completed', [item]) }));
    return { events, firstDelta: 3, deltas: 1 };
  }
  if (call) {
    const args = JSON.stringify(call.input);
    const item = { type: 'function_call', id: 'fc_mock', call_id: 'call_mock', name: call.name, arguments: args, status: 'completed' };
    events.push(ev('response.output_item.added', { output_index: 0, item: { ...item, arguments: '', status: 'in_progress' } }));
    events.push(ev('response.function_call_arguments.delta', { item_id: 'fc_mock', output_index: 0, delta: args }));
    events.push(ev('response.function_call_arguments.done', { item_id: 'fc_mock', output_index: 0, arguments: args }));
    events.push(ev('response.output_item.done', { output_index: 0, item }));
    events.push(ev('response.completed', { response: responseObject(model, 'completed', [item]) }));
    return { events, firstDelta: 3, deltas: 1 };
  }
  const text = ps.join('');
  events.push(ev('response.output_item.added', {
    output_index: 0, item: { type: 'message', id: 'msg_mock', status: 'in_progress', role: 'assistant', content: [] },
  }));
  events.push(ev('response.content_part.added', {
    item_id: 'msg_mock', output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] },
  }));
  for (const p of ps) {
    events.push(ev('response.output_text.delta', { item_id: 'msg_mock', output_index: 0, content_index: 0, delta: p }));
  }
  events.push(ev('response.output_text.done', { item_id: 'msg_mock', output_index: 0, content_index: 0, text }));
  events.push(ev('response.content_part.done', {
    item_id: 'msg_mock', output_index: 0, content_index: 0, part: { type: 'output_text', text, annotations: [] },
  }));
  const done = responseObject(model, 'completed', text);
  events.push(ev('response.output_item.done', { output_index: 0, item: done.output[0] }));
  events.push(ev('response.completed', { response: done }));
  return { events, firstDelta: 4, deltas: ps.length };
}

function buildResponses(model, n, content, stream, call) {
  const ps = pieces(n, content);
  if (!stream) {
    const output = call ? responsesEvents(model, ps, call).events.at(-1).response.output : ps.join('');
    return { json: Buffer.from(JSON.stringify(responseObject(model, 'completed', output))) };
  }
  const built = responsesEvents(model, ps, call);
  return { ...built, events: built.events.map((e) => sseEv(e.type, e)) };
}

function buildMessageToolUse(model, call, stream) {
  const id = 'msg_mock';
  const block = { type: 'tool_use', id: 'toolu_mock', name: call.name, input: call.input };
  const usage = { input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  if (!stream) {
    return { json: Buffer.from(JSON.stringify({ id, type: 'message', role: 'assistant', model, content: [block], stop_reason: 'tool_use', stop_sequence: null, usage })) };
  }
  const events = [
    sseEv('message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage } }),
    sseEv('content_block_start', { type: 'content_block_start', index: 0, content_block: { ...block, input: {} } }),
    sseEv('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(call.input) } }),
    sseEv('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sseEv('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 1 } }),
    sseEv('message_stop', { type: 'message_stop' }),
  ];
  return { events, firstDelta: 2, deltas: 1 };
}

function buildMessages(model, n, content, stream) {
  const ps = pieces(n, content);
  const id = 'msg_mock';
  if (!stream) {
    return {
      json: Buffer.from(JSON.stringify({
        id, type: 'message', role: 'assistant', model,
        content: [{ type: 'text', text: ps.join('') }],
        stop_reason: 'end_turn', stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: n, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      })),
    };
  }
  const events = [];
  events.push(sseEv('message_start', {
    type: 'message_start',
    message: {
      id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    },
  }));
  events.push(sseEv('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
  for (const p of ps) {
    events.push(sseEv('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: p } }));
  }
  events.push(sseEv('content_block_stop', { type: 'content_block_stop', index: 0 }));
  events.push(sseEv('message_delta', {
    type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: n },
  }));
  events.push(sseEv('message_stop', { type: 'message_stop' }));
  return { events, firstDelta: 2, deltas: n };
}

function buildEmbeddings(model, input, dims, base64) {
  let inputs;
  if (Array.isArray(input)) {
    inputs = input.length > 0 && typeof input[0] === 'number' ? [input] : input;
  } else {
    inputs = [input ?? ''];
  }
  const data = inputs.map((inp, index) => {
    const s = typeof inp === 'string' ? inp : JSON.stringify(inp);
    let h = 2166136261;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
    const v = new Float32Array(dims);
    for (let i = 0; i < dims; i++) {
      h = Math.imul(h ^ (h >>> 15), 2246822507) >>> 0;
      v[i] = (h / 4294967296) * 2 - 1;
    }
    const embedding = base64 ? Buffer.from(v.buffer).toString('base64') : Array.from(v);
    return { object: 'embedding', index, embedding };
  });
  const tokens = inputs.length * 2;
  return Buffer.from(JSON.stringify({ object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } }));
}

const MODELS_OPENAI = Buffer.from(JSON.stringify({
  object: 'list',
  data: ['gpt-mock', 'gpt-4o-mini', 'text-embedding-3-small'].map((id) => ({ id, object: 'model', created: CREATED, owned_by: 'mock-upstream' })),
}));
const MODELS_ANTHROPIC = Buffer.from(JSON.stringify({
  data: ['claude-mock', 'claude-sonnet-4-5'].map((id) => ({ type: 'model', id, display_name: id, created_at: CREATED_ISO })),
  has_more: false, first_id: 'claude-mock', last_id: 'claude-sonnet-4-5',
}));

// ---------------------------------------------------------------------------------------------
// Helpers
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function intHeader(req, name, dflt, min, max) {
  const v = req.headers[name];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n)) return dflt;
  return Math.min(max, Math.max(min, Math.floor(n)));
}
function credentialOf(req, api) {
  const auth = req.headers.authorization;
  let bearer;
  if (typeof auth === 'string') {
    const m = /^\s*bearer\s+(.+?)\s*$/i.exec(auth);
    bearer = m ? m[1] : auth.trim() || undefined;
  }
  const xkey = req.headers['x-api-key'];
  const x = typeof xkey === 'string' && xkey.length ? xkey : undefined;
  return api === 'anthropic' ? (x ?? bearer) : (bearer ?? x);
}
function sendJson(res, status, buf, extra) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': buf.length, ...extra });
  res.end(buf);
}
function alive(res) {
  return !res.destroyed && !res.socket?.destroyed;
}
function writeAsync(res, s) {
  return new Promise((resolve) => {
    if (!alive(res)) return resolve(false);
    if (res.write(s)) resolve(true);
    else {
      const done = () => { res.off('drain', done); res.off('close', done); resolve(alive(res)); };
      res.on('drain', done);
      res.on('close', done);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Control API
function handleControl(req, res, path, body) {
  const ok = (obj) => sendJson(res, 200, Buffer.from(JSON.stringify(obj)));
  if (path === '/__mock/health' && (req.method === 'GET' || req.method === 'HEAD')) return ok({ ok: true });
  if (path === '/__mock/requests') {
    if (req.method === 'GET') return sendJson(res, 200, Buffer.from(JSON.stringify(recordedList())));
    if (req.method === 'DELETE') { recorded = []; return ok({ ok: true }); }
  }
  if (path === '/__mock/keys') {
    if (req.method === 'GET') return ok(keyMap);
    if (req.method === 'POST' || req.method === 'PUT') {
      let m;
      try { m = body.length ? JSON.parse(body) : {}; } catch (e) { return sendJson(res, 400, Buffer.from(JSON.stringify({ error: `invalid JSON: ${e.message}` }))); }
      if (!isPlainObject(m)) return sendJson(res, 400, Buffer.from(JSON.stringify({ error: 'expected a JSON object' })));
      keyMap = m;
      keyHits = new Map();
      return ok({ ok: true });
    }
  }
  if (path === '/__mock/stats' && req.method === 'GET') {
    // Optional long-poll: ?wait=FIELD>=N&timeout_ms=MS answers once stats[FIELD] >= N (or at the
    // timeout, with "timed_out": true), so tests can await an event instead of polling.
    const q = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
    const wait = /^(started|finished|aborted|active|wsOpened|wsClosed)>=(\d+)$/.exec(q.get('wait') ?? '');
    if (!wait) return ok({ ...stats });
    const field = wait[1];
    const min = Number(wait[2]);
    if (stats[field] >= min) return ok({ ...stats, timed_out: false });
    const timeoutMs = Math.min(600000, Math.max(0, Number(q.get('timeout_ms') ?? 10000) || 0));
    let w;
    const t = setTimeout(() => { statsWaiters.delete(w); ok({ ...stats, timed_out: true }); }, timeoutMs);
    w = { field, min, resolve: () => { clearTimeout(t); ok({ ...stats, timed_out: false }); } };
    statsWaiters.add(w);
    res.once('close', () => { clearTimeout(t); statsWaiters.delete(w); });
    return undefined;
  }
  if (path === '/__mock/ws' && req.method === 'GET') return ok(wsSessions);
  if (path === '/__mock/reset' && req.method === 'POST') {
    recorded = []; keyMap = {}; keyHits = new Map(); wsSessions = [];
    return ok({ ok: true });
  }
  return sendJson(res, 404, Buffer.from(JSON.stringify({ error: 'unknown control path' })));
}

// ---------------------------------------------------------------------------------------------
// Main handler
async function handleApi(req, res, path, route, bodyStr) {
  const api = route.api;
  trackOutcome(res);
  const credential = credentialOf(req, api);
  if (opts.record) {
    record({
      seq: ++seq, time: Date.now(), method: req.method, path, url: req.url, headers: { ...req.headers },
      rawHeaders: req.rawHeaders, body: bodyStr, credential: credential ?? null,
    });
  }

  const firstByteDelay = intHeader(req, 'x-mock-first-byte-delay-ms', 0, 0, 3600000);
  if (firstByteDelay > 0) {
    await sleep(firstByteDelay);
    if (!alive(res)) return;
  }

  // Interim 103 Early Hints before the real answer (providers behind some CDNs send them).
  const hints = intHeader(req, 'x-mock-early-hints', 0, 0, 20);
  for (let i = 0; i < hints; i++) res.writeEarlyHints({ link: `</hint-${i}>; rel=preload` });

  const fault = req.headers['x-mock-fault'];
  if (fault === 'stall') return; // never respond; socket stays open until the client gives up
  if (fault === 'close-before-response') { req.socket.destroy(); return; }
  if (fault === 'huge-length-429') {
    // A rate-limit answer announcing an absurd body length (a broken or hostile provider).
    req.socket.end('HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n'
      + 'content-length: 9000000000000000000\r\n\r\n{"error":{"type":"rate_limit_error"}}');
    return;
  }
  if (fault === 'stall-429-body') {
    // A rate-limit answer whose body never ends: the header and half the announced bytes, then
    // silence (the socket stays open until the client gives up).
    req.socket.write('HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n'
      + 'content-length: 200\r\n\r\n{"error":{"type":"rate_limit_error",');
    return;
  }
  if (fault === 'cut-429-body') {
    // The same answer cut short by the provider's close, written with it in one go: the FIN
    // usually reaches warden with the last bytes (what a proxy in front of a provider does when
    // it gives up mid-answer).
    req.socket.end('HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n'
      + 'content-length: 200\r\n\r\n{"error":{"type":"rate_limit_error",');
    return;
  }
  if (fault === 'garbage') {
    req.socket.end('\x00\x01\x02GARBAGE not-http \xff\xfe\r\n\r\nHTTX/9.9 ???\r\n');
    return;
  }

  // Credential and key map
  let anthropicModels = false;
  if (route.kind === 'models') anthropicModels = req.headers['anthropic-version'] !== undefined;
  const credApi = route.kind === 'models' && anthropicModels ? 'anthropic' : api;
  if (credential === undefined) {
    return sendError(res, credApi, { status: 401, body: 'missing_api_key' });
  }
  const kb = Object.prototype.hasOwnProperty.call(keyMap, credential) ? keyMap[credential] : undefined;
  if (isPlainObject(kb) && kb.status !== undefined && Number(kb.status) !== 200) {
    const hits = (keyHits.get(credential) ?? 0) + 1;
    keyHits.set(credential, hits);
    if (kb.times === undefined || hits <= Number(kb.times)) {
      return sendError(res, credApi, { ...kb, status: Number(kb.status) });
    }
  }

  const forced = req.headers['x-mock-status'];
  if (forced !== undefined && Number(forced) !== 200 && Number.isInteger(Number(forced)) && Number(forced) >= 100) {
    return sendError(res, credApi, {
      status: Number(forced),
      body: req.headers['x-mock-error'],
      retry_after: req.headers['x-mock-retry-after'],
      message: req.headers['x-mock-error-message'],
      type: req.headers['x-mock-error-type'],
    });
  }

  if (route.kind === 'models') {
    return sendJson(res, 200, anthropicModels ? MODELS_ANTHROPIC : MODELS_OPENAI);
  }

  let body;
  try {
    body = bodyStr.length ? JSON.parse(bodyStr) : {};
    if (!isPlainObject(body)) throw new Error('body must be a JSON object');
  } catch (e) {
    return sendError(res, api, { status: 400, body: 'invalid_request_error', message: `mock: could not parse JSON body: ${e.message}` });
  }
  const model = typeof body.model === 'string' ? body.model : '';

  if (route.kind === 'count_tokens') {
    const n = estimateTokens(JSON.stringify(body.messages ?? '') + JSON.stringify(body.system ?? ''));
    return sendJson(res, 200, Buffer.from(JSON.stringify({ input_tokens: n })));
  }
  if (route.kind === 'embeddings') {
    const dims = Number.isInteger(body.dimensions) && body.dimensions > 0 && body.dimensions <= 4096 ? body.dimensions : 8;
    const buf = buildEmbeddings(model, body.input, dims, body.encoding_format === 'base64');
    return fault === 'slow-body' ? slowBody(req, res, buf) : sendJson(res, 200, buf);
  }

  const n = intHeader(req, 'x-mock-chunks', 3, 1, 100000);
  const content = typeof req.headers['x-mock-content'] === 'string' ? req.headers['x-mock-content'] : undefined;
  const stream = body.stream === true && fault !== 'slow-body';
  const includeUsage = stream && route.kind === 'chat' && body.stream_options?.include_usage === true;
  const key = `${route.kind}\0${model}\0${n}\0${stream ? (includeUsage ? 2 : 1) : 0}\0${content ?? ''}`;
  let turn = null;
  if (route.kind === 'responses') turn = responsesToolTurn(body);
  if (route.kind === 'messages') turn = messagesToolTurn(body);
  const built = turn?.call && route.kind === 'messages' ? buildMessageToolUse(model, turn.call, stream)
    : turn?.call ? buildResponses(model, n, undefined, stream, turn.call)
    : turn ? (route.kind === 'messages' ? buildMessages(model, n, turn.final, stream) : buildResponses(model, n, turn.final, stream))
    : cached(key, () => {
    switch (route.kind) {
      case 'chat': return buildChat(model, n, content, stream, includeUsage);
      case 'completions': return buildCompletions(model, n, content, stream);
      case 'responses': return buildResponses(model, n, content, stream);
      case 'messages': return buildMessages(model, n, content, stream);
      default: throw new Error('unreachable');
    }
  });

  const reqIdHeader = api === 'anthropic' ? { 'request-id': 'req_mock' } : { 'x-request-id': 'req_mock' };
  // Headers of the provider's session with its client (warden), which a gateway must not hand on.
  if (req.headers['x-mock-session-headers'] === '1') {
    Object.assign(reqIdHeader, {
      'set-cookie': '__cf_bm=mock-session; path=/; HttpOnly',
      'openai-organization': 'org-mock-owner',
      'anthropic-organization-id': 'mock-org-uuid',
      'x-upstream-session': 'mock-hop',
      connection: 'keep-alive, x-upstream-session',
    });
  }
  if (!stream) {
    if (fault === 'slow-body') return slowBody(req, res, built.json);
    if (fault === 'close-mid-stream') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': built.json.length, ...reqIdHeader });
      res.write(built.json.subarray(0, built.json.length >> 1), () => setImmediate(() => req.socket.destroy()));
      return;
    }
    return sendJson(res, 200, built.json, reqIdHeader);
  }

  // SSE
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    ...reqIdHeader,
  });
  const events = built.events;
  // x-mock-first-event-delay-ms: the head goes out at once, the first event that much later (a
  // model thinking before its first token).
  const firstEventDelay = intHeader(req, 'x-mock-first-event-delay-ms', 0, 0, 3600000);
  if (firstEventDelay > 0) {
    res.flushHeaders();
    await sleep(firstEventDelay);
    if (!alive(res)) return;
  }
  if (fault === 'close-mid-stream') {
    res.write(events[0], () => setImmediate(() => req.socket.destroy()));
    return;
  }
  const delay = intHeader(req, 'x-mock-delay-ms', 0, 0, 3600000);
  if (delay === 0) {
    res.end(events.length === 1 ? events[0] : events.join(''));
    return;
  }
  // With a delay: the delay is applied before each content delta except the first.
  const firstDelta = built.firstDelta ?? 0;
  const lastDelta = firstDelta + (built.deltas ?? n) - 1;
  for (let i = 0; i < events.length; i++) {
    if (i > firstDelta && i <= lastDelta) {
      await sleep(delay);
      if (!alive(res)) return;
    }
    if (!(await writeAsync(res, events[i]))) return;
  }
  res.end();
}

async function slowBody(req, res, buf) {
  const parts = intHeader(req, 'x-mock-chunks', 10, 1, 100000);
  const delay = intHeader(req, 'x-mock-delay-ms', 100, 0, 3600000);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': buf.length });
  for (let i = 0; i < parts; i++) {
    const piece = buf.subarray(Math.floor((i * buf.length) / parts), Math.floor(((i + 1) * buf.length) / parts));
    if (i > 0) {
      await sleep(delay);
      if (!alive(res)) return;
    }
    if (piece.length && !(await writeAsync(res, piece))) return;
  }
  res.end();
}

const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q >= 0 ? url.slice(0, q) : url;
  const control = path.startsWith('/__mock/');
  const route = control ? null : routeOf(req.method, path);

  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('error', () => {});
  res.on('error', () => {});
  req.on('end', () => {
    const bodyStr = chunks.length === 0 ? '' : chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
    if (control) return handleControl(req, res, path, bodyStr);
    if (!route) {
      if (opts.record) {
        record({
          seq: ++seq, time: Date.now(), method: req.method, path, url: req.url, headers: { ...req.headers },
          rawHeaders: req.rawHeaders, body: bodyStr, credential: credentialOf(req, 'openai') ?? null,
        });
      }
      const api = path.includes('/messages') ? 'anthropic' : 'openai';
      return sendError(res, api, { status: 404, body: 'not_found', message: `mock-upstream: no route for ${req.method} ${path}`, type: api === 'anthropic' ? 'not_found_error' : 'invalid_request_error' });
    }
    handleApi(req, res, path, route, bodyStr).catch((e) => {
      if (!res.headersSent && alive(res)) sendError(res, route.api, { status: 500, body: 'server_error', message: `mock-upstream bug: ${e.message}` });
      else res.destroy();
    });
  });
});
server.keepAliveTimeout = 65000;
server.headersTimeout = 70000;
server.requestTimeout = 0;
server.on('clientError', (err, socket) => {
  if (socket.writable && !socket.destroyed) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  else socket.destroy();
});

// ---------------------------------------------------------------------------------------------
// WebSocket on .../responses (Codex's transport; needs the `ws` package). Knobs on the upgrade
// request: `x-mock-ws-status: CODE` refuses it with CODE (OpenAI error body; `x-mock-retry-after`
// adds retry-after); `x-mock-ws: silent` accepts, then never sends a frame nor answers a ping.
// No credential → 401; the key map applies as for HTTP. A `response.create` message is answered
// with the Responses streaming events as JSON text messages (tool loops as over HTTP);
// `{"type":"mock.close","code":N,"reason":R}` makes the mock close with that code; any other
// message is echoed back as it came (text or binary).
const wsServers = WebSocketServer ? {
  normal: new WebSocketServer({ noServer: true, maxPayload: 64 << 20 }),
  silent: new WebSocketServer({ noServer: true, maxPayload: 64 << 20, autoPong: false }),
} : null;

function refuseUpgrade(socket, spec) {
  const body = errorBody('openai', spec);
  const retry = spec.retry_after !== undefined ? `retry-after: ${spec.retry_after}\r\n` : '';
  socket.end(`HTTP/1.1 ${spec.status} Refused\r\ncontent-type: application/json\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\n${retry}connection: close\r\n\r\n${body}`);
}

function answerCreate(ws, msg, req) {
  const body = isPlainObject(msg.response) ? msg.response : msg;
  const model = typeof body.model === 'string' ? body.model : '';
  const content = typeof req.headers['x-mock-content'] === 'string' ? req.headers['x-mock-content'] : undefined;
  const turn = responsesToolTurn(body);
  const { events } = responsesEvents(model, pieces(3, turn?.final ?? content), turn?.call);
  for (const e of events) ws.send(JSON.stringify(e));
}

function serveWebSocket(req, socket, head) {
  const path = (req.url ?? '/').split('?')[0];
  const credential = credentialOf(req, 'openai');
  const session = { seq: ++seq, path, credential: credential ?? null, headers: { ...req.headers }, messages: [], close: null };
  record({ seq: session.seq, time: Date.now(), method: 'GET', path, url: req.url, headers: { ...req.headers }, rawHeaders: req.rawHeaders, body: '', credential: credential ?? null, websocket: true });
  const forced = Number(req.headers['x-mock-ws-status']);
  if (credential === undefined) return refuseUpgrade(socket, { status: 401, body: 'missing_api_key' });
  const kb = Object.prototype.hasOwnProperty.call(keyMap, credential) ? keyMap[credential] : undefined;
  if (isPlainObject(kb) && kb.status !== undefined && Number(kb.status) !== 200) {
    const hits = (keyHits.get(credential) ?? 0) + 1;
    keyHits.set(credential, hits);
    if (kb.times === undefined || hits <= Number(kb.times)) return refuseUpgrade(socket, { ...kb, status: Number(kb.status) });
  }
  if (Number.isInteger(forced) && forced >= 200 && forced !== 101) {
    return refuseUpgrade(socket, { status: forced, retry_after: req.headers['x-mock-retry-after'] });
  }
  const silent = req.headers['x-mock-ws'] === 'silent';
  const server = silent ? wsServers.silent : wsServers.normal;
  server.handleUpgrade(req, socket, head, (ws) => {
    wsSessions.push(session);
    stats.wsOpened++;
    bumpStats();
    ws.on('error', () => {});
    ws.on('close', (code, reason) => {
      session.close = { code, reason: reason.toString() };
      stats.wsClosed++;
      bumpStats();
    });
    ws.on('message', (data, isBinary) => {
      let msg = null;
      if (!isBinary) { try { msg = JSON.parse(data.toString()); } catch { /* echoed */ } }
      session.messages.push(msg ?? { bytes: data.length, binary: isBinary });
      if (silent) return;
      if (msg?.type === 'response.create') answerCreate(ws, msg, req);
      else if (msg?.type === 'mock.close') ws.close(Number(msg.code) || 1000, String(msg.reason ?? ''));
      else ws.send(data, { binary: isBinary });
    });
  });
}

server.on('upgrade', (req, socket, head) => {
  socket.on('error', () => {});
  const path = (req.url ?? '/').split('?')[0];
  if (!wsServers) return socket.end('HTTP/1.1 501 Not Implemented\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
  if (!path.endsWith('/responses')) return socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
  serveWebSocket(req, socket, head);
});

server.on('error', (e) => die(`listen failed: ${e.message}`));
server.listen(opts.port, opts.host, () => {
  const a = server.address();
  const host = a.family === 'IPv6' || a.family === 6 ? `[${a.address}]` : a.address;
  process.stdout.write(`mock-upstream listening on ${host}:${a.port}\n`);
});

function shutdown() {
  server.close();
  server.closeAllConnections?.();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
if (opts.parentWatch) {
  // Exit when the parent (test harness) goes away and our stdin pipe closes.
  process.stdin.on('end', shutdown);
  process.stdin.on('close', shutdown);
  process.stdin.on('error', shutdown);
  process.stdin.resume();
}
