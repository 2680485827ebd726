// A misbehaving provider and a caller who tries to move shared state through it: interim 1xx
// responses, error texts that echo the caller's words, account-scope headers, headers of warden's
// own upstream session, 403s about the request rather than the key — plus HTTP/1.0 callers and
// callers that half-close after their request. Each against the real binary and mock.
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startMock, startWarden, request, rawExchange } from '../support/harness.mjs';
import {
  AUTH, TOKEN, config, baseEnv, parseResponse, assertIntact, testId, recordedFor,
} from '../support/fixtures.mjs';

const K = (name) => `sk-PH-${name}-8d1e2f3a4b5c6d7e`;
const ECHO = [K('echo1'), K('echo2')];
const PERM = [K('perm1'), K('perm2')];

let mock;
let w;

const provider = (id, extra = '') => `[providers.${id}]\napi = "openai"\nbase_url = "${mock.url}/v1"\n${extra}`;

before(async () => {
  mock = await startMock({
    keys: {
      [PERM[0]]: { status: 403, type: 'permission_error', message: 'this key may not use that beta' },
    },
  });
  w = await startWarden({
    config: config(mock.url, {
      tail: provider('echo') + provider('perm') + provider('org', 'forward_caller_headers = ["openai-organization"]\n'),
    }),
    env: baseEnv({ ECHO_API_KEYS: ECHO.join(','), PERM_API_KEYS: PERM.join(','), ORG_API_KEY: 'sk-org-key-1' }),
  });
});
after(async () => {
  await w?.stop();
  await mock?.stop();
});

async function readyz() {
  return (await request(`${w.url}/readyz`)).json();
}

async function chat(model, headers = {}, body = {}) {
  const id = testId('ph');
  const r = await request(`${w.url}/v1/chat/completions`, {
    headers: { ...AUTH, 'x-test-id': id, ...headers },
    body: { model, messages: [{ role: 'user', content: 'hi' }], ...body },
  });
  return { ...r, recorded: await recordedFor(mock, id) };
}

