// Reload: SIGHUP, a config file replaced by rename (inotify), a failed reload keeping the last
// good snapshot (and saying why in /readyz and metrics), recovery, cooldown state surviving
// reloads, and 20 config swaps under a steady load with zero failed requests.
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startMock, startWarden, request, sleep, tmpDir, writeFile } from '../support/harness.mjs';
import { AUTH, TOKEN, config, testId, recordedFor } from '../support/fixtures.mjs';

const KEY_A = 'sk-RELOAD-key-A-0a1b2c3d4e';
const KEY_B = 'sk-RELOAD-key-B-5f6a7b8c9d';
const KEY_C = 'sk-RELOAD-key-C-e0f1a2b3c4';

let mock;
before(async () => { mock = await startMock(); });
after(async () => { await mock?.stop(); });

/** A config whose provider `rl` uses the given literal keys. */
function cfg(keys, { watch = true, extra = '', gateway = '' } = {}) {
  return config(mock.url, {
    gateway,
    tail: `[reload]\nwatch = ${watch}\n`
      + `[providers.rl]\napi = "openai"\nbase_url = "${mock.url}/v1"\nkeys = [${keys.map((k) => `"${k}"`).join(', ')}]\n${extra}`,
  });
}

const env = { WARDEN_GATEWAY_TOKEN: TOKEN, MOCK_API_KEY: 'mock-key-1', CLAUDE_API_KEY: 'claude-key-1' };

/** Replace the config atomically: write a temp file beside it, then rename over it. */
function replaceConfig(w, text) {
  const tmp = path.join(path.dirname(w.configPath), `.warden.toml.${process.pid}.${Date.now()}.tmp`);
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, w.configPath);
}

async function readyz(w) {
  const r = await request(`${w.url}/readyz`, { timeoutMs: 3000 });
  return r.json();
}

/** Poll /readyz (every 20 ms, bounded) until pred(json) holds; returns that json. */
async function waitReadyz(w, pred, what, ms = 5000) {
  const deadline = performance.now() + ms;
  let last;
  for (;;) {
    last = await readyz(w);
    if (pred(last)) return last;
    if (performance.now() > deadline) {
      assert.fail(`timeout after ${ms} ms waiting for ${what}; last /readyz: ${JSON.stringify(last)}\n--- warden output (tail) ---\n${w.output().slice(-2000)}`);
    }
    await sleep(20);
  }
}

async function upstreamKey(w, model = 'rl/gpt-x') {
  const id = testId('rel');
  const r = await request(`${w.url}/v1/chat/completions`, {
    headers: { ...AUTH, 'x-test-id': id },
    body: { model, messages: [{ role: 'user', content: 'hi' }] },
  });
  assert.equal(r.status, 200, r.text);
  const seen = await recordedFor(mock, id);
  return seen.map((q) => q.credential);
}

async function metricValue(w, re) {
  const m = (await request(`${w.url}/metrics`, { headers: AUTH })).text;
  const x = re.exec(m);
  return x ? Number(x[1]) : 0;
}

describe('SIGHUP', () => {
  let w;
  before(async () => {
    w = await startWarden({ config: cfg([KEY_A], { watch: false }), env });
  });
  after(async () => { await w?.stop(); });

  test('SIGHUP reload picks up a new key: fingerprint in /readyz changes, generation increments', async () => {
    const r0 = await readyz(w);
    const fpA = r0.providers.rl.key_status[0].fingerprint;
    assert.match(fpA, /^sha256:/);
    assert.deepEqual(await upstreamKey(w), [KEY_A]);
    // rewrite in place (watch = false: only the signal may trigger the reload)
    fs.writeFileSync(w.configPath, cfg([KEY_B], { watch: false }));
    w.process.kill('SIGHUP');
    const r1 = await waitReadyz(w, (j) => j.generation > r0.generation, 'generation to advance after SIGHUP');
    assert.equal(r1.generation, r0.generation + 1);
    const fpB = r1.providers.rl.key_status[0].fingerprint;
    assert.match(fpB, /^sha256:/);
    assert.notEqual(fpB, fpA);
    assert.equal(r1.reload.ok, (r0.reload.ok ?? 0) + 1);
    assert.deepEqual(await upstreamKey(w), [KEY_B]);
    await w.waitForOutput(/reload/i);
    assert.ok(!w.output().includes(KEY_A) && !w.output().includes(KEY_B), 'a key leaked into the log');
  });

  test('cooldown state survives a reload (keyed by stable credential ids)', async () => {
    await mock.setKeys({ [KEY_B]: { status: 429, retry_after: 40 } });
    try {
      fs.writeFileSync(w.configPath, cfg([KEY_B, KEY_C], { watch: false }));
      let r0 = await readyz(w);
      w.process.kill('SIGHUP');
      r0 = await waitReadyz(w, (j) => j.generation > r0.generation && j.providers.rl.keys === 2, 'reload with two keys');
      assert.deepEqual(await upstreamKey(w), [KEY_B, KEY_C]);
      const before = await readyz(w);
      assert.equal(before.providers.rl.key_status[0].usable, false);
      w.process.kill('SIGHUP');
      const after = await waitReadyz(w, (j) => j.generation > before.generation, 'another reload');
      const k = after.providers.rl.key_status[0];
      assert.equal(k.usable, false, `the cooldown was lost in the reload: ${JSON.stringify(after.providers.rl)}`);
      assert.equal(k.reason, 'rate_limited');
      assert.ok(k.retry_in_s > 30, JSON.stringify(k));
      assert.deepEqual(await upstreamKey(w), [KEY_C]);
    } finally {
      await mock.setKeys({});
    }
  });
});

