// Bare model names, as agent CLIs send them: [models] rules (first match, per wire format), the
// one-provider fallback, ambiguity, aliases, caller policy on a resolved name, /v1/models in both
// wire formats, and bad [models] tables refused at start with their key paths.
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startMock, startWarden, request } from '../support/harness.mjs';
import {
  AUTH, TOKEN, config, baseEnv, assertOpenAiError, assertAnthropicError, testId, recordedFor,
} from '../support/fixtures.mjs';

const CI = 'ci-token-0123456789abcdef';

let mock;
before(async () => { mock = await startMock(); });
after(async () => { await mock?.stop(); });

// mock (OpenAI), claude (Anthropic), off (OpenAI, no key), dead (OpenAI, nothing listening).
const rulesToml = (url) => config(url, {
  tail: `[providers.off]\napi = "openai"\nbase_url = "${url}/v1"\n`
    + '[providers.dead]\napi = "openai"\nbase_url = "http://127.0.0.1:1/v1"\n'
    + '[models]\n"claude-*" = "claude"\n"gpt-*" = "mock"\n"o3*" = "off"\n"*" = "mock"\n'
    + '[models.aliases]\nfast = "claude/claude-haiku-4-5"\nslow = "mock/gpt-4o@20240513"\n'
    + `[callers.ci]\ntokens = [{ source = "env", id = "CI_TOKEN" }]\nproviders = ["mock"]\n`
    + 'models = ["mock/gpt-4o*"]\n',
});

const chat = (w, model, headers = {}) => request(`${w.url}/v1/chat/completions`, {
  headers: { ...AUTH, ...headers },
  body: `{"model" : ${JSON.stringify(model)}, "messages":[{"role":"user","content":"hi"}]}`,
});
const messages = (w, model, headers = {}) => request(`${w.url}/v1/messages`, {
  headers: { ...AUTH, 'anthropic-version': '2023-06-01', 'content-type': 'application/json', ...headers },
  body: `{"model":${JSON.stringify(model)},"max_tokens":8,"messages":[{"role":"user","content":"hi"}]}`,
});

describe('routing bare model names', () => {
  let w;
  before(async () => {
    w = await startWarden({ config: rulesToml(mock.url), env: baseEnv({ CI_TOKEN: CI, DEAD_API_KEY: 'dead-key' }) });
  });
  after(async () => { await w?.stop(); });

  test('bare claude-* → the Anthropic provider of its rule; the upstream gets the body unchanged', async () => {
    const id = testId('bare-claude');
    const r = await messages(w, 'claude-opus-4-1-20250805', { 'x-test-id': id });
    assert.equal(r.status, 200, r.text);
    const [rec] = await recordedFor(mock, id);
    assert.equal(rec.path, '/v1/messages');
    assert.equal(rec.headers['x-api-key'], 'claude-key-1');
    assert.equal(rec.body, '{"model":"claude-opus-4-1-20250805","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}');
  });

  test('bare gpt-* → the OpenAI provider of its rule, on chat completions and responses', async () => {
    const id = testId('bare-gpt');
    const r = await chat(w, 'gpt-5-codex', { 'x-test-id': id });
    assert.equal(r.status, 200, r.text);
    const resp = await request(`${w.url}/v1/responses`, { headers: { ...AUTH, 'x-test-id': id }, body: { model: 'gpt-5', input: 'x' } });
    assert.equal(resp.status, 200, resp.text);
    const recs = await recordedFor(mock, id);
    assert.deepEqual(recs.map((x) => [x.path, JSON.parse(x.body).model, x.headers.authorization]), [
      ['/v1/chat/completions', 'gpt-5-codex', 'Bearer mock-key-1'],
      ['/v1/responses', 'gpt-5', 'Bearer mock-key-1'],
    ]);
    assert.equal(recs[0].body, '{"model" : "gpt-5-codex", "messages":[{"role":"user","content":"hi"}]}');
  });

  test('a rule for the other wire format is skipped: "*" = "mock" does not catch /v1/messages', async () => {
    const id = testId('skip');
    const r = await messages(w, 'some-model', { 'x-test-id': id });
    assert.equal(r.status, 200, r.text);
    const [rec] = await recordedFor(mock, id);
    assert.equal(rec.headers['x-api-key'], 'claude-key-1', 'the one Anthropic provider took it');
  });

  test('an alias is rewritten to its target; explicit names are unchanged', async () => {
    const id = testId('alias');
    assert.equal((await messages(w, 'fast', { 'x-test-id': id })).status, 200);
    assert.equal((await chat(w, 'slow', { 'x-test-id': id })).status, 200);
    assert.equal((await chat(w, 'mock/claude-in-openai-shape', { 'x-test-id': id })).status, 200);
    const recs = await recordedFor(mock, id);
    assert.deepEqual(recs.map((x) => JSON.parse(x.body).model), ['claude-haiku-4-5', 'gpt-4o@20240513', 'claude-in-openai-shape']);
  });

  test('an alias on the other wire format → 400 wire_format_mismatch, as its target would', async () => {
    const r = await chat(w, 'fast');
    assert.equal(r.status, 400, r.text);
    assertOpenAiError(r.text, 'wire_format_mismatch');
  });

  test('a rule naming a provider without a credential → 503 provider_disabled naming the rule', async () => {
    const r = await chat(w, 'o3-mini');
    assert.equal(r.status, 503, r.text);
    const e = assertOpenAiError(r.text, 'provider_disabled');
    assert.match(e.message, /OFF_API_KEY/);
    assert.match(e.message, /models\."o3\*"/);
    assert.equal(r.headers.get('x-should-retry'), 'false');
  });

  test('caller policy judges the resolved provider/model', async () => {
    const ci = { authorization: `Bearer ${CI}` };
    assert.equal((await chat(w, 'gpt-4o-mini', ci)).status, 200);
    const m = await chat(w, 'gpt-5', ci);
    assert.equal(m.status, 403, m.text);
    assert.equal(assertOpenAiError(m.text, 'caller_not_allowed').message,
      'caller "ci" may not use model "mock/gpt-5" (callers.ci.models)');
    assert.equal(m.headers.get('x-should-retry'), 'false');
    const p = await messages(w, 'claude-sonnet-4-5', ci);
    assert.equal(p.status, 403, p.text);
    assert.equal(assertAnthropicError(p.text, 'caller_not_allowed').message,
      'caller "ci" may not use provider "claude" (callers.ci.providers)');
    const a = await messages(w, 'fast', ci);
    assert.equal(a.status, 403, 'an alias is judged by its target');
  });

  test('/v1/models: OpenAI shape by default, Anthropic shape with anthropic-version', async () => {
    const o = await request(`${w.url}/v1/models`, { headers: AUTH });
    assert.equal(o.status, 200, o.text);
    assert.equal(o.json().object, 'list');
    assert.deepEqual(o.json().data.map((d) => d.id), ['mock/*', 'claude/*', 'dead/*', 'fast', 'slow']);
    for (const d of o.json().data) assert.equal(d.object, 'model');
    const a = await request(`${w.url}/v1/models`, { headers: { 'x-api-key': TOKEN, 'anthropic-version': '2023-06-01' } });
    assert.equal(a.status, 200, a.text);
    const j = a.json();
    assert.deepEqual(j.data.map((d) => [d.type, d.id]), [['model', 'claude/*'], ['model', 'fast']]);
    for (const d of j.data) {
      assert.equal(typeof d.display_name, 'string');
      assert.ok(!Number.isNaN(Date.parse(d.created_at)), d.created_at);
    }
    assert.equal(j.has_more, false);
    assert.equal(j.first_id, 'claude/*');
    assert.equal(j.last_id, 'fast');
    const ci = await request(`${w.url}/v1/models`, { headers: { authorization: `Bearer ${CI}` } });
    assert.deepEqual(ci.json().data.map((d) => d.id), ['mock/gpt-4o*', 'slow'], 'slow = mock/gpt-4o@20240513 is inside ci\'s globs');
  });
});

