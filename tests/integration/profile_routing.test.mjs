// Profiles in routing, against the real binary and the mock upstream: a store written by the CLI
// (`warden auth paste-token`, `order set`) is used without a restart; `provider/model@name` and
// `name@profile` pin a profile; an unknown one is a 400 listing the provider's profile ids in the
// caller's wire format; the default order (least recently used among tokens) and the store's
// order; a 429 cools a profile and the next one answers, while a pinned request gets 429
// profile_cooling instead of another account; an expired token is skipped, and pinned it is a 503
// naming the login verbs; a caller's `profiles` globs; a store made corrupt at runtime keeps the
// last good profiles and says so in /readyz; a corrupt store at start fails start. No profile
// value appears in any response or log line (checked at the end).
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startMock, startWarden, request, tmpDir, writeFile } from '../support/harness.mjs';
import { AUTH, TOKEN, config, assertOpenAiError, assertAnthropicError, testId, recordedFor } from '../support/fixtures.mjs';
import { runCli } from '../support/cli.mjs';

const WORK = 'tok-PROUTING-work-value-0a1b2c3d4e5f';
const HOME = 'tok-PROUTING-home-value-6a7b8c9d0e1f';
const OLD = 'tok-PROUTING-old-expired-value-2468';
const CLAUDE_TOKEN = 'sk-ant-oat01-PROUTING-claude-value-1357';
const CI_TOKEN = 'ci-PROUTING-caller-token-0123456789abcdef';
const KEY = 'mock-key-1'; // MOCK_API_KEY, the provider's static key
const SECRETS = [WORK, HOME, OLD, CLAUDE_TOKEN, CI_TOKEN];

const texts = []; // every response body, for the leak check
let mock;
let w;
let home;

const storeOf = (h) => path.join(h, '.warden', 'auth-profiles.json');
const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');

async function cli(args, stdin) {
  const r = await runCli(args, { home, stdin });
  texts.push(r.out);
  assert.equal(r.code, 0, r.out);
  return r;
}

async function readyz(server = w) {
  const r = await request(`${server.url}/readyz`);
  texts.push(r.text);
  return r.json();
}

// Waits (bounded) until /readyz satisfies `pred`: the control plane reloads on its own thread
// after the store changes, so this awaits the observable result of that reload.
async function untilReadyz(pred, what, server = w) {
  const deadline = Date.now() + 8000;
  let last;
  while (Date.now() < deadline) {
    last = await readyz(server);
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`/readyz never showed ${what}: ${JSON.stringify(last)}\n${server.output().slice(-2000)}`);
}
const profilesOf = (doc, provider = 'mock') => doc.providers[provider].profiles;

async function chat(model, { server = w, headers = AUTH } = {}) {
  const id = testId('prt');
  const r = await request(`${server.url}/v1/chat/completions`, {
    headers: { ...headers, 'x-test-id': id },
    body: { model, messages: [{ role: 'user', content: 'hi' }] },
    timeoutMs: 8000,
  });
  texts.push(r.text);
  const seen = (await recordedFor(mock, id)).map((q) => q.credential);
  const models = (await recordedFor(mock, id)).map((q) => JSON.parse(q.body).model);
  return { ...r, seen, models };
}

before(async () => {
  mock = await startMock();
  home = tmpDir('warden-prt-');
  w = await startWarden({
    home,
    config: config(mock.url),
    env: { WARDEN_GATEWAY_TOKEN: TOKEN, MOCK_API_KEY: KEY },
  });
});
after(async () => {
  await w?.stop();
  await mock?.stop();
});

