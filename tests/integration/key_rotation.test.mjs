// Static key pools: rotation on 429 and on rate-limit/quota error bodies (the caller never sees
// the 429), key affinity (no round-robin), cooldowns visible in /readyz, rotation and cooldown
// metrics, non-rate-limit errors returned as is, 401 marks a key failing, a 429 storm over every
// key → 429 all_keys_cooling with the soonest Retry-After, and key values never leaking.
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startMock, startWarden, request } from '../support/harness.mjs';
import {
  AUTH, TOKEN, config, assertOpenAiError, assertAnthropicError, assertIntact, testId, recordedFor,
} from '../support/fixtures.mjs';

// Distinctive values so a leak is unambiguous. Each provider has its own pool (own state).
const K = (name) => `sk-ROT-${name}-5f3c9a1e7b2d4068`;
const ROT = [K('rot1'), K('rot2'), K('rot3')];       // env ROT_API_KEYS: k1 429 → k2
const QUO = [K('quo1'), K('quo2')];                   // 403 insufficient_quota body → rotate
const RLB = [K('rlb1'), K('rlb2')];                   // 400 with a rate-limit body → rotate
const FIV = [K('fiv1'), K('fiv2')];                   // 500 → as is, no rotation
const AUT = [K('aut1'), K('aut2'), K('aut3')];        // 401 → as is, marked failing, next key next time
const STM = [K('stm1'), K('stm2'), K('stm3')];        // every key 429 → all_keys_cooling
const ANT = [K('ant1'), K('ant2')];                   // config keys = [...], Anthropic wire
const BST = [K('bst1'), K('bst2')];                   // 12 concurrent 429s without Retry-After on k1
const ALL_KEYS = [...ROT, ...QUO, ...RLB, ...FIV, ...AUT, ...STM, ...ANT, ...BST];

let mock;
let w;

const provider = (id, api = 'openai', extra = '') =>
  `[providers.${id}]\napi = "${api}"\nbase_url = "${mock.url}/v1"\n${extra}`;

before(async () => {
  mock = await startMock({
    keys: {
      [ROT[0]]: { status: 429, retry_after: 30 },
      [QUO[0]]: { status: 403, body: 'insufficient_quota' },
      [RLB[0]]: { status: 400, body: 'rate_limit_exceeded' },
      [FIV[0]]: { status: 500 },
      [AUT[0]]: { status: 401 },
      [STM[0]]: { status: 429, retry_after: 5 },
      [STM[1]]: { status: 429, retry_after: 7 },
      [STM[2]]: { status: 429, retry_after: 9 },
      [ANT[0]]: { status: 429, retry_after: 30 },
      [BST[0]]: { status: 429 },
    },
  });
  w = await startWarden({
    config: config(mock.url, {
      tail: provider('rot') + provider('quo') + provider('rlb') + provider('fiv') + provider('aut')
        + provider('stm') + provider('bst')
        + provider('ant', 'anthropic', `keys = [${ANT.map((k) => `"${k}"`).join(', ')}]\n`),
    }),
    env: {
      WARDEN_GATEWAY_TOKEN: TOKEN,
      MOCK_API_KEY: 'mock-key-1',
      CLAUDE_API_KEY: 'claude-key-1',
      ROT_API_KEYS: ROT.join(','),
      QUO_API_KEYS: QUO.join(' '),
      RLB_API_KEYS: RLB.join(';'),
      FIV_API_KEYS: FIV.join(','),
      AUT_API_KEYS: AUT.join(','),
      STM_API_KEYS: STM.join(','),
      BST_API_KEYS: BST.join(','),
    },
  });
});
after(async () => {
  await w?.stop();
  await mock?.stop();
});

async function chat(model, { stream = false, headers = {} } = {}) {
  const id = testId('rot');
  const r = await request(`${w.url}/v1/chat/completions`, {
    headers: { ...AUTH, 'x-test-id': id, ...headers },
    body: { model, stream, messages: [{ role: 'user', content: 'hi' }] },
    timeoutMs: 8000,
  });
  const seen = (await recordedFor(mock, id)).map((q) => q.credential);
  return { ...r, seen };
}

async function readyz() {
  const r = await request(`${w.url}/readyz`);
  return { text: r.text, json: JSON.parse(r.text) };
}

async function metrics() {
  const r = await request(`${w.url}/metrics`, { headers: AUTH });
  assert.equal(r.status, 200, r.text);
  return r.text;
}

