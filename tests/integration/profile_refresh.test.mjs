// Background OAuth refresh inside `warden serve` (README "Background refresh"), against a real
// OAuth server (tests/support/oauth_server.mjs) and the mock upstream: a profile within 5 min of
// `expires` is refreshed through the cross-process fence and the next request carries the new
// token upstream without a restart; two servers sharing one store make one grant; a token
// endpoint that is down keeps the token, records a backoff and is not hammered while the gateway
// stays ready; invalid_grant shows as needs_login in /readyz, /metrics and `warden status`.
// No access or refresh token value appears in any output (checked per test).
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, request, startMock, startWarden, tmpDir, writeFile } from '../support/harness.mjs';
import { AUTH, TOKEN, testId, recordedFor } from '../support/fixtures.mjs';
import { runCli } from '../support/cli.mjs';
import { startOAuthServer } from '../support/oauth_server.mjs';

const PLANTED = 'at-planted-REFRESH-old-access-0a1b2c3d';
const REFRESHED_RE = /profile codex:default: refreshed \(sha256:/;
const REUSED_RE = /profile codex:default: reused a peer's refresh/;
const ATTEMPT_RE = /refreshing profile codex:default in the background/g;

let server;
let mock;
const started = []; // every warden of this file, for the leak check
before(async () => {
  server = await startOAuthServer();
  mock = await startMock();
});
after(async () => {
  for (const w of started) await w.stop().catch(() => {});
  await mock?.stop();
  await server?.close();
});


// A home whose store holds codex:default as a login left it, `expires` inside the 5 min window.
function plantHome({ refresh = server.newRefreshToken(), expiresIn = 60_000, fields = {} } = {}) {
  const home = tmpDir('warden-bgrefresh-');
  const store = path.join(home, '.warden', 'auth-profiles.json');
  const doc = { version: 1, profiles: { 'codex:default': {
    type: 'oauth', provider: 'codex', access: PLANTED, refresh,
    expires: Date.now() + expiresIn, accountId: 'acct-1', ...fields,
  } }, order: {} };
  writeFile(store, JSON.stringify(doc), 0o600);
  return { home, store, refresh };
}

function configText(port = 0, tail = '') {
  return `[gateway]
bind = "127.0.0.1:${port}"
${tail}
[providers.codex]
api = "openai"
base_url = "${mock.url}/v1"
[providers.codex.oauth]
authorize_url = "${server.url}/oauth/authorize"
token_url = "${server.url}/oauth/token"
client_id = "${server.clientId}"
`;
}

async function serve(ctx, port = 0, tail = '') {
  const w = await startWarden({ home: ctx.home, config: configText(port, tail), env: { WARDEN_GATEWAY_TOKEN: TOKEN } });
  started.push(w);
  return w;
}

const readStore = (ctx) => JSON.parse(fs.readFileSync(ctx.store, 'utf8')).profiles['codex:default'];
const grantsFor = (rt) => server.grants.filter((g) => g === rt).length;
const attempts = (w) => (w.output().match(ATTEMPT_RE) ?? []).length;

async function chat(w) {
  const id = testId('bgr');
  const r = await request(`${w.url}/v1/chat/completions`, {
    headers: { ...AUTH, 'x-test-id': id },
    body: { model: 'codex/gpt-x', messages: [{ role: 'user', content: 'hi' }] },
  });
  return { ...r, seen: (await recordedFor(mock, id)).map((q) => q.credential) };
}

const metricsOf = async (w) => (await request(`${w.url}/metrics`, { headers: AUTH })).text;

async function readyz(w) {
  const r = await request(`${w.url}/readyz`);
  return { status: r.status, doc: r.json() };
}

// Waits (bounded) until /readyz satisfies `pred`: the control plane rebuilds the snapshot on its
// own thread after the store changes; this awaits the observable result of that rebuild.
async function untilReadyz(w, pred, what) {
  const deadline = Date.now() + 8000;
  let last;
  while (Date.now() < deadline) {
    last = await readyz(w);
    if (pred(last.doc)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`/readyz never showed ${what}: ${JSON.stringify(last)}\n${w.output().slice(-2000)}`);
}

// Waits for a snapshot rebuild that began after the line `re` matches: the refresher logs its
// outcome on the control thread after the store was written, and reloads run on that thread
// too, so a "reloaded" line after it comes from a reload that read the refreshed store.
const rebuiltAfter = (w, re) => w.waitForOutput(new RegExp(`${re.source}[^]*reloaded \\(`));

// Reloads by SIGHUP and waits for it to finish: every reload re-plans the refresher on the
// control thread, so an attempt that a backoff did not hold back would start before the next one.
async function sighupReload(w, n) {
  for (let i = 1; i <= n; ++i) {
    w.process.kill('SIGHUP');
    await w.waitForOutput(new RegExp(`(?:reloaded \\(SIGHUP\\)[^]*?){${i}}`));
  }
}

function assertNoTokenIn(out, extra = []) {
  for (const v of [...server.issued, PLANTED, ...extra]) {
    assert.ok(!out.includes(v), `a token value was printed: ${v.slice(0, 8)}…`);
  }
}

describe('background refresh in warden serve', () => {
  test('a profile inside the 5 min window is refreshed; the next request carries the new token', async () => {
    const ctx = plantHome();
    const w = await serve(ctx);
    await rebuiltAfter(w, REFRESHED_RE);
    const p = readStore(ctx);
    assert.notEqual(p.access, PLANTED);
    assert.ok(server.issued.includes(p.access), 'the stored token is the one the server issued');
    assert.ok(p.expires > Date.now() + 3000_000);
    assert.equal(p.refreshPending, undefined);
    assert.equal(grantsFor(ctx.refresh), 1);
    // The store watch rebuilt the snapshot: the new token reaches requests without a restart.
    const r = await chat(w);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.seen, [p.access]);
    const metrics = await metricsOf(w);
    assert.match(metrics, /warden_profile_refreshes_total\{provider="codex",result="ok"\} 1\n/);
    assert.match(metrics, /warden_profiles_needing_login\{provider="codex"\} 0\n/);
    assert.equal(attempts(w), 1, 'one attempt: the new token is not due for ~55 min');
    assertNoTokenIn(w.output(), [ctx.refresh]);
  });

  test('with the file watch off, the refresher asks for the rebuild itself', async () => {
    const ctx = plantHome();
    const w = await serve(ctx, 0, '[reload]\nwatch = false');
    await w.waitForOutput(/reloaded \(profile refreshed\)/);
    const p = readStore(ctx);
    assert.notEqual(p.access, PLANTED);
    const r = await chat(w);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.seen, [p.access]);
    assertNoTokenIn(w.output(), [ctx.refresh]);
  });

  test('two serve processes on one store: one grant, both send the new token', async () => {
    const ctx = plantHome();
    // The first server's grant is held until the second has started its own refresh, so the
    // second meets the first's pending record whatever the machine's speed (under TSan a
    // second server starting after the first had committed found nothing to refresh).
    server.mode = 'held';
    let a;
    let b;
    try {
      const arrived = server.grantArrived();
      a = await serve(ctx);
      await arrived;
      b = await serve(ctx);
      await b.waitForOutput(/refreshing profile codex:default in the background/);
      server.release();
      await Promise.all([a, b].map((w) => w.waitForOutput(/profile codex:default: (?:refreshed|reused)/)));
      // Which comes first in a process, its outcome line or the reload the committed store's
      // change triggers, is a race (the pending record's write triggers one too): a SIGHUP
      // reload after both outcomes is the one known to have read the committed store.
      for (const w of [a, b]) await sighupReload(w, 1);
    } finally {
      server.mode = 'ok';
      server.release();
    }
    assert.equal(grantsFor(ctx.refresh), 1, 'the refresh token was spent once');
    assert.equal(server.spent.get(ctx.refresh), 1);
    const outs = [a.output(), b.output()];
    assert.equal(outs.filter((o) => REFRESHED_RE.test(o)).length, 1, 'exactly one server refreshed');
    assert.equal(outs.filter((o) => REUSED_RE.test(o)).length, 1, 'the other reused its token');
    const p = readStore(ctx);
    for (const w of [a, b]) {
      const r = await chat(w);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.seen, [p.access]);
      assertNoTokenIn(w.output(), [ctx.refresh]);
    }
    const metrics = (await metricsOf(a)) + (await metricsOf(b));
    assert.match(metrics, /warden_profile_refreshes_total\{provider="codex",result="reused_peer"\} 1\n/);
  });

  test('token endpoint down: the token is kept, a backoff recorded, no hammering, still ready', async () => {
    const ctx = plantHome();
    server.mode = 'down';
    try {
      const w = await serve(ctx);
      await w.waitForOutput(/profile codex:default: background refresh failed: OAUTH_ERROR[^\n]*retry in 30s/);
      const p = readStore(ctx);
      assert.equal(p.access, PLANTED);
      assert.equal(p.refresh, ctx.refresh);
      assert.equal(p.refreshBackoff.failures, 1);
      assert.equal(p.refreshBackoff.error, 'OAUTH_ERROR');
      assert.ok(p.refreshBackoff.until >= Date.now() + 20_000);
      assert.equal(p.refreshPending, undefined);
      // Three reloads re-plan the refresher three times: the backoff holds every time.
      await sighupReload(w, 3);
      assert.equal(attempts(w), 1, w.output());
      assert.equal(grantsFor(ctx.refresh), 1);
      const { status, doc } = await readyz(w);
      assert.equal(status, 200);
      assert.equal(doc.status, 'ready');
      assert.deepEqual(doc.providers.codex.profiles, { total: 1, usable: 1, cooling: 0, expired: 0, needs_login: 0 });
      const r = await chat(w);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.seen, [PLANTED], 'the present token is still used');
      const metrics = await metricsOf(w);
      assert.match(metrics, /warden_profile_refreshes_total\{provider="codex",result="failed"\} 1\n/);
      assertNoTokenIn(w.output(), [ctx.refresh]);
    } finally {
      server.mode = 'ok';
    }
  });

  test('invalid_grant: needs_login in /readyz, /metrics and status; the token is kept', async () => {
    const ctx = plantHome({ refresh: 'rt-REFRESH-already-spent-elsewhere-9f8e' });
    const port = await freePort(); // a fixed port, so `warden status` finds the live gateway
    const w = await serve(ctx, port);
    await w.waitForOutput(/profile codex:default: the refresh token was refused \(OAUTH_INVALID_GRANT\)/);
    assert.equal(readStore(ctx).needsLogin, true);
    assert.equal(readStore(ctx).access, PLANTED);
    const { status, doc } = await untilReadyz(w, (d) => d.providers.codex.profiles?.needs_login === 1, 'needs_login 1');
    assert.equal(status, 200, 'the access token still works until it expires');
    assert.equal(doc.providers.codex.profiles.usable, 1);
    const metrics = await metricsOf(w);
    assert.match(metrics, /warden_profiles_needing_login\{provider="codex"\} 1\n/);
    assert.match(metrics, /warden_profile_refreshes_total\{provider="codex",result="invalid_grant"\} 1\n/);
    await sighupReload(w, 1);
    assert.equal(attempts(w), 1, 'a refused refresh token is not tried again');
    const cfg = writeFile(path.join(tmpDir('warden-bgrefresh-cfg-'), 'warden.toml'), configText(port));
    const st = await runCli(['status', '--config', cfg], { home: ctx.home, env: { WARDEN_GATEWAY_TOKEN: TOKEN } });
    assert.match(st.stdout, /codex:default .*NEEDS LOGIN/);
    assert.match(st.stdout, /codex\s+profiles: 1 usable, 0 cooling, 0 expired \(of 1\); needs login: 1/);
    const json = await runCli(['status', '--json', '--config', cfg], { home: ctx.home, env: { WARDEN_GATEWAY_TOKEN: TOKEN } });
    assert.equal(JSON.parse(json.stdout).live.providers.codex.profiles.needs_login, 1);
    assertNoTokenIn(w.output() + st.out + json.out, ['rt-REFRESH-already-spent-elsewhere-9f8e']);
  });

  test('a slow grant does not hold up the control loop: a reload completes meanwhile', async () => {
    const ctx = plantHome();
    server.mode = 'slow';
    server.slowMs = 3000;
    try {
      const w = await serve(ctx);
      await w.waitForOutput(/refreshing profile codex:default in the background/);
      w.process.kill('SIGHUP');
      await w.waitForOutput(/reloaded \(SIGHUP\)/);
      assert.doesNotMatch(w.output(), REFRESHED_RE, 'the reload waited for the grant');
      await rebuiltAfter(w, REFRESHED_RE);
      const r = await chat(w);
      assert.deepEqual(r.seen, [readStore(ctx).access]);
    } finally {
      server.mode = 'ok';
      server.slowMs = 1500;
    }
  });

  test('SIGTERM during a grant: the refresh is finished and committed before exit', async () => {
    const ctx = plantHome();
    server.mode = 'slow'; // the grant takes 1.5 s
    try {
      const w = await serve(ctx);
      await w.waitForOutput(/refreshing profile codex:default in the background/);
      const exit = await w.stop('SIGTERM');
      assert.equal(exit.code, 0, w.output());
      assert.match(w.output(), REFRESHED_RE);
    } finally {
      server.mode = 'ok';
    }
    // The rotated refresh token was written back: nothing spent is lost, no record left behind.
    const p = readStore(ctx);
    assert.notEqual(p.refresh, ctx.refresh);
    assert.ok(server.issued.includes(p.refresh) && server.issued.includes(p.access));
    assert.equal(p.refreshPending, undefined);
    assert.equal(grantsFor(ctx.refresh), 1);
  });

  test('SIGTERM while waiting on a live peer\'s pending record: the wait ends at once, nothing spent', async () => {
    const ctx = plantHome({ fields: { refreshPending: { by: 'peer-host:77:alive', since: Date.now() } } });
    const w = await serve(ctx);
    await w.waitForOutput(/refreshing profile codex:default in the background/);
    const t0 = Date.now();
    const exit = await w.stop('SIGTERM');
    assert.equal(exit.code, 0, w.output());
    assert.ok(Date.now() - t0 < 5000, `the stop took ${Date.now() - t0} ms (the wait bound is 20 s)`);
    assert.equal(grantsFor(ctx.refresh), 0);
    assert.equal(readStore(ctx).refreshPending.by, 'peer-host:77:alive', 'the peer\'s record is left alone');
  });

  test('a profile far from expiry is left alone', async () => {
    const ctx = plantHome({ expiresIn: 3600_000 });
    const w = await serve(ctx);
    await sighupReload(w, 1);
    assert.equal(attempts(w), 0);
    assert.equal(grantsFor(ctx.refresh), 0);
    assert.equal(readStore(ctx).access, PLANTED);
  });
});
