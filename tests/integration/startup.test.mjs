// Start-up: the embedded default config and the generated gateway token, $WARDEN_HOME/.env,
// the upstream connection cap (max_connections_per_origin / upstream_busy), and config errors.
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startMock, startWarden, request, tmpDir, writeFile } from '../support/harness.mjs';
import { AUTH, TOKEN, assertOpenAiError, testId, recordedFor } from '../support/fixtures.mjs';

const chat = (model) => ({ model, messages: [{ role: 'user', content: 'hi' }] });
const mockProvider = (mockUrl) => `[providers.mock]\napi = "openai"\nbase_url = "${mockUrl}/v1"\n`;

/** startWarden that is expected to fail: resolves with the error (err.output, err.exit). */
async function startFails(opts) {
  let h;
  try {
    h = await startWarden(opts);
  } catch (e) {
    return e;
  }
  await h.stop();
  assert.fail(`warden started although it should not have\n--- output ---\n${h.output()}`);
}

describe('embedded default config', () => {
  let w;
  let token;
  const bind = ['--bind', '127.0.0.1:0'];

  before(async () => {
    // No --config, no provider keys, no WARDEN_GATEWAY_TOKEN (the harness passes only PATH/HOME/WARDEN_HOME).
    w = await startWarden({ config: null, args: bind });
  });
  after(async () => { await w?.stop(); });

  test('/readyz: 503 with the four default providers, all disabled', async () => {
    const r = await request(`${w.url}/readyz`);
    assert.equal(r.status, 503, r.text);
    const providers = r.json().providers;
    assert.deepEqual(Object.keys(providers).sort(), ['anthropic', 'openai', 'openrouter', 'vercel']);
    for (const [id, p] of Object.entries(providers)) {
      assert.equal(p.enabled, false, `${id}: ${JSON.stringify(p)}`);
      assert.equal(p.available, false, `${id}: ${JSON.stringify(p)}`);
    }
  });

  test('a gateway token is generated into $WARDEN_HOME/gateway.token (0600); the log names the path, never the value', async () => {
    const file = path.join(w.wardenHome, 'gateway.token');
    const st = fs.lstatSync(file);
    assert.ok(st.isFile());
    assert.equal(st.mode & 0o777, 0o600, `mode ${(st.mode & 0o777).toString(8)}`);
    assert.equal(fs.statSync(w.wardenHome).mode & 0o777, 0o700, 'WARDEN_HOME is created 0700');
    token = fs.readFileSync(file, 'utf8').trim();
    assert.ok(token.length >= 32, `token too short: ${token.length} chars`);
    assert.match(token, /^[\x21-\x7e]+$/, 'printable, no whitespace');
    assert.ok(w.output().includes(file), `the log does not name ${file}:\n${w.output()}`);

    // The token works (a wrong one does not), and the request is refused only for the missing key.
    const bad = await request(`${w.url}/v1/chat/completions`, { headers: { authorization: 'Bearer not-the-token-xyz' }, body: chat('openai/gpt-4o') });
    assert.equal(bad.status, 401, bad.text);
    const r = await request(`${w.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${token}` }, body: chat('openai/gpt-4o') });
    assert.equal(r.status, 503, r.text);
    const e = assertOpenAiError(r.text, 'provider_disabled');
    assert.match(e.message, /OPENAI_API_KEY/);
    assert.ok(!r.text.includes(token), 'the token is not echoed');

    // Once the access lines are flushed, no log line carries the token.
    await w.waitForOutput(/access POST \/v1\/chat\/completions 503/);
    assert.ok(!w.output().includes(token), 'the gateway token value appears in the log');
  });

  test('/readyz is logged and counted with the status it returned', async () => {
    const r = await request(`${w.url}/readyz`);
    assert.equal(r.status, 503);
    const m = await w.waitForOutput(/access GET \/readyz (\d{3})/);
    assert.equal(m[1], '503', m[0]);
    const metrics = await request(`${w.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(metrics.status, 200, metrics.text);
    assert.match(metrics.text, /^warden_requests_total\{route="readyz",[^}]*status="503",caller="-"\} \d+$/m);
    assert.doesNotMatch(metrics.text, /^warden_requests_total\{route="readyz",[^}]*status="200"[^}]*\}/m);
  });

  test('a second start with the same home reuses the token file', async () => {
    assert.ok(token, 'the previous test read the token');
    const file = path.join(w.wardenHome, 'gateway.token');
    const ino = fs.statSync(file).ino;
    await w.stop();
    const w2 = await startWarden({ config: null, args: bind, home: w.home });
    try {
      assert.equal(fs.readFileSync(file, 'utf8').trim(), token, 'the token changed on restart');
      assert.equal(fs.statSync(file).ino, ino, 'the token file was rewritten');
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      const r = await request(`${w2.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${token}` }, body: chat('openai/gpt-4o') });
      assert.equal(r.status, 503, r.text);
      assertOpenAiError(r.text, 'provider_disabled');
      assert.ok(!w2.output().includes(token), 'the gateway token value appears in the log');
    } finally {
      await w2.stop();
    }
  });
});

describe('$WARDEN_HOME/.env', () => {
  let mock;
  before(async () => { mock = await startMock(); });
  after(async () => { await mock?.stop(); });

  const withDotenv = (text) => {
    const home = tmpDir('warden-home-');
    writeFile(path.join(home, '.warden', '.env'), text, 0o600);
    return home;
  };

  test('a key from .env enables the provider; the process environment wins over it', async () => {
    const home = withDotenv('# provider keys\nMOCK_API_KEY=sk-from-dotenv\n');
    const cfg = `[gateway]\nbind = "127.0.0.1:0"\n${mockProvider(mock.url)}`;

    const w = await startWarden({ config: cfg, home, env: { WARDEN_GATEWAY_TOKEN: TOKEN } });
    try {
      const ready = await request(`${w.url}/readyz`);
      assert.equal(ready.status, 200, ready.text);
      assert.equal(ready.json().providers.mock.enabled, true, ready.text);
      const id = testId('dotenv');
      const r = await request(`${w.url}/v1/chat/completions`, { headers: { ...AUTH, 'x-test-id': id }, body: chat('mock/m') });
      assert.equal(r.status, 200, r.text);
      const [rec] = await recordedFor(mock, id);
      assert.equal(rec.headers.authorization, 'Bearer sk-from-dotenv');
      assert.ok(!w.output().includes('sk-from-dotenv'), 'the .env value appears in the log');
    } finally {
      await w.stop();
    }

    const w2 = await startWarden({ config: cfg, home, env: { WARDEN_GATEWAY_TOKEN: TOKEN, MOCK_API_KEY: 'sk-from-env' } });
    try {
      const id = testId('dotenv-env');
      const r = await request(`${w2.url}/v1/chat/completions`, { headers: { ...AUTH, 'x-test-id': id }, body: chat('mock/m') });
      assert.equal(r.status, 200, r.text);
      const [rec] = await recordedFor(mock, id);
      assert.equal(rec.headers.authorization, 'Bearer sk-from-env');
    } finally {
      await w2.stop();
    }
  });

  test('a malformed .env line → refuses to start, naming the line but not the value', async () => {
    const cfg = `[gateway]\nbind = "127.0.0.1:0"\n${mockProvider(mock.url)}`;
    const cases = [
      ['MOCK_API_KEY=sk-fine\n# comment\nthis-line-is-broken sk-dotenv-secret-999\n', 3, 'sk-dotenv-secret-999'],
      ['\nOTHER_KEY="sk-unterminated-secret-777\n', 2, 'sk-unterminated-secret-777'],
    ];
    for (const [text, line, secret] of cases) {
      const home = withDotenv(text);
      const err = await startFails({ config: cfg, home, env: { WARDEN_GATEWAY_TOKEN: TOKEN } });
      assert.notEqual(err.exit?.code, 0, `exit ${JSON.stringify(err.exit)}`);
      assert.match(err.output, new RegExp(`line ${line}\\b`), err.output);
      assert.ok(err.output.includes('.env'), `the message names the file:\n${err.output}`);
      assert.ok(!err.output.includes(secret), `the message contains the value:\n${err.output}`);
      assert.ok(!err.output.includes('sk-fine'), `the message contains another value:\n${err.output}`);
    }
  });
});

describe('[gateway.upstream] max_connections_per_origin = 1', () => {
  // One event loop: the cap is per loop.
  const cfg = (mockUrl, upstream) => `[gateway]\nbind = "127.0.0.1:0"\nthreads = 1\n[gateway.upstream]\nmax_connections_per_origin = 1\n${upstream}\n${mockProvider(mockUrl)}`;
  const env = { WARDEN_GATEWAY_TOKEN: TOKEN, MOCK_API_KEY: 'mock-key-1' };

  test('two concurrent requests are served one after the other over one connection', async () => {
    const mock = await startMock();
    const w = await startWarden({ config: cfg(mock.url, ''), env });
    try {
      const t0 = performance.now();
      const send = (i) => request(`${w.url}/v1/chat/completions`, {
        headers: { ...AUTH, 'x-mock-first-byte-delay-ms': '300', 'x-mock-delay-ms': '300' },
        body: chat(`mock/m${i}`),
      }).then((r) => ({ ...r, t: performance.now() - t0 }));
      const rs = await Promise.all([send(1), send(2)]);
      for (const [i, r] of rs.entries()) {
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json().model, `m${i + 1}`);
      }
      assert.ok(Math.max(...rs.map((r) => r.t)) >= 580, `not serialised: ${rs.map((r) => r.t.toFixed(0))} ms`);
      const st = await mock.stats();
      assert.equal(st.started, 2);
      assert.equal(st.maxActive, 1, `the mock saw concurrent requests: ${JSON.stringify(st)}`);
      assert.equal(st.maxOpenConnections, 1, `the mock saw concurrent connections: ${JSON.stringify(st)}`);
    } finally {
      await w.stop();
      await mock.stop();
    }
  });

  test('while the only connection is stalled, the next request gets 503 upstream_busy after connect_timeout', async () => {
    const mock = await startMock();
    const w = await startWarden({ config: cfg(mock.url, 'connect_timeout = "200ms"\nfirst_byte_timeout = "2s"'), env });
    try {
      const stalled = request(`${w.url}/v1/chat/completions`, {
        headers: { ...AUTH, 'x-mock-fault': 'stall' }, body: chat('mock/stall'),
      });
      await mock.waitStats('started', 1, 5000);

      const t0 = performance.now();
      const busy = await request(`${w.url}/v1/chat/completions`, { headers: AUTH, body: chat('mock/second') });
      const waited = performance.now() - t0;
      assert.equal(busy.status, 503, busy.text);
      assertOpenAiError(busy.text, 'upstream_busy');
      assert.ok(waited >= 190, `answered busy after ${waited.toFixed(0)} ms, before connect_timeout`);
      assert.ok(waited < 1900, `answered busy after ${waited.toFixed(0)} ms, not at connect_timeout`);
      assert.equal((await mock.stats()).started, 1, 'the second request never reached the upstream');

      const first = await stalled;
      assert.equal(first.status, 504, first.text);
      assertOpenAiError(first.text, 'upstream_timeout');

      // The slot is free again.
      const after = await request(`${w.url}/v1/chat/completions`, { headers: AUTH, body: chat('mock/third') });
      assert.equal(after.status, 200, after.text);
      assert.equal(after.json().model, 'third');
    } finally {
      await w.stop();
      await mock.stop();
    }
  });
});

describe('config errors at start', () => {
  test('a missing --config file → exit non-zero, IO_ERROR naming the file', async () => {
    const missing = path.join(tmpDir('warden-cfg-'), 'no-such-warden.toml');
    const err = await startFails({ config: null, args: ['--config', missing], env: { WARDEN_GATEWAY_TOKEN: TOKEN } });
    assert.equal(err.exit?.code, 1, `exit ${JSON.stringify(err.exit)}\n${err.output}`);
    assert.match(err.output, /IO_ERROR/);
    assert.ok(err.output.includes(missing), err.output);
  });

  test('invalid TOML → exit non-zero with file:line:col', async () => {
    const file = writeFile(path.join(tmpDir('warden-cfg-'), 'broken.toml'), '[gateway]\nbind = "127.0.0.1:0"\nthreads = = 3\n');
    const err = await startFails({ config: null, args: ['--config', file], env: { WARDEN_GATEWAY_TOKEN: TOKEN } });
    assert.equal(err.exit?.code, 1, `exit ${JSON.stringify(err.exit)}\n${err.output}`);
    assert.match(err.output, /broken\.toml:3:\d+/, err.output);
  });

  test('unknown keys → CONFIG_INVALID with "did you mean", all reported at once', async () => {
    const err = await startFails({
      config: '[gateway]\nbind = "127.0.0.1:0"\nthreds = 3\n[gateway.upstream]\nconect_timeout = "1s"\n',
      env: { WARDEN_GATEWAY_TOKEN: TOKEN },
    });
    assert.equal(err.exit?.code, 1, `exit ${JSON.stringify(err.exit)}\n${err.output}`);
    assert.match(err.output, /CONFIG_INVALID/);
    assert.match(err.output, /gateway\.threds.*did you mean "?gateway\.threads/s, err.output);
    assert.match(err.output, /gateway\.upstream\.conect_timeout.*did you mean "?gateway\.upstream\.connect_timeout/s, err.output);
  });
});
