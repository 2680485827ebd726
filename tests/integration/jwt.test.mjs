// gateway.auth.mode = "jwt": callers present a JWT from an OIDC issuer. A small node issuer on
// 127.0.0.1 (tests/support/jwt_issuer.mjs) serves the JWKS and the discovery document; tokens
// are signed with node's crypto. Covers the three algorithms, every refusal code, the unknown-kid
// refetch and its rate limit, an issuer that is down at start / down or garbage later, jwks_file
// reload, OIDC discovery, named callers by jwt_subject/jwt_claims, and the official SDKs.
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { startMock, startWarden, request, rawExchange, tmpDir, writeFile, sleep } from '../support/harness.mjs';
import { TOKEN, config, baseEnv, assertOpenAiError, assertAnthropicError, testId, recordedFor } from '../support/fixtures.mjs';
import { makeKey, sign, unsigned, hs256, startIssuer } from '../support/jwt_issuer.mjs';

const AUD = 'warden-test';
const SUB = 'repo:acme/app:ref:refs/heads/main';
const now = () => Math.floor(Date.now() / 1000);
const claimsFor = (issuer, extra = {}) => ({ iss: issuer.url, aud: AUD, sub: SUB, iat: now(), exp: now() + 600, ...extra });

const jwtConfig = (mockUrl, issuer, { source, extra = '', callers = '' } = {}) => config(mockUrl, {
  tail: `[gateway.auth]\nmode = "jwt"\n[gateway.auth.jwt]\nissuer = "${issuer.url}"\naudience = "${AUD}"\n`
    + `${source ?? `jwks_url = "${issuer.url}/jwks.json"`}\n${extra}\n${callers}`,
});

const bearer = (t) => ({ authorization: `Bearer ${t}` });
const chat = (w, headers, model = 'mock/gpt-4o-mini') => request(`${w.url}/v1/chat/completions`, {
  headers, body: { model, messages: [{ role: 'user', content: 'hi' }] },
});
const messages = (w, headers, model = 'claude/claude-x') => request(`${w.url}/v1/messages`, {
  headers: { ...headers, 'anthropic-version': '2023-06-01' },
  body: { model, max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] },
});