/** Sum of the samples of `name` whose labels include every `labels` pair. */
function metricSum(text, name, labels = {}) {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^([a-z_]+)(?:\{(.*)\})? ([0-9.eE+-]+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const ls = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => ls[k] === v)) {
      sum += Number(m[3]);
      found = true;
    }
  }
  return found ? sum : null;
}

describe('rotation on rate limits', () => {
  test('k1 answers 429 → retried at once with k2; the caller gets 200 and never sees the 429', async () => {
    const r = await chat('rot/gpt-x');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().choices[0].message.content, 'chunk0 chunk1 chunk2');
    assert.equal(r.headers.get('retry-after'), null, 'the upstream 429 leaked into the response headers');
    assert.deepEqual(r.seen, [ROT[0], ROT[1]], 'the mock should see k1 (429) then k2');
  });

  test('subsequent requests stay on k2 (affinity, no round-robin, k1 not retried while cooling)', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await chat('rot/gpt-x');
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.seen, [ROT[1]], `request ${i} used ${JSON.stringify(r.seen)}`);
    }
  });

  test('/readyz: k1 usable=false, reason rate_limited, retry_in_s ≈ 30 (Retry-After honoured); only fingerprints', async () => {
    const { text, json } = await readyz();
    const p = json.providers.rot;
    assert.ok(p, text);
    assert.equal(p.available, true);
    assert.equal(p.keys, 3);
    assert.equal(p.cooling, 1, text);
    const [k1, k2, k3] = p.key_status;
    for (const k of p.key_status) assert.match(k.fingerprint, /^sha256:[0-9a-f]+/);
    assert.equal(new Set(p.key_status.map((k) => k.fingerprint)).size, 3, 'fingerprints must differ per key');
    assert.equal(k1.usable, false, text);
    assert.equal(k1.reason, 'rate_limited', text);
    assert.ok(k1.retry_in_s > 20 && k1.retry_in_s <= 30, `retry_in_s = ${k1.retry_in_s}`);
    assert.equal(k2.usable, true);
    assert.equal(k3.usable, true);
    for (const key of ALL_KEYS) assert.ok(!text.includes(key), `/readyz leaks ${key}`);
  });

  test('metrics count the rotation and the cooldown (by provider and key fingerprint)', async () => {
    const m = await metrics();
    const rot = metricSum(m, 'warden_key_rotations_total', { provider: 'rot' });
    assert.ok(rot >= 1, `warden_key_rotations_total{provider="rot"} = ${rot}\n${m}`);
    const fp1 = (await readyz()).json.providers.rot.key_status[0].fingerprint;
    assert.equal(metricSum(m, 'warden_key_cooldowns_total', { provider: 'rot', key: fp1 }), 1, m);
    // k2 was never cooled.
    const fp2 = (await readyz()).json.providers.rot.key_status[1].fingerprint;
    assert.ok(!metricSum(m, 'warden_key_cooldowns_total', { provider: 'rot', key: fp2 }), m);
  });

  test('403 with an insufficient_quota body rotates too', async () => {
    const r = await chat('quo/gpt-x');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.seen, [QUO[0], QUO[1]]);
    const k1 = (await readyz()).json.providers.quo.key_status[0];
    assert.equal(k1.usable, false);
    assert.equal(k1.reason, 'rate_limited');
    // no Retry-After from the upstream → the default first cooldown of 30 s
    assert.ok(k1.retry_in_s > 20 && k1.retry_in_s <= 30, `retry_in_s = ${k1.retry_in_s}`);
    // the next one goes straight to k2
    assert.deepEqual((await chat('quo/gpt-x')).seen, [QUO[1]]);
  });

  test('400 with a rate_limit_exceeded body rotates too', async () => {
    const r = await chat('rlb/gpt-x');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.seen, [RLB[0], RLB[1]]);
  });

  test('Anthropic wire with config keys = [...]: 429 on the first key → x-api-key of the second', async () => {
    const id = testId('ant');
    const r = await request(`${w.url}/v1/messages`, {
      headers: { ...AUTH, 'x-test-id': id },
      body: { model: 'ant/claude-x', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().type, 'message');
    const seen = await recordedFor(mock, id);
    assert.deepEqual(seen.map((q) => q.headers['x-api-key']), [ANT[0], ANT[1]]);
  });
});