describe('file replaced by rename (no signal)', () => {
  let w;
  before(async () => {
    w = await startWarden({ config: cfg([KEY_A]), env });
  });
  after(async () => { await w?.stop(); });

  test('write temp + rename → reload without a signal; the new key is used', async () => {
    const r0 = await readyz(w);
    assert.deepEqual(await upstreamKey(w), [KEY_A]);
    replaceConfig(w, cfg([KEY_B]));
    const r1 = await waitReadyz(w, (j) => j.generation > r0.generation, 'generation to advance after rename');
    assert.notEqual(r1.providers.rl.key_status[0].fingerprint, r0.providers.rl.key_status[0].fingerprint);
    assert.deepEqual(await upstreamKey(w), [KEY_B]);
  });

  test('invalid TOML → reload fails, old snapshot kept and serving; /readyz reload.last_error says why; metric counted', async () => {
    const r0 = await readyz(w);
    const failed0 = await metricValue(w, /^warden_reloads_total\{result="failed"\} (\d+)/m);
    replaceConfig(w, `${cfg([KEY_C])}\n[providers.broken\napi = "openai"\n`);
    const r1 = await waitReadyz(w, (j) => (j.reload.failed ?? 0) > (r0.reload.failed ?? 0), 'the failed reload to be reported');
    assert.equal(r1.generation, r0.generation, 'a failed reload must not change the generation');
    assert.equal(typeof r1.reload.last_error, 'string', JSON.stringify(r1.reload));
    assert.match(r1.reload.last_error, /toml|parse|syntax|expected/i);
    assert.match(r1.reload.last_error, /warden\.toml|line/i, 'the error should locate the problem');
    assert.equal(r1.providers.rl.key_status[0].fingerprint, r0.providers.rl.key_status[0].fingerprint);
    // still serving with the last good config (KEY_B), several times
    for (let i = 0; i < 3; i++) assert.deepEqual(await upstreamKey(w), [KEY_B]);
    const failed1 = await metricValue(w, /^warden_reloads_total\{result="failed"\} (\d+)/m);
    assert.equal(failed1, failed0 + 1);
    await w.waitForOutput(/reload.*fail/i);
  });

  test('a valid config with an unresolvable ref → reload fails with the code, last good kept', async () => {
    const r0 = await readyz(w);
    replaceConfig(w, cfg([KEY_C], { extra: '[providers.rl.headers]\nx-h = { source = "env", id = "WARDEN_T_NOT_SET" }\n' }));
    const r1 = await waitReadyz(w, (j) => (j.reload.failed ?? 0) > (r0.reload.failed ?? 0), 'the failed reload');
    assert.equal(r1.generation, r0.generation);
    assert.match(r1.reload.last_error, /SECRET_REF_NOT_FOUND/);
    assert.match(r1.reload.last_error, /WARDEN_T_NOT_SET/);
    assert.deepEqual(await upstreamKey(w), [KEY_B]);
  });

  test('fixing the file recovers: generation advances, last_error cleared, new key used', async () => {
    const r0 = await readyz(w);
    const ok0 = await metricValue(w, /^warden_reloads_total\{result="ok"\} (\d+)/m);
    replaceConfig(w, cfg([KEY_C]));
    const r1 = await waitReadyz(w, (j) => j.generation > r0.generation, 'recovery');
    assert.equal(r1.reload.last_error, undefined, JSON.stringify(r1.reload));
    assert.deepEqual(await upstreamKey(w), [KEY_C]);
    assert.equal(await metricValue(w, /^warden_reloads_total\{result="ok"\} (\d+)/m), ok0 + 1);
  });
});

