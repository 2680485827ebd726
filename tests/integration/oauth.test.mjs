// `warden auth login` (PKCE, loopback callback or paste) and `warden auth refresh` (the
// cross-process fence) against a real OAuth server on 127.0.0.1 (tests/support/oauth_server.mjs).
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort, tmpDir, writeFile } from '../support/harness.mjs';
import { runCli, startCli } from '../support/cli.mjs';
import { startOAuthServer } from '../support/oauth_server.mjs';

let server;
before(async () => { server = await startOAuthServer(); });
after(async () => { await server?.close(); });


async function setup() {
  const home = tmpDir('warden-oauth-');
  const port = await freePort();
  const configFile = writeFile(path.join(tmpDir('warden-oauth-cfg-'), 'warden.toml'), `
[providers.codex]
base_url = "http://127.0.0.1:9/v1"
[providers.codex.oauth]
authorize_url = "${server.url}/oauth/authorize"
token_url = "${server.url}/oauth/token"
client_id = "${server.clientId}"
scopes = ["openid", "offline_access"]
redirect_uri = "http://127.0.0.1:${port}/auth/callback"
`);
  return { home, port, configFile, store: path.join(home, '.warden', 'auth-profiles.json') };
}

const URL_RE = /(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+)/;

function get(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    }).on('error', reject);
  });
}

// The browser's part: the authorize request, whose answer redirects to the callback.
async function authorize(authorizeUrl) {
  const r = await get(authorizeUrl);
  assert.equal(r.status, 302, r.body);
  return new URL(r.headers.location);
}

function login(ctx, extra = []) {
  return startCli(['auth', 'login', '--provider', 'codex', '--no-browser', ...extra],
    { home: ctx.home, configFile: ctx.configFile });
}

function readStore(ctx) {
  return JSON.parse(fs.readFileSync(ctx.store, 'utf8'));
}

function assertNoTokenIn(out) {
  for (const v of server.issued) assert.ok(!out.includes(v), `a token value was printed: ${v.slice(0, 8)}…`);
}

