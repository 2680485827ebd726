// The profile store from the command line, against the real binary: `warden auth paste-token |
// list | logout | order get|set | import` and the profiles in `warden status`. Every bad input
// (corrupt, truncated or group-readable store; malformed, missing or loose import sources; bad
// tokens and expiries) gives a clear error, leaves every file as it was, and no credential value
// appears in any output of any verb (checked over every run of this file at the end).
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir, writeFile } from '../support/harness.mjs';
import { fakeJwt, runCli } from '../support/cli.mjs';

const PASTED = 'sk-ant-oat01-PASTED-token-value-0123456789abcdef';
const CODEX_REFRESH = 'rt-CODEX-refresh-token-value-fedcba9876';
const CLAUDE_ACCESS = 'sk-ant-oat01-CLAUDE-access-value-13579';
const CLAUDE_REFRESH = 'sk-ant-ort01-CLAUDE-refresh-value-24680';
const OC_KEY = 'sk-OPENCLAW-api-key-value-112233445566';
const OC_ACCESS = 'OPENCLAW-oauth-access-value-998877';
const OC_REFRESH = 'OPENCLAW-oauth-refresh-value-665544';
const GW = 'gw-PROFILES-gateway-token-5f4e3d2c1b0a';
const SP_KEY = 'sk-PROFILES-static-key-77889900';
const nowS = () => Math.floor(Date.now() / 1000);
const CODEX_EXP = nowS() + 10 * 86400;
const CODEX_ACCESS = fakeJwt({ exp: CODEX_EXP, sub: 'user-1' });
const CODEX_ID = fakeJwt({ exp: CODEX_EXP, email: 'me@example.com' });
const SECRETS = [PASTED, CODEX_REFRESH, CODEX_ACCESS, CLAUDE_ACCESS, CLAUDE_REFRESH, OC_KEY, OC_ACCESS, OC_REFRESH, GW, SP_KEY];

const outputs = []; // every run, for the leak check at the end
async function warden(args, opts) {
  const r = await runCli(args, opts);
  outputs.push({ args: args.join(' '), out: r.out });
  return r;
}

const storeOf = (home) => path.join(home, '.warden', 'auth-profiles.json');
const readStore = (home) => JSON.parse(fs.readFileSync(storeOf(home), 'utf8'));
const modeOf = (f) => fs.statSync(f).mode & 0o777;
const snapshot = (f) => ({ bytes: fs.readFileSync(f), mode: modeOf(f), mtime: fs.statSync(f).mtimeMs });
function assertUntouched(f, before) {
  const now = snapshot(f);
  assert.ok(now.bytes.equals(before.bytes), `${f} changed`);
  assert.equal(now.mode, before.mode, `${f} mode changed`);
  assert.equal(now.mtime, before.mtime, `${f} mtime changed`);
}
function listJson(r) {
  assert.equal(r.code, 0, r.out);
  return JSON.parse(r.stdout);
}

async function paste(home, { provider = 'anthropic', profile, token = PASTED, extra = [] } = {}) {
  const args = ['auth', 'paste-token', '--provider', provider, ...(profile ? ['--profile', profile] : []), ...extra];
  return warden(args, { home, stdin: token });
}