describe('interim responses', () => {
  test('103 Early Hints before the answer: the caller gets the real answer, the next caller its own', async () => {
    const r = await chat('mock/hints', { 'x-mock-early-hints': '2', 'x-mock-content': 'first-answer' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().choices[0].message.content, 'first-answer');
    // The pooled connection must hold nothing of the first exchange.
    for (let i = 0; i < 4; i++) {
      const next = await chat('mock/next', { 'x-mock-content': `answer-${i}` });
      assert.equal(next.status, 200, next.text);
      assert.equal(next.json().choices[0].message.content, `answer-${i}`);
    }
  });

  test('up to 8 interim responses are skipped; a 9th fails the exchange, and the pool stays clean', async () => {
    const eight = await chat('mock/hints8', { 'x-mock-early-hints': '8', 'x-mock-content': 'after-eight' });
    assert.equal(eight.status, 200, eight.text);
    assert.equal(eight.json().choices[0].message.content, 'after-eight');
    const nine = await chat('mock/hints9', { 'x-mock-early-hints': '9', 'x-mock-content': 'after-nine' });
    assert.equal(nine.status, 502, nine.text);
    assert.doesNotMatch(nine.text, /after-nine/);
    const next = await chat('mock/next', { 'x-mock-content': 'clean' });
    assert.equal(next.status, 200, next.text);
    assert.equal(next.json().choices[0].message.content, 'clean');
  });

  test('streaming after 103 Early Hints arrives whole', async () => {
    const r = await chat('mock/hints-stream', { 'x-mock-early-hints': '1' }, { stream: true });
    assert.equal(r.status, 200);
    assert.match(r.text, /data: \[DONE\]/);
  });
});

describe('a caller cannot cool or fail shared keys with words or headers', () => {
  test('a provider 404 echoing a model named like a rate limit does not cool the key', async () => {
    const model = 'echo/rate_limit_exceeded-insufficient_quota';
    for (let i = 0; i < 3; i++) {
      const r = await chat(model, {
        'x-mock-status': '404',
        'x-mock-error': 'model_not_found',
        'x-mock-error-message': `The model \`rate_limit_exceeded-insufficient_quota\` does not exist (quota exceeded? rate limit?)`,
      });
      assert.equal(r.status, 404, r.text);
      assert.equal(r.recorded.length, 1, 'no rotation to the next key');
      assert.equal(r.recorded[0].credential, ECHO[0]);
    }
    const keys = (await readyz()).providers.echo.key_status;
    assert.ok(keys.every((k) => k.usable), JSON.stringify(keys));
  });

  test('a 403 about the request (permission_error) is passed through; the key is not marked failing', async () => {
    const r = await chat('perm/gpt-x', { 'anthropic-beta': 'some-beta' });
    assert.equal(r.status, 403, r.text);
    const keys = (await readyz()).providers.perm.key_status;
    assert.ok(keys.every((k) => k.usable), `a caller-induced 403 took a key out: ${JSON.stringify(keys)}`);
  });

  test('OpenAI-Organization / OpenAI-Project from callers are withheld unless the provider opts in', async () => {
    const withheld = await chat('mock/org', { 'openai-organization': 'org-caller', 'openai-project': 'proj-caller' });
    assert.equal(withheld.status, 200);
    assert.equal(withheld.recorded[0].headers['openai-organization'], undefined);
    assert.equal(withheld.recorded[0].headers['openai-project'], undefined);
    const optedIn = await chat('org/gpt-x', { 'openai-organization': 'org-caller', 'openai-project': 'proj-caller' });
    assert.equal(optedIn.status, 200);
    assert.equal(optedIn.recorded[0].headers['openai-organization'], 'org-caller');
    assert.equal(optedIn.recorded[0].headers['openai-project'], undefined);
  });
});

describe("headers of warden's own upstream session", () => {
  for (const stream of [false, true]) {
    test(`Set-Cookie, organization ids and Connection-named headers are not handed to callers (stream=${stream})`, async () => {
      const r = await chat('mock/session', { 'x-mock-session-headers': '1' }, { stream });
      assert.equal(r.status, 200);
      for (const h of ['set-cookie', 'openai-organization', 'anthropic-organization-id', 'x-upstream-session']) {
        assert.equal(r.headers.get(h), null, `${h} reached the caller`);
      }
      assert.equal(r.headers.get('x-request-id'), 'req_mock', 'ordinary provider headers still pass');
    });
  }
});

describe('HTTP/1.0 callers and half-close', () => {
  const body = JSON.stringify({ model: 'mock/ten', stream: true, messages: [] });
  test('an HTTP/1.0 caller gets a stream without chunked framing, ended by closing', async () => {
    const res = await rawExchange(w.port, `POST /v1/chat/completions HTTP/1.0\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`, { timeoutMs: 5000 });
    assert.equal(res.timedOut, false);
    const head = res.data.slice(0, res.data.indexOf('\r\n\r\n'));
    assert.match(head, /^HTTP\/1\.[01] 200/);
    assert.doesNotMatch(head, /transfer-encoding/i, 'HTTP/1.0 has no chunked coding');
    assert.match(head, /connection: close/i);
    const payload = res.data.slice(res.data.indexOf('\r\n\r\n') + 4);
    assert.match(payload, /^data: /, 'the body is the raw event stream');
    assert.match(payload, /data: \[DONE\]\n\n$/);
  });

  test('a caller that half-closes after its request still gets the whole answer', async () => {
    const id = testId('half');
    const req = `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\nx-test-id: ${id}\r\nx-mock-first-byte-delay-ms: 200\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
    const res = await rawExchange(w.port, req, { timeoutMs: 5000, halfClose: true });
    assert.equal(res.timedOut, false, 'warden closes once the answer is complete');
    const r = parseResponse(res.data.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, ''));
    assert.equal(r.status, 200, res.data.slice(0, 300));
    assert.match(r.body, /data: \[DONE\]/);
    assert.equal((await recordedFor(mock, id)).length, 1);
  });

  test('the server is intact', async () => {
    await assertIntact(w, 'provider hardening');
  });
});