describe('reload under load', () => {
  let w;
  before(async () => {
    w = await startWarden({ config: cfg([KEY_A]), env });
  });
  after(async () => { await w?.stop(); });

  test('20 config swaps (by rename) under 8 concurrent keep-alive requesters → zero failed requests', async (t) => {
    const SWAPS = 20;
    const WORKERS = 8;
    let stop = false;
    const results = { total: 0, bad: [] };
    const keysSeen = new Set();
    const worker = async (n) => {
      while (!stop) {
        const streaming = n % 2 === 1;
        try {
          const r = await request(`${w.url}/v1/chat/completions`, {
            headers: { ...AUTH, 'x-mock-delay-ms': streaming ? '3' : '0' },
            body: { model: 'rl/gpt-x', stream: streaming, messages: [{ role: 'user', content: 'hi' }] },
            timeoutMs: 5000,
          });
          results.total++;
          const complete = streaming ? r.text.includes('data: [DONE]') : r.text.includes('chunk0 chunk1 chunk2');
          if (r.status !== 200 || !complete) results.bad.push(`${r.status} ${r.text.slice(0, 200)}`);
        } catch (e) {
          results.total++;
          results.bad.push(`exception: ${e.cause?.code ?? e.message}`);
        }
      }
    };
    const t0 = performance.now();
    const workers = Array.from({ length: WORKERS }, (_, i) => worker(i));
    let gen = (await readyz(w)).generation;
    try {
      for (let i = 1; i <= SWAPS; i++) {
        const key = i % 2 === 1 ? KEY_B : KEY_A;
        replaceConfig(w, cfg([key]));
        // eslint-disable-next-line no-loop-func
        const j = await waitReadyz(w, (x) => x.generation > gen, `generation to advance (swap ${i})`);
        assert.equal(j.reload.last_error, undefined, `swap ${i} failed: ${JSON.stringify(j.reload)}`);
        gen = j.generation;
      }
    } finally {
      stop = true;
      await Promise.all(workers);
    }
    const elapsed = performance.now() - t0;
    t.diagnostic(`${results.total} requests during ${SWAPS} swaps in ${Math.round(elapsed)} ms`);
    assert.ok(results.total > 0, 'no requests were sent');
    assert.deepEqual(results.bad, [], `${results.bad.length} of ${results.total} requests failed`);
    assert.ok(results.total >= SWAPS, `only ${results.total} requests during ${Math.round(elapsed)} ms of swapping`);
    // both keys were really used by the upstream during the swaps
    for (const q of await mock.requests()) if (q.credential === KEY_A || q.credential === KEY_B) keysSeen.add(q.credential);
    assert.deepEqual([...keysSeen].sort(), [KEY_A, KEY_B].sort());
    // the final config (swap 20 → KEY_A) is the one in use
    assert.deepEqual(await upstreamKey(w), [KEY_A]);
    const rz = await readyz(w);
    assert.ok(rz.reload.ok >= SWAPS, JSON.stringify(rz.reload));
    assert.equal(rz.reload.failed ?? 0, 0);
  });
});