describe('paste-token, list, logout, order', () => {
  test('paste-token stores a trimmed token from stdin in a 0600 store; list shows it without the value', async () => {
    const home = tmpDir('warden-prof-');
    const r = await paste(home, { token: `  ${PASTED}\n\n` });
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /stored anthropic:default/);
    assert.equal(modeOf(storeOf(home)), 0o600);
    assert.equal(modeOf(path.join(home, '.warden')), 0o700);
    const doc = readStore(home);
    assert.equal(doc.version, 1);
    assert.deepEqual(doc.profiles['anthropic:default'], { type: 'token', provider: 'anthropic', token: PASTED });
    const list = listJson(await warden(['auth', 'list', '--json'], { home }));
    assert.equal(list.profiles.length, 1);
    const p = list.profiles[0];
    assert.equal(p.id, 'anthropic:default');
    assert.equal(p.type, 'token');
    assert.equal(p.expires_at, null);
    assert.equal(p.refreshable, false);
    assert.equal(p.needs_login, false);
    const text = await warden(['auth', 'list'], { home });
    assert.equal(text.code, 0);
    assert.match(text.stdout, /anthropic:default\s+token\s+expires never/);
  });

  test('--expires and --expires-at set the expiry; a second paste under the same id replaces it', async () => {
    const home = tmpDir('warden-prof-');
    const before = Date.now();
    assert.equal((await paste(home, { profile: 'work', extra: ['--expires', '2h'] })).code, 0);
    let p = listJson(await warden(['auth', 'list', '--json'], { home })).profiles[0];
    assert.ok(p.expires_at >= before + 2 * 3600_000 && p.expires_at <= Date.now() + 2 * 3600_000, JSON.stringify(p));
    assert.equal(p.state, 'expiring', 'a token within 24 h of expiry is expiring');
    const r = await paste(home, { profile: 'work', token: `${PASTED}-2`, extra: ['--expires-at', '2031-05-06T07:08:09Z'] });
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /replaced anthropic:work/);
    p = listJson(await warden(['auth', 'list', '--json'], { home })).profiles[0];
    assert.equal(p.expires, '2031-05-06T07:08:09Z');
    assert.equal(p.state, 'valid');
    assert.equal(readStore(home).profiles['anthropic:work'].token, `${PASTED}-2`);
  });

  test('bad paste-token input is refused with a clear error and stores nothing', async () => {
    const home = tmpDir('warden-prof-');
    const cases = [
      [{ token: '' }, /PROFILE_INVALID: no token on stdin/],
      [{ token: ' \n\t ' }, /PROFILE_INVALID: no token on stdin/],
      [{ token: `${PASTED}\r\nX-Evil: 1` }, /SECRET_VALUE_INVALID/],
      [{ token: `${PASTED}\u0000x` }, /SECRET_VALUE_INVALID/],
      [{ provider: 'Bad/Provider' }, /PROFILE_INVALID: --provider must match/],
      [{ profile: 'a b' }, /PROFILE_INVALID: --profile must match/],
      [{ extra: ['--expires', 'soon'] }, /PROFILE_INVALID: --expires must be a duration/],
      [{ extra: ['--expires-at', '2020-01-01T00:00:00Z'] }, /PROFILE_INVALID: --expires-at is in the past/],
      [{ extra: ['--expires-at', '2031-02-30T00:00:00Z'] }, /PROFILE_INVALID: --expires-at must be an ISO 8601 time/],
      [{ extra: ['--expires', '1h', '--expires-at', '2031-01-01T00:00:00Z'] }, /not both/],
      [{ token: 'x'.repeat(70 * 1024) }, /larger than 64 KiB/],
    ];
    for (const [opts, re] of cases) {
      const r = await paste(home, opts);
      assert.equal(r.code, 1, `${JSON.stringify(opts).slice(0, 100)}: ${r.out}`);
      assert.match(r.stderr, re);
      assert.match(r.stderr, /^warden auth paste-token: /);
    }
    assert.ok(!fs.existsSync(storeOf(home)), 'no store was written');
  });

  test('a token on the command line is not accepted', async () => {
    const home = tmpDir('warden-prof-');
    const r = await runCli(['auth', 'paste-token', '--provider', 'anthropic', 'sk-on-argv-123'], { home });
    assert.notEqual(r.code, 0);
    assert.ok(!fs.existsSync(storeOf(home)));
  });

  test('order set/get, then logout removes the profile and its order entries', async () => {
    const home = tmpDir('warden-prof-');
    for (const profile of ['a', 'b']) assert.equal((await paste(home, { profile })).code, 0);
    assert.equal((await paste(home, { provider: 'openai', profile: 'x' })).code, 0);
    let r = await warden(['auth', 'order', 'set', '--provider', 'anthropic', 'anthropic:b', 'anthropic:a'], { home });
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /order for anthropic: anthropic:b, anthropic:a/);
    r = await warden(['auth', 'order', 'get', '--json'], { home });
    assert.deepEqual(JSON.parse(r.stdout).order, { anthropic: ['anthropic:b', 'anthropic:a'] });
    r = await warden(['auth', 'order', 'get'], { home });
    assert.match(r.stdout, /anthropic: anthropic:b, anthropic:a/);
    assert.match(r.stdout, /openai: \(no order set/);

    const before = snapshot(storeOf(home));
    for (const [ids, re] of [
      [['anthropic:zzz'], /PROFILE_NOT_FOUND: no profile anthropic:zzz \(profiles: anthropic:a, anthropic:b, openai:x/],
      [['openai:x'], /PROFILE_INVALID: profile openai:x belongs to provider openai, not anthropic/],
      [['anthropic:a', 'anthropic:a'], /listed twice/],
      [['not-an-id'], /PROFILE_INVALID: profile id "not-an-id" must be provider:name/],
    ]) {
      r = await warden(['auth', 'order', 'set', '--provider', 'anthropic', ...ids], { home });
      assert.equal(r.code, 1, r.out);
      assert.match(r.stderr, re);
    }
    assertUntouched(storeOf(home), before);

    r = await warden(['auth', 'logout', '--profile', 'anthropic:b'], { home });
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /removed anthropic:b/);
    const doc = readStore(home);
    assert.deepEqual(Object.keys(doc.profiles).sort(), ['anthropic:a', 'openai:x']);
    assert.deepEqual(doc.order, { anthropic: ['anthropic:a'] });
    r = await warden(['auth', 'logout', '--profile', 'anthropic:b'], { home });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /PROFILE_NOT_FOUND: no profile anthropic:b/);
    r = await warden(['auth', 'order', 'set', '--provider', 'anthropic'], { home });
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(readStore(home).order, {});
  });

  test('ten CLI processes pasting at once: every profile lands (locked read-modify-write)', async () => {
    const home = tmpDir('warden-prof-');
    const runs = await Promise.all(Array.from({ length: 10 }, (_, i) => paste(home, { profile: `p${i}`, token: `${PASTED}-${i}` })));
    for (const r of runs) assert.equal(r.code, 0, r.out);
    const doc = readStore(home);
    assert.equal(Object.keys(doc.profiles).length, 10);
    for (let i = 0; i < 10; i++) assert.equal(doc.profiles[`anthropic:p${i}`].token, `${PASTED}-${i}`);
  });
});