/** Retries `fn` until it returns true (the warden acts on a fetch a moment after it is served). */
async function eventually(fn, what, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function assertRefused(r, code, status = 401) {
  assert.equal(r.status, status, r.text);
  assertOpenAiError(r.text, code);
  if (status === 401) assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
}

let mock;
const rsa = makeKey('RS256', 'rsa-1');
const ec = makeKey('ES256', 'ec-1');
const ed = makeKey('EdDSA', 'ed-1');
const stranger = makeKey('RS256', 'rsa-1');  // same kid, another key
before(async () => { mock = await startMock(); });
after(async () => { await mock?.stop(); });

describe('jwks_url: verification and refusals', () => {
  let issuer;
  let w;
  before(async () => {
    issuer = await startIssuer();
    issuer.keys = [rsa.jwk, ec.jwk, ed.jwk];
    w = await startWarden({
      config: jwtConfig(mock.url, issuer, { extra: 'subject = "repo:acme/*"' }),
      env: baseEnv(),
    });
    await eventually(async () => (await request(`${w.url}/readyz`)).status === 200, 'readyz');
  });
  after(async () => { await w?.stop(); await issuer?.stop(); });

  test('RS256, ES256 and EdDSA tokens reach the upstream, which never sees the JWT', async () => {
    for (const key of [rsa, ec, ed]) {
      const id = testId(`jwt-${key.alg}`);
      const token = sign(key, claimsFor(issuer));
      const r = await chat(w, { ...bearer(token), 'x-test-id': id });
      assert.equal(r.status, 200, `${key.alg}: ${r.text}`);
      const [rec] = await recordedFor(mock, id);
      assert.ok(rec, `${key.alg}: the mock got the request`);
      assert.equal(rec.headers.authorization, 'Bearer mock-key-1');
      assert.ok(!JSON.stringify(rec).includes(token), 'the JWT was forwarded upstream');
    }
    // x-api-key, as the Anthropic SDK sends it.
    const r = await messages(w, { 'x-api-key': sign(ed, claimsFor(issuer)) });
    assert.equal(r.status, 200, r.text);
    await w.waitForOutput(/access POST \/v1\/chat\/completions 200 .*user="repo:acme\/app:ref:refs\/heads\/main"/);
  });

  test('every bad token is refused with its own code', async () => {
    const c = claimsFor(issuer);
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' });
    const good = sign(rsa, c);
    const cases = [
      ['expired', sign(rsa, { ...c, exp: now() - 3600 }), 'jwt_expired'],
      ['not yet valid', sign(rsa, { ...c, nbf: now() + 3600 }), 'jwt_not_yet_valid'],
      ['wrong iss', sign(rsa, { ...c, iss: 'https://evil.example' }), 'jwt_issuer_mismatch'],
      ['wrong aud', sign(rsa, { ...c, aud: 'someone-else' }), 'jwt_audience_mismatch'],
      ['wrong sub', sign(rsa, { ...c, sub: 'repo:evil/app' }), 'jwt_subject_not_allowed'],
      ['another key', sign(stranger, c), 'jwt_bad_signature'],
      ['alg none', unsigned({ alg: 'none', typ: 'JWT' }, c), 'jwt_alg_not_allowed'],
      ['alg none with kid', unsigned({ alg: 'none', kid: 'rsa-1' }, c, 'x'), 'jwt_alg_not_allowed'],
      ['HS256 with the public key (PEM)', hs256(pem, c, 'rsa-1'), 'jwt_alg_not_allowed'],
      ['HS256 with the public key (JWK)', hs256(JSON.stringify(rsa.jwk), c, 'rsa-1'), 'jwt_alg_not_allowed'],
      ['EdDSA under the RSA kid', sign(ed, c, { kid: 'rsa-1' }), 'jwt_alg_not_allowed'],
      ['truncated', good.slice(0, good.length - 10), 'jwt_bad_signature'],
      ['two parts', good.split('.').slice(0, 2).join('.'), 'jwt_malformed'],
      ['not a JWT', 'hello', 'jwt_malformed'],
      ['the gateway token', TOKEN, 'jwt_malformed'],
      ['20 KB', sign(rsa, { ...c, pad: 'x'.repeat(20_000) }), 'jwt_too_large'],
    ];
    for (const [what, token, code] of cases) {
      const r = await chat(w, bearer(token));
      assert.equal(r.status, 401, `${what}: ${r.status} ${r.text}`);
      assertRefused(r, code);
    }
    assertRefused(await chat(w, {}), 'jwt_missing');
    const anth = await messages(w, { 'x-api-key': sign(rsa, { ...c, exp: now() - 3600 }) });
    assert.equal(anth.status, 401);
    assertAnthropicError(anth.text, 'jwt_expired');
    // Nothing of any token reaches the log.
    for (const [what, token] of cases) {
      const sig = token.split('.')[2] ?? token;
      if (sig.length > 20) assert.ok(!w.output().includes(sig.slice(0, 40)), `${what}: a token signature was logged`);
    }
    assert.ok(!w.output().includes(TOKEN));
    assert.doesNotMatch(w.output(), /eyJ[A-Za-z0-9_-]{20,}/, 'a JWT header or payload was logged');
    // Still fine afterwards.
    assert.equal((await chat(w, bearer(good))).status, 200);
  });

  test('a 100 KB token is refused by the header cap, a 17 KB one before decoding', async () => {
    const huge = `authorization: Bearer ${'a'.repeat(100_000)}`;
    const r = await rawExchange(w.port, `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n${huge}\r\ncontent-length: 2\r\n\r\n{}`);
    assert.match(r.data, /^HTTP\/1\.1 431/);
    const big = await chat(w, bearer('a'.repeat(17_000)));
    assertRefused(big, 'jwt_too_large');
  });

  test('metrics and /v1/models need a valid JWT', async () => {
    assert.equal((await request(`${w.url}/metrics`)).status, 401);
    const m = await request(`${w.url}/metrics`, { headers: bearer(sign(rsa, claimsFor(issuer))) });
    assert.equal(m.status, 200);
    assert.match(m.text, /warden_auth_failures_total\{reason="jwt_bad_signature"\} \d+/);
    const rz = (await request(`${w.url}/readyz`)).json();
    assert.equal(rz.status, 'ready');
    assert.equal(rz.auth_mode, 'jwt');
    assert.equal(rz.jwks.loaded, true);
    assert.equal(rz.jwks.keys, 3);
  });
});

describe('jwks_url: unknown kid, rotation and a flood of made-up kids', () => {
  let issuer;
  let w;
  before(async () => {
    issuer = await startIssuer();
    issuer.keys = [rsa.jwk];
    w = await startWarden({ config: jwtConfig(mock.url, issuer), env: baseEnv() });
    await issuer.waitFetches(1);
    await eventually(async () => (await request(`${w.url}/readyz`)).status === 200, 'readyz');
  });
  after(async () => { await w?.stop(); await issuer?.stop(); });

  test('a rotated-in key is fetched on its first use; 200 made-up kids cause at most one more fetch', async () => {
    const rotated = makeKey('ES256', 'rotated-2');
    issuer.keys = [rsa.jwk, rotated.jwk];
    const token = sign(rotated, claimsFor(issuer));
    const first = await chat(w, bearer(token));
    assertRefused(first, 'jwt_unknown_kid');
    await issuer.waitFetches(2);
    await eventually(async () => (await chat(w, bearer(token))).status === 200, 'the rotated key to verify');
    const before = issuer.fetches;
    const flood = [];
    for (let i = 0; i < 200; i += 1) flood.push(chat(w, bearer(sign(rsa, claimsFor(issuer), { kid: `bogus-${i}` }))));
    for (const r of await Promise.all(flood)) assertRefused(r, 'jwt_unknown_kid');
    assert.ok(issuer.fetches - before <= 1, `the flood caused ${issuer.fetches - before} JWKS fetches`);
    assert.equal((await chat(w, bearer(sign(rsa, claimsFor(issuer))))).status, 200);
  });
});

describe('jwks_url: the issuer fails after the keys loaded', () => {
  let issuer;
  let w;
  before(async () => {
    issuer = await startIssuer();
    issuer.keys = [rsa.jwk];
    w = await startWarden({ config: jwtConfig(mock.url, issuer), env: baseEnv() });
    await issuer.waitFetches(1);
    await eventually(async () => (await request(`${w.url}/readyz`)).status === 200, 'readyz');
  });
  after(async () => { await w?.stop(); await issuer?.stop(); });

  test('garbage from the issuer keeps the cached keys (and readyz reports it)', async () => {
    issuer.mode = 'garbage';
    assertRefused(await chat(w, bearer(sign(rsa, claimsFor(issuer), { kid: 'unknown-a' }))), 'jwt_unknown_kid');
    await issuer.waitFetches(2);
    await w.waitForOutput(/JWKS refetch failed; keeping the cached keys/);
    assert.equal((await chat(w, bearer(sign(rsa, claimsFor(issuer))))).status, 200);
    const rz = await request(`${w.url}/readyz`);
    assert.equal(rz.status, 200);
    assert.equal(rz.json().jwks.loaded, true);
    assert.match(rz.json().jwks.last_error, /JWKS/);
  });
});

describe('jwks_url: a hanging issuer never blocks requests', () => {
  let issuer;
  let w;
  before(async () => {
    issuer = await startIssuer();
    issuer.keys = [ed.jwk];
    w = await startWarden({ config: jwtConfig(mock.url, issuer), env: baseEnv() });
    await issuer.waitFetches(1);
    await eventually(async () => (await request(`${w.url}/readyz`)).status === 200, 'readyz');
  });
  after(async () => { await w?.stop(); await issuer?.stop(); });

  test('while a refetch hangs, unknown kids fail at once and known ones pass', async () => {
    issuer.mode = 'hang';
    const t0 = Date.now();
    assertRefused(await chat(w, bearer(sign(ed, claimsFor(issuer), { kid: 'nope' }))), 'jwt_unknown_kid');
    await issuer.waitFetches(2);
    for (let i = 0; i < 5; i += 1) assert.equal((await chat(w, bearer(sign(ed, claimsFor(issuer))))).status, 200);
    assert.ok(Date.now() - t0 < 5000, 'requests waited for the hanging fetch');
  });
});

describe('jwks_url: the issuer is down at start', () => {
  let issuer;
  let w;
  before(async () => {
    issuer = await startIssuer();
    issuer.keys = [rsa.jwk];
    issuer.mode = 'down';
    w = await startWarden({ config: jwtConfig(mock.url, issuer), env: baseEnv() });
  });
  after(async () => { await w?.stop(); await issuer?.stop(); });

  test('not ready (503 jwks_unavailable) until the keys load, then ready', async () => {
    await issuer.waitFetches(1);
    const rz = await request(`${w.url}/readyz`);
    assert.equal(rz.status, 503, rz.text);
    assert.equal(rz.json().jwks.loaded, false);
    assertRefused(await chat(w, bearer(sign(rsa, claimsFor(issuer)))), 'jwks_unavailable', 503);
    issuer.mode = 'ok';
    const seen = issuer.fetches;
    await issuer.waitFetches(seen + 1);  // the retry with backoff
    await eventually(async () => (await request(`${w.url}/readyz`)).status === 200, 'readyz after the issuer came up');
    assert.equal((await chat(w, bearer(sign(rsa, claimsFor(issuer))))).status, 200);
  });
});

describe('jwks_file', () => {
  let w;
  let dir;
  const fake = { url: 'https://issuer.file.example' };
  const a = makeKey('RS256', 'file-a');
  const b = makeKey('EdDSA', 'file-b');
  const writeJwks = (file, keys) => {
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, typeof keys === 'string' ? keys : JSON.stringify({ keys }));
    fs.renameSync(tmp, file);
  };
  before(async () => {
    dir = tmpDir('warden-jwks-');
    writeJwks(path.join(dir, 'jwks.json'), [a.jwk]);
    w = await startWarden({
      config: jwtConfig(mock.url, fake, { source: `jwks_file = "${path.join(dir, 'jwks.json')}"` }),
      env: baseEnv(),
    });
  });
  after(async () => { await w?.stop(); });

  test('keys load at start and reload when the file is replaced; a bad file keeps them', async () => {
    assert.equal((await request(`${w.url}/readyz`)).status, 200);
    assert.equal((await chat(w, bearer(sign(a, claimsFor(fake))))).status, 200);
    assertRefused(await chat(w, bearer(sign(b, claimsFor(fake)))), 'jwt_unknown_kid');
    writeJwks(path.join(dir, 'jwks.json'), [b.jwk]);
    await eventually(async () => (await chat(w, bearer(sign(b, claimsFor(fake))))).status === 200, 'the new key file');
    assertRefused(await chat(w, bearer(sign(a, claimsFor(fake)))), 'jwt_unknown_kid');
    writeJwks(path.join(dir, 'jwks.json'), 'not json');
    await w.waitForOutput(/cannot reload the JWKS file; keeping the present keys/);
    assert.equal((await chat(w, bearer(sign(b, claimsFor(fake))))).status, 200);
  });

  test('a reload that narrows subject refuses a token verified (and cached) before it', async () => {
    const token = sign(b, claimsFor(fake));
    assert.equal((await chat(w, bearer(token))).status, 200);
    const narrowed = jwtConfig(mock.url, fake, {
      source: `jwks_file = "${path.join(dir, 'jwks.json')}"`, extra: 'subject = "repo:other/*"',
    });
    writeFile(`${w.configPath}.tmp`, narrowed);
    fs.renameSync(`${w.configPath}.tmp`, w.configPath);
    await w.waitForOutput(/reloaded \(file changed/);
    assertRefused(await chat(w, bearer(token)), 'jwt_subject_not_allowed');
    // The keys survived the reload: a token for the new subject passes.
    assert.equal((await chat(w, bearer(sign(b, claimsFor(fake, { sub: 'repo:other/x' }))))).status, 200);
    // A reload to a jwks_file that does not load fails as a whole and keeps everything.
    const broken = jwtConfig(mock.url, fake, {
      source: `jwks_file = "${path.join(dir, 'absent.json')}"`, extra: 'subject = "repo:other/*"',
    });
    writeFile(`${w.configPath}.tmp`, broken);
    fs.renameSync(`${w.configPath}.tmp`, w.configPath);
    await w.waitForOutput(/reload \(file changed.*\) failed; keeping the last good config.*gateway\.auth\.jwt\.jwks_file/);
    assert.equal((await chat(w, bearer(sign(b, claimsFor(fake, { sub: 'repo:other/x' }))))).status, 200);
  });

  test('a missing jwks_file fails the start with the key named', async () => {
    const bad = await startWarden({
      config: jwtConfig(mock.url, fake, { source: `jwks_file = "${path.join(dir, 'missing.json')}"` }),
      env: baseEnv(), waitForListen: false,
    });
    await bad.waitForOutput(/gateway\.auth\.jwt\.jwks_file/);
    const exit = await bad.exited;
    assert.notEqual(exit.code, 0);
  });
});

describe('OIDC discovery and named callers', () => {
  let issuer;
  let w;
  const callers = `
[callers.deploy]
jwt_subject = "${SUB}"
jwt_claims = { workflow = "deploy*", repository = "acme/app" }
providers = ["mock"]
[callers.ci]
jwt_subject = "repo:acme/*"
providers = ["claude"]
`;
  before(async () => {
    issuer = await startIssuer();
    issuer.keys = [ec.jwk];
    w = await startWarden({ config: jwtConfig(mock.url, issuer, { source: '', callers }), env: baseEnv() });
    await issuer.waitFetches(1);
    await eventually(async () => (await request(`${w.url}/readyz`)).status === 200, 'readyz');
  });
  after(async () => { await w?.stop(); await issuer?.stop(); });

  test('the keys come from {issuer}/.well-known/openid-configuration', async () => {
    assert.ok(issuer.discoveries >= 1, 'no discovery request');
    assert.equal((await chat(w, bearer(sign(ec, claimsFor(issuer, { workflow: 'deploy-prod', repository: 'acme/app' }))))).status, 200);
  });

  test('the first matching caller wins; outside its policy or unmatched is 403 caller_not_allowed', async () => {
    const deploy = sign(ec, claimsFor(issuer, { workflow: 'deploy-prod', repository: 'acme/app' }));
    assert.equal((await chat(w, bearer(deploy))).status, 200);
    await w.waitForOutput(/access POST \/v1\/chat\/completions 200 .*caller=deploy/);
    assertRefused(await messages(w, bearer(deploy)).then((r) => ({ ...r, text: r.text })), 'caller_not_allowed', 403);
    // Same subject but another workflow: not deploy, but ci (claude only).
    const ci = sign(ec, claimsFor(issuer, { workflow: 'test', repository: 'acme/app' }));
    assert.equal((await messages(w, bearer(ci))).status, 200);
    assert.equal((await chat(w, bearer(ci))).status, 403);
    // A numeric claim never matches a pattern: only string (or array of strings) claims do.
    const numeric = sign(ec, claimsFor(issuer, { workflow: 7, repository: 'acme/app', sub: 'other' }));
    assertRefused(await chat(w, bearer(numeric)), 'caller_not_allowed', 403);
    const m = await request(`${w.url}/metrics`, { headers: bearer(deploy) });
    assert.match(m.text, /^warden_requests_total\{route="chat_completions",provider="mock",status="200",caller="deploy"\} \d+$/m);
    assert.ok(!w.output().includes(deploy.split('.')[2]));
  });
});

describe('official SDKs with the JWT as apiKey', () => {
  let issuer;
  let w;
  let OpenAI;
  let Anthropic;
  before(async () => {
    const sdk = createRequire(path.resolve(process.env.WARDEN_SOURCE_DIR ?? '.', 'tests/sdk/package.json'));
    OpenAI = (await import(pathToFileURL(sdk.resolve('openai')))).default;
    Anthropic = (await import(pathToFileURL(sdk.resolve('@anthropic-ai/sdk')))).default;
    issuer = await startIssuer();
    issuer.keys = [rsa.jwk];
    w = await startWarden({ config: jwtConfig(mock.url, issuer), env: baseEnv() });
    await issuer.waitFetches(1);
    await eventually(async () => (await request(`${w.url}/readyz`)).status === 200, 'readyz');
  });
  after(async () => { await w?.stop(); await issuer?.stop(); });

  test('openai and @anthropic-ai/sdk reach the mock; a bad JWT is an AuthenticationError', async () => {
    const jwt = sign(rsa, claimsFor(issuer));
    const openai = new OpenAI({ apiKey: jwt, baseURL: `${w.url}/v1`, maxRetries: 0, timeout: 10_000 });
    const chatOut = await openai.chat.completions.create({ model: 'mock/gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(chatOut.model, 'gpt-4o');
    const anthropic = new Anthropic({ apiKey: jwt, baseURL: w.url, maxRetries: 0, timeout: 10_000 });
    const msg = await anthropic.messages.create({ model: 'claude/claude-x', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(msg.type, 'message');
    const bad = new OpenAI({ apiKey: sign(stranger, claimsFor(issuer)), baseURL: `${w.url}/v1`, maxRetries: 0, timeout: 10_000 });
    await assert.rejects(bad.chat.completions.create({ model: 'mock/gpt-4o', messages: [] }), (e) => e.status === 401 && e.code === 'jwt_bad_signature');
  });
});