describe('errors that do not rotate', () => {
  test('500 is returned as is: same status and body, one upstream attempt, key not cooled', async () => {
    const r = await chat('fiv/gpt-x');
    assert.equal(r.status, 500, r.text);
    assertOpenAiError(r.text, 'server_error');
    assert.deepEqual(r.seen, [FIV[0]], 'a 500 must not be retried with another key');
    const p = (await readyz()).json.providers.fiv;
    assert.equal(p.key_status[0].usable, true, JSON.stringify(p));
    assert.equal(p.cooling, 0);
    // and the next request still uses k1
    assert.deepEqual((await chat('fiv/gpt-x')).seen, [FIV[0]]);
  });

  test('401 is returned as is, the key is marked failing (auth_failed) and the next request uses the next key', async () => {
    const r = await chat('aut/gpt-x');
    assert.equal(r.status, 401, r.text);
    assertOpenAiError(r.text, 'invalid_api_key');
    assert.deepEqual(r.seen, [AUT[0]], 'a 401 is not retried with another key');
    const { text, json } = await readyz();
    const k1 = json.providers.aut.key_status[0];
    assert.equal(k1.usable, false, text);
    assert.equal(k1.reason, 'auth_failed', text);
    assert.ok(k1.retry_in_s > 0, text);
    const r2 = await chat('aut/gpt-x');
    assert.equal(r2.status, 200, r2.text);
    assert.deepEqual(r2.seen, [AUT[1]]);
  });
});

describe('429 storm: every key rate-limited', () => {
  test('→ 429 all_keys_cooling with retry-after = soonest recovery (5 of 5/7/9); every key tried once', async () => {
    const r = await chat('stm/gpt-x');
    assert.equal(r.status, 429, r.text);
    const e = assertOpenAiError(r.text, 'all_keys_cooling');
    assert.match(e.message, /stm/, 'the message should name the provider');
    assert.equal(r.headers.get('retry-after'), '5');
    assert.deepEqual(r.seen, STM, 'each key should be tried exactly once, in order');
  });

  test('while all keys cool: 429 at once without calling the upstream; a stream request gets a JSON error, nothing streamed', async () => {
    const r = await chat('stm/gpt-x', { stream: true });
    assert.equal(r.status, 429, r.text);
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    assert.ok(!r.text.includes('data:'), r.text);
    assertOpenAiError(r.text, 'all_keys_cooling');
    const ra = Number(r.headers.get('retry-after'));
    assert.ok(ra >= 1 && ra <= 5, `retry-after ${ra}`);
    assert.deepEqual(r.seen, [], 'no key is usable, so the upstream must not be called');
  });

  test('/readyz shows every key cooling (rate_limited) and the provider unavailable', async () => {
    const { text, json } = await readyz();
    const p = json.providers.stm;
    assert.equal(p.available, false, text);
    assert.equal(p.cooling, 3, text);
    const retry = p.key_status.map((k) => k.retry_in_s);
    for (const k of p.key_status) {
      assert.equal(k.usable, false);
      assert.equal(k.reason, 'rate_limited');
    }
    assert.ok(retry[0] <= 5 && retry[1] <= 7 && retry[2] <= 9 && retry[0] < retry[2], JSON.stringify(retry));
  });

  test('the server is intact and other providers are unaffected', async () => {
    await assertIntact(w, '429 storm');
    assert.equal((await chat('rot/gpt-x')).status, 200);
  });
});

describe('a burst of concurrent 429s', () => {
  test('12 requests refused at once without Retry-After cool the key once (30 s), not 12 times', async () => {
    // The mock holds each request 300 ms, so all 12 are sent with k1 before the first 429 returns.
    const rs = await Promise.all(Array.from({ length: 12 }, () => request(`${w.url}/v1/chat/completions`, {
      headers: { ...AUTH, 'x-mock-first-byte-delay-ms': '300' },
      body: { model: 'bst/gpt-x', messages: [{ role: 'user', content: 'hi' }] },
    })));
    for (const r of rs) assert.equal(r.status, 200, r.text);
    const k1 = (await readyz()).json.providers.bst.key_status[0];
    assert.equal(k1.usable, false);
    assert.ok(k1.retry_in_s <= 30, `a burst counted as several strikes: retry_in_s = ${k1.retry_in_s}`);
  });
});

describe('no key value leaks', () => {
  test('keys appear nowhere in logs, /readyz or /metrics (fingerprints only)', async () => {
    const m = await metrics();
    const { text } = await readyz();
    assert.match(m, /key="sha256:[0-9a-f]+/);
    for (const key of ALL_KEYS) {
      assert.ok(!m.includes(key), `/metrics leaks ${key}`);
      assert.ok(!text.includes(key), `/readyz leaks ${key}`);
      assert.ok(!w.output().includes(key), `warden output leaks ${key}`);
      // also not a long prefix of the key
      assert.ok(!w.output().includes(key.slice(0, 20)), `warden output leaks a prefix of ${key}`);
    }
  });
});