describe('a store warden cannot trust is refused and left byte for byte', () => {
  const cases = [
    ['truncated', '{"version":1,"profiles":{"anthropic:x":{"type":"token","provider":"anth', 0o600, /PROFILE_STORE_CORRUPT: profile store .* is unusable: it is not valid JSON/],
    ['wrong version', '{"version":7,"profiles":{}}', 0o600, /PROFILE_STORE_CORRUPT: .*"version" must be 1/],
    ['empty', '', 0o600, /PROFILE_STORE_CORRUPT/],
    ['group-readable', `{"version":1,"profiles":{"anthropic:x":{"type":"token","provider":"anthropic","token":"${PASTED}"}}}`, 0o640, /SECRET_FILE_INSECURE: profile store: .*chmod 600/],
    ['world-readable', '{"version":1,"profiles":{}}', 0o604, /SECRET_FILE_INSECURE: .*chmod 600/],
  ];
  for (const [name, text, mode, re] of cases) {
    test(name, async () => {
      const home = tmpDir('warden-prof-');
      const store = writeFile(storeOf(home), text, mode);
      const before = snapshot(store);
      for (const args of [['auth', 'list'], ['auth', 'logout', '--profile', 'anthropic:x'], ['auth', 'order', 'get'],
        ['auth', 'order', 'set', '--provider', 'anthropic']]) {
        const r = await warden(args, { home });
        assert.equal(r.code, 1, `${args.join(' ')}: ${r.out}`);
        assert.match(r.stderr, re);
      }
      const r = await paste(home, { profile: 'new' });
      assert.equal(r.code, 1, r.out);
      assert.match(r.stderr, re);
      assertUntouched(store, before);
    });
  }
});