describe('warden auth login', () => {
  test('via the loopback callback: PKCE checked by the server, profile stored 0600', async () => {
    const ctx = await setup();
    const cli = login(ctx, ['--timeout', '20s']);
    const [, url] = await cli.waitFor(URL_RE);
    assert.match(url, /code_challenge_method=S256/);
    assert.match(url, new RegExp(`redirect_uri=http%3A%2F%2F127.0.0.1%3A${ctx.port}%2Fauth%2Fcallback`));
    const callback = await authorize(url);
    const page = await get(callback.toString());
    assert.equal(page.status, 200);
    assert.match(page.body, /Login received/);
    const r = await cli.done;
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /stored codex:default/);
    const doc = readStore(ctx);
    const p = doc.profiles['codex:default'];
    assert.equal(p.type, 'oauth');
    assert.ok(server.issued.includes(p.access) && server.issued.includes(p.refresh));
    assert.equal(p.accountId, 'acct-1');
    assert.equal(p.email, 'me@example.com');
    assert.ok(p.expires > Date.now() + 3000_000);
    assert.equal(fs.statSync(ctx.store).mode & 0o777, 0o600);
    assertNoTokenIn(r.out);
    assert.ok(!r.out.includes(callback.searchParams.get('code')), 'the code was printed');
  });

  test('via a paste on stdin (the browser is elsewhere), with --profile', async () => {
    const ctx = await setup();
    const cli = login(ctx, ['--profile', 'work', '--timeout', '20s']);
    const [, url] = await cli.waitFor(URL_RE);
    const callback = await authorize(url); // not delivered: the user copies it instead
    cli.write(`${callback.toString()}\n`);
    const r = await cli.done;
    assert.equal(r.code, 0, r.out);
    assert.ok(readStore(ctx).profiles['codex:work']);
    assertNoTokenIn(r.out);
  });

  test('a pasted code#state works too; a pasted wrong state is refused and the wait goes on', async () => {
    const ctx = await setup();
    const cli = login(ctx, ['--timeout', '20s']);
    const [, url] = await cli.waitFor(URL_RE);
    const callback = await authorize(url);
    const code = callback.searchParams.get('code');
    cli.write(`${code}#not-the-state\n`);
    await cli.waitFor(/OAUTH_STATE_MISMATCH/);
    cli.write(`${code}#${callback.searchParams.get('state')}\n`);
    const r = await cli.done;
    assert.equal(r.code, 0, r.out);
    assert.ok(readStore(ctx).profiles['codex:default']);
  });

  test('a callback with a wrong state gets an error page and the login keeps waiting', async () => {
    const ctx = await setup();
    const cli = login(ctx, ['--timeout', '20s']);
    const [, url] = await cli.waitFor(URL_RE);
    const callback = await authorize(url);
    const forged = new URL(callback);
    forged.searchParams.set('state', 'forged');
    const bad = await get(forged.toString());
    assert.equal(bad.status, 400);
    assert.match(bad.body, /state mismatch/);
    await cli.waitFor(/wrong state was refused.*still waiting/);
    assert.equal(cli.child.exitCode, null, 'still running');
    assert.equal(fs.existsSync(ctx.store), false);
    const ok = await get(callback.toString());
    assert.equal(ok.status, 200);
    const r = await cli.done;
    assert.equal(r.code, 0, r.out);
  });

  test('the provider\'s error ends the login; the page escapes what the request carried', async () => {
    const ctx = await setup();
    const cli = login(ctx, ['--timeout', '20s']);
    const [, url] = await cli.waitFor(URL_RE);
    const callback = await authorize(url);
    callback.searchParams.delete('code');
    callback.searchParams.set('error', '<script>x</script>');
    const page = await get(callback.toString());
    assert.equal(page.status, 400);
    assert.ok(!page.body.includes('<script>'), page.body);
    assert.match(page.body, /&lt;script&gt;/);
    const r = await cli.done;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /OAUTH_CALLBACK_INVALID.*refused the login/);
    assert.equal(fs.existsSync(ctx.store), false);
  });

  test('a callback without a code ends the login with an error; nothing stored', async () => {
    const ctx = await setup();
    const cli = login(ctx, ['--timeout', '20s']);
    const [, url] = await cli.waitFor(URL_RE);
    const callback = await authorize(url);
    callback.searchParams.delete('code');
    const page = await get(callback.toString());
    assert.equal(page.status, 400);
    const r = await cli.done;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /OAUTH_CALLBACK_INVALID.*no code/);
    assert.equal(fs.existsSync(ctx.store), false);
  });

  test('a code the token endpoint refuses: the login fails and nothing is stored', async () => {
    const ctx = await setup();
    const cli = login(ctx, ['--timeout', '20s']);
    await cli.waitFor(URL_RE);
    cli.write('code-never-issued\n'); // a bare code: no state to check, the server decides
    const r = await cli.done;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /OAUTH_INVALID_GRANT/);
    assert.equal(fs.existsSync(ctx.store), false);
  });

  test('the token endpoint down at the exchange: the login fails and nothing is stored', async () => {
    const ctx = await setup();
    const cli = login(ctx, ['--timeout', '20s']);
    const [, url] = await cli.waitFor(URL_RE);
    const callback = await authorize(url);
    server.mode = 'garbage';
    try {
      cli.write(`${callback.toString()}\n`);
      const r = await cli.done;
      assert.equal(r.code, 1);
      assert.match(r.stderr, /OAUTH_ERROR/);
      assert.equal(fs.existsSync(ctx.store), false);
    } finally {
      server.mode = 'ok';
    }
  });

  test('no callback and no paste: timeout with the paste hint; nothing stored', async () => {
    const ctx = await setup();
    const cli = login(ctx, ['--timeout', '1s']);
    const r = await cli.done;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /OAUTH_TIMEOUT/);
    assert.match(r.stderr, /paste the address/);
    assert.equal(fs.existsSync(ctx.store), false);
  });

  test('Ctrl-C while waiting leaves no profile', async () => {
    const ctx = await setup();
    const cli = login(ctx, ['--timeout', '20s']);
    await cli.waitFor(URL_RE);
    cli.child.kill('SIGINT');
    const r = await cli.done;
    assert.equal(r.code, 130, r.out);
    assert.equal(fs.existsSync(ctx.store), false);
  });

  test('bad input: unknown provider, non-loopback redirect, bad timeout', async () => {
    const ctx = await setup();
    let r = await runCli(['auth', 'login', '--provider', 'nope', '--no-browser', '--config', ctx.configFile], { home: ctx.home });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /OAUTH_NOT_CONFIGURED.*\[providers\.nope\.oauth\]/);
    r = await runCli(['auth', 'login', '--provider', 'codex', '--timeout', 'soon', '--config', ctx.configFile], { home: ctx.home });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--timeout/);
    r = await runCli(['auth', 'login', '--provider', 'codex', '--no-browser'], {
      home: ctx.home,
      configText: `[providers.codex]\nbase_url = "https://x.example/v1"\n[providers.codex.oauth]\nauthorize_url = "https://a.example/auth"\ntoken_url = "https://a.example/token"\nclient_id = "c"\nredirect_uri = "https://cb.example/cb"\n`,
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /redirect_uri must be an http:\/\/ URL|loopback/);
    assert.equal(fs.existsSync(ctx.store), false);
  });
});