describe('what a reload may not change', () => {
  let w;
  before(async () => {
    w = await startWarden({ config: cfg([KEY_A], { watch: false }), env });
  });
  after(async () => { await w?.stop(); });

  test('auth mode token → none is refused on reload; callers still need the token', async () => {
    const r0 = await readyz(w);
    fs.writeFileSync(w.configPath, cfg([KEY_A], { watch: false, gateway: '[gateway.auth]\nmode = "none"' }), { mode: 0o600 });
    w.process.kill('SIGHUP');
    const r1 = await waitReadyz(w, (j) => j.reload.failed > r0.reload.failed, 'the reload to be refused');
    assert.match(r1.reload.last_error, /gateway\.auth\.mode/);
    assert.match(r1.reload.last_error, /restart/);
    assert.equal(r1.generation, r0.generation, 'the old snapshot stays');
    const anon = await request(`${w.url}/v1/chat/completions`, { body: { model: 'rl/gpt-x' } });
    assert.equal(anon.status, 401, 'a request without the token must still be refused');
  });

  test('a config made writable by others is refused on reload (FILE_INSECURE); the old one stays', async () => {
    const r0 = await readyz(w);
    fs.writeFileSync(w.configPath, cfg([KEY_B], { watch: false }));
    fs.chmodSync(w.configPath, 0o666);
    try {
      w.process.kill('SIGHUP');
      const r1 = await waitReadyz(w, (j) => j.reload.failed > r0.reload.failed, 'the reload to be refused');
      assert.match(r1.reload.last_error, /FILE_INSECURE/);
      assert.ok(r1.reload.last_error.includes(`chmod go-w ${w.configPath}`), r1.reload.last_error);
      assert.equal(r1.generation, r0.generation, 'the old snapshot stays');
      assert.deepEqual(await upstreamKey(w), [KEY_A], 'still the old key');
    } finally {
      fs.writeFileSync(w.configPath, cfg([KEY_A], { watch: false }));
      fs.chmodSync(w.configPath, 0o600);
    }
  });

  test('a changed bind is refused on reload with a message naming the restart', async () => {
    const r0 = await readyz(w);
    fs.writeFileSync(w.configPath, cfg([KEY_A], { watch: false }).replace('bind = "127.0.0.1:0"', 'bind = "127.0.0.1:1"'), { mode: 0o600 });
    w.process.kill('SIGHUP');
    const r1 = await waitReadyz(w, (j) => j.reload.failed > r0.reload.failed, 'the reload to be refused');
    assert.match(r1.reload.last_error, /gateway\.bind/);
    assert.match(r1.reload.last_error, /restart/);
    assert.equal((await upstreamKey(w)).length, 1, 'still serving on the old address');
  });
});

describe('gateway.access_log', () => {
  let w;
  before(async () => {
    // One event loop: one access-log buffer, so a line written while the log was off would be
    // flushed no later than the line awaited below.
    w = await startWarden({ config: cfg([KEY_A], { watch: false, gateway: 'threads = 1\naccess_log = false' }), env });
  });
  after(async () => { await w?.stop(); });

  test('off: proxied requests write no access line; a reload turns it on without a restart', async () => {
    for (let i = 0; i < 3; i++) await upstreamKey(w);
    const r0 = await readyz(w);
    fs.writeFileSync(w.configPath, cfg([KEY_A], { watch: false, gateway: 'threads = 1' }), { mode: 0o600 });
    w.process.kill('SIGHUP');
    await waitReadyz(w, (j) => j.generation > r0.generation, 'the reload');
    await upstreamKey(w);
    await w.waitForOutput(/info access POST \/v1\/chat\/completions 200/);
    const lines = w.output().match(/info access POST \/v1\/chat\/completions 200/g);
    assert.equal(lines.length, 1, `only the request after the reload is logged:\n${lines.join('\n')}`);
  });
});

describe('a credential over 63 KiB on reload', () => {
  let w;
  let secret;
  before(async () => {
    secret = writeFile(path.join(tmpDir('warden-reload-secret-'), 'key.txt'), `${KEY_A}\n`);
    w = await startWarden({
      config: config(mock.url, {
        tail: `[reload]\nwatch = false\n[secrets.providers.fk]\nsource = "file"\npath = ${JSON.stringify(secret)}\nmode = "single_value"\n`
          + `[providers.rl]\napi = "openai"\nbase_url = "${mock.url}/v1"\nkeys = [{ source = "file", provider = "fk", id = "value" }]\n`,
      }),
      env,
    });
  });
  after(async () => { await w?.stop(); });

  test('a 70,000-byte key in the secret file → reload refused with SECRET_VALUE_INVALID, never the value; the last good key serves', async () => {
    assert.deepEqual(await upstreamKey(w), [KEY_A]);
    const r0 = await readyz(w);
    const huge = 'sk-HUGE-reload-'.padEnd(70_000, 'z');
    const tmp = `${secret}.tmp`;
    writeFile(tmp, `${huge}\n`);
    fs.renameSync(tmp, secret);
    w.process.kill('SIGHUP');
    const r1 = await waitReadyz(w, (j) => (j.reload.failed ?? 0) > (r0.reload.failed ?? 0), 'the reload to be refused');
    assert.equal(r1.generation, r0.generation, 'the old snapshot stays');
    assert.match(r1.reload.last_error, /SECRET_VALUE_INVALID/);
    assert.match(r1.reload.last_error, /70000 bytes, over the 63 KiB/);
    assert.match(r1.reload.last_error, /providers\.rl\.keys\[0\]/);
    assert.deepEqual(await upstreamKey(w), [KEY_A]);
    await w.waitForOutput(/reload.*fail/i);
    assert.ok(!w.output().includes('sk-HUGE-') && !JSON.stringify(r1).includes('zzzzzzzz'), 'the value leaked');
  });
});