describe('warden auth import', () => {
  const codexFile = () => JSON.stringify({
    OPENAI_API_KEY: null,
    tokens: { id_token: CODEX_ID, access_token: CODEX_ACCESS, refresh_token: CODEX_REFRESH, account_id: 'acct-77' },
    last_refresh: '2026-11-01T00:00:00Z',
  });
  const claudeFile = (expiresAt = Date.now() + 8 * 3600_000) => JSON.stringify({
    claudeAiOauth: { accessToken: CLAUDE_ACCESS, refreshToken: CLAUDE_REFRESH, expiresAt, scopes: ['user:inference'], subscriptionType: 'max' },
  });
  const openclawFile = () => JSON.stringify({
    version: 1,
    profiles: {
      'openai:work': { type: 'api_key', provider: 'openai', key: OC_KEY },
      'openai:vault': { type: 'api_key', provider: 'openai', keyRef: { source: 'env', id: 'OPENAI_API_KEY' } },
      'codex:me@example.com': { type: 'oauth', provider: 'codex', access: OC_ACCESS, refresh: OC_REFRESH, expires: Date.now() + 3600_000, accountId: 'acct-oc', projectId: 'kept' },
    },
    order: { openai: ['openai:work'] },
    usageStats: { 'openai:work': { lastUsed: 1 } },
  });
  function sources(home, { codex = codexFile(), claude = claudeFile(), codexMode = 0o600, claudeMode = 0o600 } = {}) {
    const codexHome = path.join(home, 'codex');
    const claudeDir = path.join(home, 'claude');
    const files = {};
    if (codex !== null) files.codex = writeFile(path.join(codexHome, 'auth.json'), codex, codexMode);
    if (claude !== null) files.claude = writeFile(path.join(claudeDir, '.credentials.json'), claude, claudeMode);
    return { env: { CODEX_HOME: codexHome, CLAUDE_CONFIG_DIR: claudeDir }, files };
  }

  test('without --from: Codex and Claude logins become codex:cli and anthropic:claude; sources untouched', async () => {
    const home = tmpDir('warden-imp-');
    const { env, files } = sources(home);
    const before = { codex: snapshot(files.codex), claude: snapshot(files.claude) };
    const r = await warden(['auth', 'import'], { home, env });
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /from codex \(.*auth\.json\):\n\s+added\n\s+codex:cli\s+oauth\s+expires \S+Z \(in 9d|from codex/);
    assert.match(r.stdout, /not found: profiles: /);
    assert.match(r.stdout, /rotates its refresh token/);
    assertUntouched(files.codex, before.codex);
    assertUntouched(files.claude, before.claude);
    const doc = readStore(home);
    assert.deepEqual(doc.profiles['codex:cli'], {
      type: 'oauth', provider: 'codex', access: CODEX_ACCESS, refresh: CODEX_REFRESH,
      expires: CODEX_EXP * 1000, accountId: 'acct-77', email: 'me@example.com',
    });
    assert.equal(doc.profiles['anthropic:claude'].access, CLAUDE_ACCESS);
    assert.equal(doc.profiles['anthropic:claude'].refresh, CLAUDE_REFRESH);
    const list = listJson(await warden(['auth', 'list', '--json'], { home }));
    const codex = list.profiles.find((p) => p.id === 'codex:cli');
    assert.equal(codex.refreshable, true);
    assert.equal(codex.account_id, 'acct-77');
    assert.equal(codex.email, 'me@example.com');
    assert.equal(codex.expires_at, CODEX_EXP * 1000);
    // Importing again changes nothing.
    const again = await warden(['auth', 'import'], { home, env });
    assert.equal(again.code, 0, again.out);
    assert.equal((again.stdout.match(/unchanged/g) ?? []).length, 2, again.stdout);
  });

  test('--from profiles --path merges another gateway\'s file, keeping unknown fields; conflicts need --replace', async () => {
    const home = tmpDir('warden-imp-');
    const src = writeFile(path.join(home, 'oc', 'auth-profiles.json'), openclawFile());
    const before = snapshot(src);
    assert.equal((await paste(home, { provider: 'openai', profile: 'work', token: 'sk-mine' })).code, 0);
    let r = await warden(['auth', 'import', '--from', 'profiles', '--path', src], { home });
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /kept existing \(a different credential; --replace to overwrite\)\n\s+openai:work/);
    assert.match(r.stdout, /added\n\s+codex:me@example.com/);
    assert.match(r.stdout, /skipped: profile openai:vault: "key" is missing or empty/);
    let doc = readStore(home);
    assert.equal(doc.profiles['openai:work'].token, 'sk-mine', 'the existing profile was kept');
    assert.equal(doc.profiles['codex:me@example.com'].projectId, 'kept');
    assert.deepEqual(doc.order, { openai: ['openai:work'] }, 'the imported order, for ids the store holds');
    r = await warden(['auth', 'import', '--from', 'profiles', '--path', src, '--replace'], { home });
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /replaced\n\s+openai:work/);
    doc = readStore(home);
    assert.equal(doc.profiles['openai:work'].key, OC_KEY);
    assertUntouched(src, before);
  });

  test('--dry-run shows what would happen and writes nothing', async () => {
    const home = tmpDir('warden-imp-');
    const { env } = sources(home);
    const r = await warden(['auth', 'import', '--dry-run'], { home, env });
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /would be added\n\s+codex:cli/);
    assert.match(r.stdout, /dry run: .* was not changed/);
    assert.ok(!fs.existsSync(storeOf(home)));
  });

  test('bad sources: missing, malformed, loose permissions — clear errors, nothing imported', async () => {
    const cases = [
      ['missing --from codex', { codex: null }, ['--from', 'codex'], /IMPORT_SOURCE_MISSING: Codex CLI credentials not found at .*auth\.json/],
      ['nothing anywhere', { codex: null, claude: null }, [], /IMPORT_SOURCE_MISSING: nothing to import; looked for:/],
      ['malformed codex', { codex: '{"tokens": {"access_tok' }, [], /IMPORT_SOURCE_INVALID: Codex CLI credentials .* cannot be imported: it is not valid JSON/],
      ['opaque access token', { codex: JSON.stringify({ tokens: { access_token: 'opaque-SECRET', refresh_token: CODEX_REFRESH } }) }, ['--from', 'codex'], /IMPORT_SOURCE_INVALID: .*not a JWT with an `exp` claim/],
      ['claude without oauth', { claude: '{"other":1}' }, ['--from', 'claude'], /IMPORT_SOURCE_INVALID: .*no `claudeAiOauth`/],
      ['loose claude', { claudeMode: 0o644 }, [], /SECRET_FILE_INSECURE: Claude Code credentials: .*chmod 600/],
      ['loose codex', { codexMode: 0o640 }, ['--from', 'codex'], /SECRET_FILE_INSECURE: Codex CLI credentials: .*chmod 600/],
      ['unknown source', {}, ['--from', 'gemini'], /PROFILE_INVALID: --from must be codex, claude or profiles/],
    ];
    for (const [name, spec, args, re] of cases) {
      const home = tmpDir('warden-imp-');
      const { env, files } = sources(home, spec);
      const before = Object.fromEntries(Object.entries(files).map(([k, f]) => [k, snapshot(f)]));
      const r = await warden(['auth', 'import', ...args], { home, env });
      assert.equal(r.code, 1, `${name}: ${r.out}`);
      assert.match(r.stderr, re, name);
      assert.ok(!fs.existsSync(storeOf(home)), `${name}: nothing may be written`);
      for (const [k, f] of Object.entries(files)) assertUntouched(f, before[k]);
    }
  });

  test('--path without --from is a usage error', async () => {
    const r = await warden(['auth', 'import', '--path', '/tmp/x.json'], {});
    assert.notEqual(r.code, 0);
  });

  test('an import into a corrupt store is refused and the store kept', async () => {
    const home = tmpDir('warden-imp-');
    const { env } = sources(home);
    const store = writeFile(storeOf(home), '{"version":1,"profiles":', 0o600);
    const before = snapshot(store);
    const r = await warden(['auth', 'import'], { home, env });
    assert.equal(r.code, 1, r.out);
    assert.match(r.stderr, /PROFILE_STORE_CORRUPT/);
    assertUntouched(store, before);
  });
});