describe('profiles in routing', () => {
  test('without profiles the key answers; a token pasted with the CLI is used without a restart', async () => {
    let r = await chat('mock/gpt-4o');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.seen, [KEY]);
    await cli(['auth', 'paste-token', '--provider', 'mock', '--profile', 'work'], WORK);
    await untilReadyz((d) => profilesOf(d)?.total === 1, 'mock:work');
    r = await chat('mock/gpt-4o');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.seen, [WORK], 'a profile goes before the key');
    await w.waitForOutput(/access POST \/v1\/chat\/completions 200 .*profile=mock:work/);
    // Anthropic: a token profile is sent as a bearer, not as x-api-key.
    await cli(['auth', 'paste-token', '--provider', 'claude', '--profile', 'me'], CLAUDE_TOKEN);
    await untilReadyz((d) => profilesOf(d, 'claude')?.total === 1, 'claude:me');
    const id = testId('prt');
    const m = await request(`${w.url}/v1/messages`, {
      headers: { ...AUTH, 'x-test-id': id },
      body: { model: 'claude/claude-x@me', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] },
    });
    texts.push(m.text);
    assert.equal(m.status, 200, m.text);
    const [seen] = await recordedFor(mock, id);
    assert.equal(seen.headers.authorization, `Bearer ${CLAUDE_TOKEN}`);
    assert.equal(seen.headers['x-api-key'], undefined);
    assert.equal(JSON.parse(seen.body).model, 'claude-x');
  });

  test('@name pins a profile, for provider/model and bare names; the upstream gets the model alone', async () => {
    await cli(['auth', 'paste-token', '--provider', 'mock', '--profile', 'home'], HOME);
    await untilReadyz((d) => profilesOf(d)?.total === 2, 'two mock profiles');
    for (let i = 0; i < 3; ++i) {
      const r = await chat('mock/gpt-4o@home');
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.seen, [HOME]);
      assert.deepEqual(r.models, ['gpt-4o']);
    }
    const bare = await chat('gpt-4o-mini@work'); // mock is the one OpenAI-format provider
    assert.equal(bare.status, 200, bare.text);
    assert.deepEqual(bare.seen, [WORK]);
    assert.deepEqual(bare.models, ['gpt-4o-mini']);
    const dated = await chat('gpt-4o@20240513'); // a date after "@" is part of the name
    assert.equal(dated.status, 200, dated.text);
    assert.deepEqual(dated.models, ['gpt-4o@20240513']);
  });

  test('an unknown profile is a 400 listing the provider ids, in the caller wire format', async () => {
    const r = await chat('mock/gpt-4o@play');
    assert.equal(r.status, 400);
    assertOpenAiError(r.text, 'profile_unknown');
    assert.match(r.json().error.message, /provider 'mock' has no profile 'mock:play'; its profiles: mock:home, mock:work/);
    assert.deepEqual(r.seen, []);
    const m = await request(`${w.url}/v1/messages`, {
      headers: AUTH,
      body: { model: 'claude/claude-x@nope', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] },
    });
    texts.push(m.text);
    assert.equal(m.status, 400);
    assertAnthropicError(m.text, 'profile_unknown');
    assert.match(m.json().error.message, /its profiles: claude:me/);
  });

  test('unpinned: least recently used token first; the store order (order set) wins once set', async () => {
    const seen = [];
    for (let i = 0; i < 4; ++i) seen.push(...(await chat('mock/gpt-4o')).seen);
    assert.equal(new Set(seen).size, 2, `both tokens used in turn: ${seen.map((s) => s.slice(0, 12))}`);
    assert.notEqual(seen[0], seen[1]);
    assert.equal(seen[0], seen[2]);
    assert.ok(!seen.includes(KEY));
    const gen = (await readyz()).generation;
    await cli(['auth', 'order', 'set', '--provider', 'mock', 'mock:home', 'mock:work']);
    await untilReadyz((d) => d.generation > gen, 'a reload after order set');
    for (let i = 0; i < 3; ++i) assert.deepEqual((await chat('mock/gpt-4o')).seen, [HOME]);
  });

  test('a 429 cools the profile and the next one answers; pinned, it is 429 profile_cooling', async () => {
    await mock.setKeys({ [HOME]: { status: 429, retry_after: 40 } });
    try {
      let r = await chat('mock/gpt-4o');
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.seen, [HOME, WORK]);
      r = await chat('mock/gpt-4o');
      assert.deepEqual(r.seen, [WORK], 'the cooling profile is skipped');
      const d = await readyz();
      assert.equal(profilesOf(d).cooling, 1);
      assert.equal(profilesOf(d).usable, 1);
      r = await chat('mock/gpt-4o@home');
      assert.equal(r.status, 429);
      assertOpenAiError(r.text, 'profile_cooling');
      assert.match(r.json().error.message, /profile 'mock:home' is rate-limited; it recovers in (3\d|40)s/);
      const retry = Number(r.headers.get('retry-after'));
      assert.ok(retry > 30 && retry <= 40, `retry-after ${retry}`);
      assert.deepEqual(r.seen, [], 'never sent with another account');
      // The cooldown survives a reload (another store change).
      await cli(['auth', 'paste-token', '--provider', 'mock', '--profile', 'spare'], 'tok-PROUTING-spare-1234567890');
      await untilReadyz((d2) => profilesOf(d2)?.total === 3, 'three mock profiles');
      assert.equal(profilesOf(await readyz()).cooling, 1);
      await cli(['auth', 'logout', '--profile', 'mock:spare']);
      await untilReadyz((d2) => profilesOf(d2)?.total === 2, 'spare removed');
    } finally {
      await mock.setKeys({});
    }
  });

  test('an expired token is skipped; pinned, it is a 503 naming the login verbs', async () => {
    const doc = JSON.parse(fs.readFileSync(storeOf(home), 'utf8'));
    doc.profiles['mock:old'] = { type: 'token', provider: 'mock', token: OLD, expires: Date.now() - 60_000 };
    doc.order.mock = ['mock:old', 'mock:work'];
    writeFile(storeOf(home) + '.new', JSON.stringify(doc), 0o600);
    fs.renameSync(storeOf(home) + '.new', storeOf(home));
    await untilReadyz((d) => profilesOf(d)?.expired === 1, 'an expired profile');
    let r = await chat('mock/gpt-4o');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.seen, [WORK]);
    r = await chat('mock/gpt-4o@old');
    assert.equal(r.status, 503);
    assertOpenAiError(r.text, 'profile_expired');
    assert.match(r.json().error.message, /warden auth login --provider mock --profile old/);
    assert.match(r.json().error.message, /warden auth paste-token --provider mock --profile old/);
    assert.equal(r.headers.get('x-should-retry'), 'false');
    assert.deepEqual(r.seen, []);
  });

  test('a store made corrupt at runtime keeps the last good profiles and says so', async () => {
    const good = fs.readFileSync(storeOf(home));
    writeFile(storeOf(home) + '.new', '{"version":1,"profiles":', 0o600);
    fs.renameSync(storeOf(home) + '.new', storeOf(home));
    const d = await untilReadyz((x) => (x.reload.profile_store_error ?? '') !== '', 'profile_store_error');
    assert.match(d.reload.profile_store_error, /auth-profiles\.json/);
    await w.waitForOutput(/profile store refused; keeping the last good profiles/);
    const r = await chat('mock/gpt-4o@work');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.seen, [WORK]);
    writeFile(storeOf(home) + '.new', good, 0o600);
    fs.renameSync(storeOf(home) + '.new', storeOf(home));
    await untilReadyz((x) => x.reload.profile_store_error === undefined, 'the store readable again');
  });
});