describe('warden auth refresh', () => {
  // A profile as a login would have left it, with a refresh token the server honours.
  function plant(ctx, fields = {}) {
    const refresh = fields.refresh ?? server.newRefreshToken();
    const doc = { version: 1, profiles: { 'codex:default': {
      type: 'oauth', provider: 'codex', access: 'at-planted-old', refresh,
      expires: Date.now() + 60_000, accountId: 'acct-1', ...fields,
    } }, order: {} };
    writeFile(ctx.store, JSON.stringify(doc), 0o600);
    return refresh;
  }
  const refresh = (ctx, extra = []) => runCli(['auth', 'refresh', '--profile', 'codex:default', '--config', ctx.configFile, ...extra], { home: ctx.home });

  test('three processes at once: exactly one grant, all end with the same new token', async () => {
    const ctx = await setup();
    const rt = plant(ctx);
    server.mode = 'slow';
    try {
      const runs = await Promise.all([refresh(ctx), refresh(ctx), refresh(ctx)]);
      for (const r of runs) assert.equal(r.code, 0, r.out);
      assert.equal(server.spent.get(rt), 1, 'the refresh token was spent once');
      assert.equal(runs.filter((r) => /^refreshed codex:default/m.test(r.stdout)).length, 1);
      assert.equal(runs.filter((r) => /^reused/m.test(r.stdout)).length, 2);
      const p = readStore(ctx).profiles['codex:default'];
      assert.ok(server.issued.includes(p.access) && p.access !== 'at-planted-old');
      assert.ok(server.issued.includes(p.refresh) && p.refresh !== rt, 'the rotated refresh token is stored');
      assert.equal(p.refreshPending, undefined);
      for (const r of runs) assertNoTokenIn(r.out);
    } finally {
      server.mode = 'ok';
    }
  });

  test('a live peer\'s fresh pending record is waited on, then its token reused (no grant)', async () => {
    const ctx = await setup();
    const rt = plant(ctx, { refreshPending: { by: 'peer-host:77:alive', since: Date.now() } });
    const waiting = refresh(ctx);
    // The peer finishes: its new token lands and its record goes (as its commit would do). No
    // event says the CLI has read the store and is polling; 400 ms is ~40x its start-up time.
    await new Promise((r) => setTimeout(r, 400));
    const doc = readStore(ctx);
    const p = doc.profiles['codex:default'];
    delete p.refreshPending;
    p.access = 'at-peer-new';
    p.refresh = server.newRefreshToken();
    writeFile(ctx.store, JSON.stringify(doc), 0o600);
    const r = await waiting;
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /^reused/m);
    assert.equal(server.spent.get(rt), undefined, 'the waiting process spent nothing');
    assert.equal(readStore(ctx).profiles['codex:default'].access, 'at-peer-new');
  });

  test('a pending record left by a dead peer is taken over after the bound', async () => {
    const ctx = await setup();
    const rt = plant(ctx, { refreshPending: { by: 'gone-host:4242:dead', since: Date.now() - 120_000 } });
    const r = await refresh(ctx);
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /^refreshed/m);
    assert.equal(server.spent.get(rt), 1);
    assert.equal(readStore(ctx).profiles['codex:default'].refreshPending, undefined);
  });

  test('invalid_grant marks the profile needsLogin, kept, shown by list and status', async () => {
    const ctx = await setup();
    plant(ctx, { refresh: 'rt-already-spent-elsewhere' });
    const r = await refresh(ctx);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /OAUTH_INVALID_GRANT/);
    const p = readStore(ctx).profiles['codex:default'];
    assert.equal(p.needsLogin, true);
    assert.equal(p.access, 'at-planted-old');
    const list = await runCli(['auth', 'list', '--json'], { home: ctx.home });
    assert.equal(JSON.parse(list.stdout).profiles[0].needs_login, true);
    const again = await refresh(ctx);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /needs a new login/);
  });

  for (const mode of ['down', 'garbage']) {
    test(`token endpoint ${mode}: the present token is kept and the failure recorded`, async () => {
      const ctx = await setup();
      plant(ctx);
      server.mode = mode;
      try {
        const r = await refresh(ctx);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /OAUTH_ERROR/);
        const p = readStore(ctx).profiles['codex:default'];
        assert.equal(p.access, 'at-planted-old');
        assert.equal(p.refreshBackoff.failures, 1);
        assert.equal(p.refreshPending, undefined);
      } finally {
        server.mode = 'ok';
      }
      const ok = await refresh(ctx); // an operator's refresh does not wait out the backoff
      assert.equal(ok.code, 0, ok.out);
      assert.equal(readStore(ctx).profiles['codex:default'].refreshBackoff, undefined);
    });
  }

  test('an answer for another account is refused; the token is kept', async () => {
    const ctx = await setup();
    plant(ctx);
    server.mode = 'other-account';
    try {
      const r = await refresh(ctx);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /OAUTH_ACCOUNT_MISMATCH/);
      assert.equal(readStore(ctx).profiles['codex:default'].access, 'at-planted-old');
    } finally {
      server.mode = 'ok';
    }
  });

  test('bad input: unknown profile, a profile that cannot refresh', async () => {
    const ctx = await setup();
    plant(ctx);
    let r = await runCli(['auth', 'refresh', '--profile', 'codex:nope', '--config', ctx.configFile], { home: ctx.home });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /PROFILE_NOT_FOUND/);
    r = await runCli(['auth', 'refresh', '--profile', 'bad id', '--config', ctx.configFile], { home: ctx.home });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /PROFILE_INVALID/);
  });
});