describe('warden status lists profiles; --check counts those of configured providers', () => {
  const config = '[gateway]\nbind = "127.0.0.1:0"\n'
    + '[providers.sp]\napi = "openai"\nbase_url = "http://127.0.0.1:9/v1"\n';
  const env = { WARDEN_GATEWAY_TOKEN: GW, SP_API_KEY: SP_KEY };
  async function status(home, extra = []) {
    return warden(['status', '--check', ...extra], { home, env, configText: config });
  }

  test('0 with a valid profile; the profile is listed with type, expiry and refreshable', async () => {
    const home = tmpDir('warden-st-');
    assert.equal((await paste(home, { provider: 'sp', extra: ['--expires', '48h'] })).code, 0);
    const r = await status(home, ['--json']);
    assert.equal(r.code, 0, r.out);
    const j = JSON.parse(r.stdout);
    assert.equal(j.profile_store.store, storeOf(home));
    const [p] = j.profile_store.profiles;
    assert.equal(p.id, 'sp:default');
    assert.equal(p.state, 'valid');
    assert.equal(p.configured, true);
    assert.equal(p.needs_login, false);
    const text = await status(home);
    assert.match(text.stdout, /profiles \(.*\):\n\s+sp:default\s+token\s+expires \S+Z \(in 4[78]h/);
  });

  test('2 when a profile of a configured provider expires within 24 h', async () => {
    const home = tmpDir('warden-st-');
    assert.equal((await paste(home, { provider: 'sp', extra: ['--expires', '3h'] })).code, 0);
    const r = await status(home);
    assert.equal(r.code, 2, r.out);
    assert.match(r.stdout, /EXPIRING/);
  });

  test('2 for refreshable OAuth only within 5 minutes; 1 once expired (needs login without refresh)', async () => {
    const home = tmpDir('warden-st-');
    const mk = (expires, refresh) => ({ type: 'oauth', provider: 'sp', access: 'A-SECRET', refresh, expires });
    const write = (profiles) => writeFile(storeOf(home), JSON.stringify({ version: 1, profiles }), 0o600);
    write({ 'sp:o': mk(Date.now() + 3600_000, 'R-SECRET') });
    assert.equal((await status(home)).code, 0, 'refreshable, 1 h left: fine');
    write({ 'sp:o': mk(Date.now() + 120_000, 'R-SECRET') });
    assert.equal((await status(home)).code, 2, 'refreshable, 2 min left: expiring');
    write({ 'sp:o': mk(Date.now() + 3600_000, '') });
    assert.equal((await status(home)).code, 2, 'not refreshable, 1 h left: expiring');
    write({ 'sp:o': mk(Date.now() - 1000, '') });
    const r = await status(home, ['--json']);
    assert.equal(r.code, 1, r.out);
    assert.equal(JSON.parse(r.stdout).profile_store.profiles[0].needs_login, true);
  });

  test('a profile of a provider the config does not have is listed but not counted', async () => {
    const home = tmpDir('warden-st-');
    writeFile(storeOf(home), JSON.stringify({ version: 1, profiles: { 'zz:old': { type: 'token', provider: 'zz', token: 'T-SECRET', expires: 1000 } } }), 0o600);
    const r = await status(home);
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /zz:old .*provider not configured: not counted/);
  });

  test('1 when the store cannot be read (corrupt or group-readable), with the reason', async () => {
    const home = tmpDir('warden-st-');
    const store = writeFile(storeOf(home), '{"version":1,"profiles":{}}', 0o640);
    const r = await status(home);
    assert.equal(r.code, 1, r.out);
    assert.match(r.stdout, /profiles: error: SECRET_FILE_INSECURE/);
    assert.equal(modeOf(store), 0o640);
  });

  test('paste-token for a provider the config lacks says so, and stores it anyway', async () => {
    const home = tmpDir('warden-st-');
    const r = await warden(['auth', 'paste-token', '--provider', 'nosuch'], { home, env, stdin: PASTED, configText: config });
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /note: the config \(.*\) has no \[providers\.nosuch\]/);
  });
});

test('no credential value appears in any output of any verb run by this file', () => {
  assert.ok(outputs.length > 40, `only ${outputs.length} runs`);
  const hits = [];
  for (const { args, out } of outputs) {
    for (const v of [...SECRETS, 'A-SECRET', 'R-SECRET', 'T-SECRET', 'opaque-SECRET']) {
      if (out.includes(v)) hits.push(`${v.slice(0, 12)}… in output of \`warden ${args}\``);
    }
  }
  assert.deepEqual(hits, []);
});