describe('caller policy on profiles', () => {
  let wc;
  before(async () => {
    wc = await startWarden({
      home,
      config: config(mock.url, {
        tail: `[callers.ci]\ntokens = ["sha256:${sha256(CI_TOKEN)}"]\nprofiles = ["mock:w*", "mock:p*"]\n`,
      }),
      env: { WARDEN_GATEWAY_TOKEN: TOKEN, MOCK_API_KEY: KEY },
    });
  });
  after(async () => { await wc?.stop(); });

  test('a pin outside the policy is 403 naming the rule; unpinned picks only allowed profiles', async () => {
    const ci = { authorization: `Bearer ${CI_TOKEN}` };
    let r = await chat('mock/gpt-4o@home', { server: wc, headers: ci });
    assert.equal(r.status, 403);
    assertOpenAiError(r.text, 'caller_not_allowed');
    assert.match(r.json().error.message, /may not use profile "mock:home" \(callers\.ci\.profiles\)/);
    assert.deepEqual(r.seen, []);
    // The store's order puts mock:old (expired) then mock:work: the caller gets work only.
    for (let i = 0; i < 3; ++i) {
      r = await chat('mock/gpt-4o', { server: wc, headers: ci });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.seen, [WORK]);
    }
    r = await chat('mock/gpt-4o@play', { server: wc, headers: ci });
    assert.equal(r.status, 400);
    assert.match(r.json().error.message, /its profiles: mock:work$/);
    // The gateway token is the unrestricted caller.
    r = await chat('mock/gpt-4o@home', { server: wc });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.seen, [HOME]);
  });
});

describe('start', () => {
  test('a corrupt store fails start with the store message', async () => {
    const h = tmpDir('warden-prt-bad-');
    writeFile(storeOf(h), '{"version":1,"profiles":{"mock:x":', 0o600);
    await assert.rejects(
      startWarden({ home: h, config: config(mock.url), env: { WARDEN_GATEWAY_TOKEN: TOKEN, MOCK_API_KEY: KEY } }),
      (e) => /cannot start: .*auth-profiles\.json/.test(e.output ?? ''),
    );
  });
});

describe('leaks', () => {
  test('no profile value in any response or log line', () => {
    const all = texts.join('\n') + w.output();
    for (const s of SECRETS) assert.ok(!all.includes(s), `leaked ${s.slice(0, 16)}...`);
  });
});
