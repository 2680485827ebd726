// SDK compatibility: drive warden with the official `openai` and `@anthropic-ai/sdk` npm packages
// (pinned by tests/sdk/package-lock.json) against tools/mock-upstream.mjs.
//
//   npm ci --prefix tests/sdk
//   WARDEN_BIN=build/release/warden WARDEN_SOURCE_DIR=$PWD node --test tests/sdk/sdk.test.mjs
//
// Every call checks what reached the mock: the bare model name, the provider key (never the
// gateway token), and that the gateway token appears nowhere in the upstream request.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { REQUIRED, withSdkPackages } from './sdk_packages.mjs';
import { startMock, startWarden, sleep } from '../support/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
await withSdkPackages(defineTests);

async function defineTests() {
  const { default: OpenAI } = await import('openai');
  const { default: Anthropic } = await import('@anthropic-ai/sdk');
  const versionOf = (p) => JSON.parse(fs.readFileSync(path.join(here, 'node_modules', ...p.split('/'), 'package.json'), 'utf8')).version;

  const MOCK_KEY = 'sk-mock-provider-key';
  const CLAUDE_KEY = 'sk-ant-provider-key';
  const TOKEN = `wgt-${crypto.randomBytes(24).toString('hex')}`;
  const USER = [{ role: 'user', content: 'hello from the SDK test' }];

  let mock;
  let warden;
  let openai;
  let anthropic;

  before(async () => {
    mock = await startMock();
    const config = [
      '[gateway]',
      'bind = "127.0.0.1:0"',
      '[providers.mock]',
      'api = "openai"',
      `base_url = "${mock.url}/v1"`,
      '[providers.claude]',
      'api = "anthropic"',
      `base_url = "${mock.url}/v1"`,
      '[providers.off]',  // no key: disabled
      'api = "openai"',
      `base_url = "${mock.url}/v1"`,
      '[models]',
      '"o3*" = "off"',
      '',
    ].join('\n');
    // The harness spawns warden with cwd = a temp HOME, so a relative WARDEN_BIN must be resolved here.
    const bin = process.env.WARDEN_BIN ? path.resolve(process.env.WARDEN_BIN) : undefined;
    warden = await startWarden({
      bin,
      config,
      env: { MOCK_API_KEY: MOCK_KEY, CLAUDE_API_KEY: CLAUDE_KEY, WARDEN_GATEWAY_TOKEN: TOKEN },
    });
    openai = new OpenAI({ apiKey: TOKEN, baseURL: `${warden.url}/v1`, maxRetries: 0, timeout: 10_000 });
    anthropic = new Anthropic({ apiKey: TOKEN, baseURL: warden.url, maxRetries: 0, timeout: 10_000 });
  });

  after(async () => {
    await warden?.stop();
    await mock?.stop();
  });

  beforeEach(async () => {
    await mock.reset(); // clears the request log and the key map
  });

  // Fails with warden's output if it died (e.g. crashed on an earlier request).
  function wardenState() {
    const p = warden.process;
    if (p.exitCode === null && p.signalCode === null) return 'warden is running';
    return `warden exited (code ${p.exitCode}, signal ${p.signalCode})\n--- warden output ---\n${warden.output()}`;
  }
  function assertWardenAlive() {
    const p = warden.process;
    assert.ok(p.exitCode === null && p.signalCode === null, wardenState());
  }

  // Awaits a rejected SDK call and checks its class and status; returns the error.
  async function expectApiError(promise, Cls, status) {
    let err;
    try {
      await promise;
    } catch (e) {
      err = e;
    }
    assert.ok(err, `expected ${Cls.name}, but the call succeeded`);
    if (!(err instanceof Cls)) await sleep(200); // give a crashed warden's exit time to be reported
    assert.ok(err instanceof Cls,
      `expected ${Cls.name} (${status}), got ${err?.constructor?.name} (${err?.status}): ${err?.message}; ${wardenState()}`);
    assert.equal(err.status, status);
    return err;
  }

  // The upstream requests the mock recorded for this test, with the common credential checks.
  async function upstream(pathSuffix, { api, count = 1 } = {}) {
    const all = await mock.requests();
    for (const r of all) {
      assert.ok(!JSON.stringify(r).includes(TOKEN), `gateway token leaked upstream: ${JSON.stringify(r)}`);
    }
    const hits = all.filter((r) => r.path.endsWith(pathSuffix));
    assert.equal(hits.length, count,
      `expected ${count} upstream request(s) to ...${pathSuffix}, got: ${JSON.stringify(all.map((r) => `${r.method} ${r.path}`))}`);
    for (const r of hits) {
      assert.equal(r.method, 'POST');
      if (api === 'anthropic') {
        assert.equal(r.credential, CLAUDE_KEY);
        assert.equal(r.headers['x-api-key'], CLAUDE_KEY);
        assert.ok(r.headers['anthropic-version'], 'anthropic-version header must be forwarded/set');
      } else {
        assert.equal(r.credential, MOCK_KEY);
        assert.equal(r.headers.authorization, `Bearer ${MOCK_KEY}`);
      }
    }
    return hits.map((r) => ({ ...r, json: JSON.parse(r.body) }));
  }

  async function assertNothingUpstream() {
    const all = await mock.requests();
    assert.deepEqual(all.map((r) => `${r.method} ${r.path}`), [], 'no request should have reached the provider');
  }

  test('SDK versions (informational)', () => {
    for (const p of REQUIRED) assert.match(versionOf(p), /^\d+\.\d+\.\d+/);
    console.log(`# openai ${versionOf('openai')}, @anthropic-ai/sdk ${versionOf('@anthropic-ai/sdk')}, node ${process.version}`);
  });

  // -------------------------------------------------------------------------------------------
  // OpenAI SDK

  test('openai: chat.completions.create (non-streaming)', async () => {
    const res = await openai.chat.completions.create({ model: 'mock/gpt-4o', messages: USER });
    assert.equal(res.object, 'chat.completion');
    assert.equal(res.choices.length, 1);
    assert.equal(res.choices[0].message.role, 'assistant');
    assert.equal(res.choices[0].message.content, 'chunk0 chunk1 chunk2');
    assert.equal(res.choices[0].finish_reason, 'stop');
    assert.equal(res.usage.total_tokens, 13);
    const [up] = await upstream('/chat/completions');
    assert.equal(up.path, '/v1/chat/completions');
    assert.equal(up.json.model, 'gpt-4o');
    assert.deepEqual(up.json.messages, USER);
  });

  test('openai: chat.completions.create (stream: true, x-mock-chunks)', async () => {
    const stream = await openai.chat.completions.create(
      { model: 'mock/gpt-4o', messages: USER, stream: true },
      { headers: { 'x-mock-chunks': '7' } },
    );
    let text = '';
    let chunks = 0;
    let finish = null;
    for await (const chunk of stream) {
      chunks++;
      assert.equal(chunk.object, 'chat.completion.chunk');
      for (const ch of chunk.choices) {
        text += ch.delta?.content ?? '';
        if (ch.finish_reason) finish = ch.finish_reason;
      }
    }
    assert.equal(text, 'chunk0 chunk1 chunk2 chunk3 chunk4 chunk5 chunk6');
    assert.equal(chunks, 7);
    assert.equal(finish, 'stop');
    const [up] = await upstream('/chat/completions');
    assert.equal(up.json.model, 'gpt-4o');
    assert.equal(up.json.stream, true);
    assert.equal(up.headers['x-mock-chunks'], '7');
  });

  test('openai: chat.completions.stream helper (include_usage) → finalChatCompletion', async () => {
    const runner = openai.chat.completions.stream(
      { model: 'mock/gpt-4o', messages: USER, stream_options: { include_usage: true } },
      { headers: { 'x-mock-chunks': '4' } },
    );
    let deltas = '';
    runner.on('content', (d) => { deltas += d; });
    const final = await runner.finalChatCompletion();
    assert.equal(deltas, 'chunk0 chunk1 chunk2 chunk3');
    assert.equal(final.choices[0].message.content, 'chunk0 chunk1 chunk2 chunk3');
    assert.equal(final.usage?.completion_tokens, 4);
    const [up] = await upstream('/chat/completions');
    assert.equal(up.json.model, 'gpt-4o');
    assert.deepEqual(up.json.stream_options, { include_usage: true });
  });

  test('openai: embeddings.create', async () => {
    const res = await openai.embeddings.create({ model: 'mock/text-embedding-3-small', input: ['alpha', 'beta'] });
    assert.equal(res.object, 'list');
    assert.equal(res.data.length, 2);
    for (const [i, d] of res.data.entries()) {
      assert.equal(d.index, i);
      assert.equal(d.embedding.length, 8);
      for (const v of d.embedding) assert.ok(Number.isFinite(v) && v >= -1 && v <= 1, `bad component ${v}`);
    }
    assert.notDeepEqual(res.data[0].embedding, res.data[1].embedding);
    const [up] = await upstream('/embeddings');
    assert.equal(up.json.model, 'text-embedding-3-small');
    assert.deepEqual(up.json.input, ['alpha', 'beta']);
  });

  test('openai: responses.create (non-streaming)', async () => {
    const res = await openai.responses.create({ model: 'mock/gpt-4o', input: 'hello' });
    assert.equal(res.object, 'response');
    assert.equal(res.status, 'completed');
    assert.equal(res.output_text, 'chunk0 chunk1 chunk2');
    const [up] = await upstream('/responses');
    assert.equal(up.json.model, 'gpt-4o');
    assert.equal(up.json.input, 'hello');
  });

  test('openai: responses.create (stream: true)', async () => {
    const stream = await openai.responses.create(
      { model: 'mock/gpt-4o', input: 'hello', stream: true },
      { headers: { 'x-mock-chunks': '5' } },
    );
    let text = '';
    let deltas = 0;
    let completed = null;
    for await (const ev of stream) {
      if (ev.type === 'response.output_text.delta') { deltas++; text += ev.delta; }
      if (ev.type === 'response.completed') completed = ev.response;
    }
    assert.equal(deltas, 5);
    assert.equal(text, 'chunk0 chunk1 chunk2 chunk3 chunk4');
    assert.equal(completed?.status, 'completed');
    const [up] = await upstream('/responses');
    assert.equal(up.json.model, 'gpt-4o');
    assert.equal(up.json.stream, true);
  });

  // -------------------------------------------------------------------------------------------
  // Anthropic SDK

  test('anthropic: messages.create (non-streaming)', async () => {
    const msg = await anthropic.messages.create({ model: 'claude/claude-sonnet-4-5', max_tokens: 64, messages: USER });
    assert.equal(msg.type, 'message');
    assert.equal(msg.role, 'assistant');
    assert.equal(msg.content[0].type, 'text');
    assert.equal(msg.content[0].text, 'chunk0 chunk1 chunk2');
    assert.equal(msg.stop_reason, 'end_turn');
    const [up] = await upstream('/messages', { api: 'anthropic' });
    assert.equal(up.path, '/v1/messages');
    assert.equal(up.json.model, 'claude-sonnet-4-5');
    assert.equal(up.json.max_tokens, 64);
    assert.deepEqual(up.json.messages, USER);
  });

  test('anthropic: messages.stream (text events, finalMessage)', async () => {
    const stream = anthropic.messages.stream(
      { model: 'claude/claude-sonnet-4-5', max_tokens: 64, messages: USER },
      { headers: { 'x-mock-chunks': '6' } },
    );
    const texts = [];
    stream.on('text', (delta) => texts.push(delta));
    const final = await stream.finalMessage();
    assert.equal(texts.length, 6);
    assert.equal(texts.join(''), 'chunk0 chunk1 chunk2 chunk3 chunk4 chunk5');
    assert.equal(final.content.length, 1);
    assert.equal(final.content[0].text, 'chunk0 chunk1 chunk2 chunk3 chunk4 chunk5');
    assert.equal(final.stop_reason, 'end_turn');
    assert.equal(final.usage.output_tokens, 6);
    const [up] = await upstream('/messages', { api: 'anthropic' });
    assert.equal(up.json.model, 'claude-sonnet-4-5');
    assert.equal(up.json.stream, true);
    assert.equal(up.headers['x-mock-chunks'], '6');
  });

  test('anthropic: messages.countTokens', async () => {
    const res = await anthropic.messages.countTokens({ model: 'claude/claude-sonnet-4-5', messages: USER });
    const expected = Math.ceil((JSON.stringify(USER) + JSON.stringify('')).length / 4);
    assert.equal(res.input_tokens, expected);
    const [up] = await upstream('/messages/count_tokens', { api: 'anthropic' });
    assert.equal(up.path, '/v1/messages/count_tokens');
    assert.equal(up.json.model, 'claude-sonnet-4-5');
  });

  // -------------------------------------------------------------------------------------------
  // Error mapping

  test('errors: wrong gateway token → AuthenticationError (401) in both SDKs', async () => {
    const badOpenAI = new OpenAI({ apiKey: 'wrong-token', baseURL: `${warden.url}/v1`, maxRetries: 0, timeout: 10_000 });
    const badAnthropic = new Anthropic({ apiKey: 'wrong-token', baseURL: warden.url, maxRetries: 0, timeout: 10_000 });
    const eo = await expectApiError(
      badOpenAI.chat.completions.create({ model: 'mock/gpt-4o', messages: USER }), OpenAI.AuthenticationError, 401);
    assert.equal(eo.type, 'authentication_error');
    const ea = await expectApiError(
      badAnthropic.messages.create({ model: 'claude/claude-sonnet-4-5', max_tokens: 8, messages: USER }),
      Anthropic.AuthenticationError, 401);
    assert.equal(ea.error?.type, 'error');
    assert.equal(ea.error?.error?.type, 'authentication_error');
    await assertNothingUpstream();
  });

  test('errors: unknown provider → BadRequestError listing the enabled providers', async () => {
    const eo = await expectApiError(
      openai.chat.completions.create({ model: 'nope/x', messages: USER }), OpenAI.BadRequestError, 400);
    assert.equal(eo.type, 'invalid_request_error');
    assert.match(eo.message, /unknown provider 'nope'.*enabled providers: .*\bmock\b/);
    assert.match(eo.message, /enabled providers: .*\bclaude\b/);
    assertWardenAlive();
    const ea = await expectApiError(
      anthropic.messages.create({ model: 'nope/x', max_tokens: 8, messages: USER }), Anthropic.BadRequestError, 400);
    assert.equal(ea.error?.error?.type, 'invalid_request_error');
    assert.match(ea.message, /unknown provider 'nope'.*enabled providers: .*\bmock\b/);
    assert.match(ea.message, /enabled providers: .*\bclaude\b/);
    assertWardenAlive();
    await assertNothingUpstream();
    // warden still serves normal traffic afterwards
    const ok = await openai.chat.completions.create({ model: 'mock/gpt-4o', messages: USER });
    assert.equal(ok.choices[0].message.content, 'chunk0 chunk1 chunk2');
  });

  // -------------------------------------------------------------------------------------------
  // Bare model names (what agent CLIs send) and x-should-retry

  test('bare model names: each SDK reaches the one provider of its wire format', async () => {
    const res = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: USER });
    assert.equal(res.choices[0].message.content, 'chunk0 chunk1 chunk2');
    const [up] = await upstream('/chat/completions');
    assert.equal(up.json.model, 'gpt-4o-mini');
    await mock.reset();
    const msg = await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 8, messages: USER });
    assert.equal(msg.type, 'message');
    const [upa] = await upstream('/messages', { api: 'anthropic' });
    assert.equal(upa.json.model, 'claude-haiku-4-5');
    const listed = [];
    for await (const m of anthropic.models.list()) listed.push(m.id);
    assert.deepEqual(listed, ['claude/*'], 'the Anthropic shape lists Anthropic-API names only');
    const olisted = [];
    for await (const m of openai.models.list()) olisted.push(m.id);
    assert.deepEqual(olisted, ['mock/*', 'claude/*']);
  });

  test('x-should-retry: false → SDKs with default retries send a refused request once', async () => {
    // The requests the SDKs send, counted as they send them (each attempt is one fetch). Counting
    // warden's answers in /metrics instead raced with warden: it counts a request after writing
    // its answer, so the SDK could have it, and a /metrics request on another event loop be
    // answered, before the count moved.
    let sent = 0;
    const counting = (...args) => { sent += 1; return fetch(...args); };
    const retrying = {
      openai: new OpenAI({ apiKey: TOKEN, baseURL: `${warden.url}/v1`, maxRetries: 2, timeout: 10_000, fetch: counting }),
      wrongOpenai: new OpenAI({ apiKey: 'wrong-token', baseURL: `${warden.url}/v1`, maxRetries: 2, timeout: 10_000, fetch: counting }),
      wrongAnthropic: new Anthropic({ apiKey: 'wrong-token', baseURL: warden.url, maxRetries: 2, timeout: 10_000, fetch: counting }),
    };
    const cases = [
      ['wrong token (OpenAI SDK)', () => retrying.wrongOpenai.chat.completions.create({ model: 'gpt-4o', messages: USER }), OpenAI.AuthenticationError, 401],
      ['wrong token (Anthropic SDK)', () => retrying.wrongAnthropic.messages.create({ model: 'claude-x', max_tokens: 8, messages: USER }), Anthropic.AuthenticationError, 401],
      // A 503 is retried by default; provider_disabled cannot heal by itself.
      ['provider disabled (503)', () => retrying.openai.chat.completions.create({ model: 'o3-mini', messages: USER }), OpenAI.InternalServerError, 503],
    ];
    for (const [what, call, Cls, status] of cases) {
      const before = sent;
      const started = Date.now();
      const err = await expectApiError(call(), Cls, status);
      assert.equal(err.headers?.get('x-should-retry'), 'false', what);
      assert.equal(sent - before, 1, `${what}: the SDK sent it ${sent - before} times`);
      assert.ok(Date.now() - started < 2000, `${what}: took ${Date.now() - started} ms`);
    }
    await assertNothingUpstream();
  });

  // Last on purpose: it leaves both keys cooling for Retry-After (1 s).
  test('errors: provider key rate-limited on every attempt → RateLimitError (429) in both SDKs', async () => {
    await mock.setKeys({
      [MOCK_KEY]: { status: 429, retry_after: 1 },
      [CLAUDE_KEY]: { status: 429, retry_after: 1 },
    });
    try {
      const eo = await expectApiError(
        openai.chat.completions.create({ model: 'mock/gpt-4o', messages: USER }), OpenAI.RateLimitError, 429);
      assert.equal(eo.type, 'rate_limit_error');
      assert.ok(eo.headers?.get('retry-after'), 'retry-after should reach the client');
      const ea = await expectApiError(
        anthropic.messages.create({ model: 'claude/claude-sonnet-4-5', max_tokens: 8, messages: USER }),
        Anthropic.RateLimitError, 429);
      assert.equal(ea.error?.error?.type, 'rate_limit_error');
      assert.ok(ea.headers?.get('retry-after'), 'retry-after should reach the client');
      // the upstream attempts used the provider keys, never the gateway token
      const all = await mock.requests();
      assert.ok(all.some((r) => r.credential === MOCK_KEY), 'no upstream attempt with the mock key');
      assert.ok(all.some((r) => r.credential === CLAUDE_KEY), 'no upstream attempt with the claude key');
      for (const r of all) {
        assert.ok([MOCK_KEY, CLAUDE_KEY].includes(r.credential), `unexpected upstream credential ${r.credential}`);
        assert.ok(!JSON.stringify(r).includes(TOKEN), 'gateway token leaked upstream');
      }
    } finally {
      await mock.setKeys({});
    }
  });

  test('warden is still running after all SDK calls', async () => {
    await sleep(200); // let a crash be noticed (exit is reported asynchronously)
    assertWardenAlive();
  });
}