describe('ambiguity and its absence', () => {
  test('no rule and two enabled providers of the wire format → 400 model_ambiguous naming both', async () => {
    const w = await startWarden({
      config: config(mock.url, { tail: `[providers.mock2]\napi = "openai"\nbase_url = "${mock.url}/v1"\n[models]\n"gpt-*" = "mock"\n` }),
      env: baseEnv({ MOCK2_API_KEY: 'mock2-key' }),
    });
    try {
      const id = testId('ambiguous');
      const r = await chat(w, 'llama-3.1-70b', { 'x-test-id': id });
      assert.equal(r.status, 400, r.text);
      const e = assertOpenAiError(r.text, 'model_ambiguous');
      assert.match(e.message, /\(mock, mock2\)/);
      assert.match(e.message, /"mock\/llama-3\.1-70b"/);
      assert.match(e.message, /\[models\]/);
      assert.equal(r.headers.get('x-should-retry'), 'false');
      assert.equal((await recordedFor(mock, id)).length, 0, 'nothing sent upstream');
      assert.equal((await chat(w, 'gpt-4o')).status, 200, 'a rule still routes');
      assert.equal((await messages(w, 'anything')).status, 200, 'the one Anthropic provider takes any bare name');
    } finally {
      await w.stop();
    }
  });

  test('no provider for the wire format → 400 model_unroutable saying how to enable one', async () => {
    const w = await startWarden({ config: config(mock.url), env: baseEnv({ CLAUDE_API_KEY: undefined }) });
    try {
      const r = await messages(w, 'claude-sonnet-4-5');
      assert.equal(r.status, 400, r.text);
      const e = assertAnthropicError(r.text, 'model_unroutable');
      assert.match(e.message, /no enabled provider speaks the Anthropic API/);
      assert.match(e.message, /CLAUDE_API_KEY/);
    } finally {
      await w.stop();
    }
  });
});

describe('bad [models] tables stop the start with their key paths', () => {
  const cases = [
    ['a rule naming an unknown provider', '[models]\n"gpt-*" = "nosuch"\n', /models\."gpt-\*": unknown provider "nosuch" \(configured: mock, claude\)/],
    ['a non-string rule', '[models]\n"gpt-*" = 42\n', /models\."gpt-\*": expected a provider id \(a string such as "openai"\), got an integer/],
    ['an empty pattern', '[models]\n"" = "mock"\n', /models\."": a pattern must be 1 to 256 characters/],
    ['a non-string alias', '[models.aliases]\nfast = { provider = "claude" }\n', /models\.aliases\.fast: expected a string "provider\/model", got a table/],
    ['an alias to an unknown provider', '[models.aliases]\nfast = "nosuch/x"\n', /models\.aliases\.fast: unknown provider "nosuch"/],
  ];
  for (const [what, tail, re] of cases) {
    test(what, async () => {
      const w = await startWarden({ config: config(mock.url, { tail }), env: baseEnv(), waitForListen: false });
      await w.exited;
      assert.notEqual(w.process.exitCode, 0);
      assert.match(w.output(), re);
      for (const secret of ['mock-key-1', 'claude-key-1', TOKEN]) assert.ok(!w.output().includes(secret));
    });
  }
});
