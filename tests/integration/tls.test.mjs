// TLS on both sides, with real certificates from a throwaway CA made by the openssl CLI:
// - upstream `https://` providers: trust via SSL_CERT_FILE, SNI, hostname and IP-SAN verification,
//   untrusted / wrong-name certificates → 502, pooled keep-alive TLS connections;
// - `[gateway.tls]`: warden serving HTTPS (HSTS, nosniff, TLS 1.2+), bad cert/key → TLS_CONFIG_INVALID.
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import crypto from 'node:crypto';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { startWarden, request, rawExchange, tmpDir } from '../support/harness.mjs';
import { AUTH, TOKEN, assertOpenAiError } from '../support/fixtures.mjs';

// ---------------------------------------------------------------------------------------------
// Certificates

const dir = tmpDir('warden-tls-');
const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

function makeCa(name) {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`,
    '-days', '2', '-subj', `/CN=warden test ${name}`);
  return { key: path.join(dir, `${name}.key`), cert: path.join(dir, `${name}.pem`) };
}

function makeLeaf(name, ca, cn, san) {
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  fs.writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial',
    '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  fs.chmodSync(path.join(dir, `${name}.key`), 0o600);
  return { key: path.join(dir, `${name}.key`), cert: path.join(dir, `${name}.pem`) };
}

const ca = makeCa('ca');
const otherCa = makeCa('ca2');
const good = makeLeaf('server', ca, 'localhost', 'IP:127.0.0.1,DNS:localhost');
const wrongName = makeLeaf('other', ca, 'other.example', 'DNS:other.example');
const untrusted = makeLeaf('untrusted', otherCa, 'localhost', 'IP:127.0.0.1,DNS:localhost');
const caPem = fs.readFileSync(ca.cert);

// ---------------------------------------------------------------------------------------------
// A small HTTPS upstream: OpenAI chat completions, recording headers, SNI and new TLS connections.

async function startTlsUpstream(leaf) {
  const seen = { requests: [], connections: 0, sni: [] };
  const server = https.createServer({
    key: fs.readFileSync(leaf.key),
    cert: fs.readFileSync(leaf.cert),
    keepAlive: true,
  }, (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let model = null;
      try { model = JSON.parse(Buffer.concat(chunks).toString('utf8')).model; } catch { /* echo null */ }
      seen.requests.push({ method: req.method, url: req.url, headers: { ...req.headers }, servername: req.socket.servername, body: Buffer.concat(chunks).toString('utf8') });
      if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'no route', type: 'invalid_request_error', code: 'not_found' } }));
        return;
      }
      const body = JSON.stringify({
        id: 'chatcmpl-tls', object: 'chat.completion', created: 1700000000, model,
        choices: [{ index: 0, message: { role: 'assistant', content: 'over tls' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('secureConnection', (s) => {
    seen.connections++;
    seen.sni.push(s.servername);
  });
  server.on('tlsClientError', () => { /* expected for the rejected handshakes */ });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    seen,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

// Node's https client against warden's own HTTPS listener.
function httpsRequest(url, { method = 'GET', headers = {}, body, timeoutMs = 5000, ...tlsOpts } = {}) {
  return new Promise((resolve, reject) => {
    const b = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const h = { ...headers };
    if (b !== undefined) { h['content-type'] ??= 'application/json'; h['content-length'] = Buffer.byteLength(b); }
    const req = https.request(url, { method, headers: h, agent: false, timeout: timeoutMs, ...tlsOpts }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(b);
  });
}

const chat = (model) => ({ model, messages: [{ role: 'user', content: 'hi' }] });

// ---------------------------------------------------------------------------------------------

describe('upstream https:// providers', () => {
  let goodUp; let poolUp; let wrongNameUp; let untrustedUp;
  let w;
  const provider = (id, base) => `[providers.${id}]\napi = "openai"\nbase_url = "${base}"\n`;

  before(async () => {
    [goodUp, poolUp, wrongNameUp, untrustedUp] = await Promise.all(
      [good, good, wrongName, untrusted].map((leaf) => startTlsUpstream(leaf)));
    w = await startWarden({
      // One event loop: the upstream keep-alive pool is per loop, so pooling is observable.
      config: `[gateway]\nbind = "127.0.0.1:0"\nthreads = 1\n`
        + provider('secure', `https://localhost:${goodUp.port}/v1`)
        + provider('pooled', `https://localhost:${poolUp.port}/v1`)
        + provider('byip', `https://127.0.0.1:${goodUp.port}/v1`)
        + provider('wrongname', `https://localhost:${wrongNameUp.port}/v1`)
        + provider('othertrust', `https://localhost:${untrustedUp.port}/v1`),
      env: {
        WARDEN_GATEWAY_TOKEN: TOKEN,
        SSL_CERT_FILE: ca.cert,
        SECURE_API_KEY: 'sk-secure-provider-key',
        POOLED_API_KEY: 'sk-pooled-key',
        BYIP_API_KEY: 'sk-byip-key',
        WRONGNAME_API_KEY: 'sk-wrongname-key',
        OTHERTRUST_API_KEY: 'sk-othertrust-key',
      },
    });
  });
  after(async () => {
    await w?.stop();
    await Promise.all([goodUp, poolUp, wrongNameUp, untrustedUp].map((u) => u?.close()));
  });

  const post = (model, headers = {}) => request(`${w.url}/v1/chat/completions`, { headers: { ...AUTH, ...headers }, body: chat(model) });

  test('a CA trusted via SSL_CERT_FILE: 200, the key is injected, SNI names the host', async () => {
    const before = goodUp.seen.requests.length;
    const r = await post('secure/gpt-tls');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().model, 'gpt-tls');
    assert.equal(r.json().choices[0].message.content, 'over tls');
    const rec = goodUp.seen.requests.slice(before);
    assert.equal(rec.length, 1);
    assert.equal(rec[0].url, '/v1/chat/completions');
    assert.equal(rec[0].headers.authorization, 'Bearer sk-secure-provider-key');
    assert.equal(rec[0].servername, 'localhost', 'SNI sent for a host name');
    assert.ok(goodUp.seen.sni.includes('localhost'));
  });

  // Past one TLS record (16 KiB) the head and the body's first bytes are sent as one record
  // (http::JoinFirstRecord, a buffer the pooled connection keeps): the provider must get exactly
  // the caller's bytes with the model rewritten, whether the model literal falls in that first
  // record or past it, and a small request after large ones must carry nothing of theirs.
  test('bodies larger than a TLS record reach the provider byte for byte', async () => {
    const content = 'a line with "quotes" and \\ a backslash\n'.repeat(1500);  // ~60 KB
    const bodies = [
      JSON.stringify({ model: 'secure/gpt-big', messages: [{ role: 'user', content }] }),
      JSON.stringify({ messages: [{ role: 'user', content }], model: 'secure/gpt-big' }),
      JSON.stringify(chat('secure/gpt-small')),
    ];
    assert.ok(bodies[1].indexOf('"model"') > 16 * 1024);
    for (const text of bodies) {
      const before = goodUp.seen.requests.length;
      const r = await request(`${w.url}/v1/chat/completions`, {
        headers: { ...AUTH, 'content-type': 'application/json' }, body: text,
      });
      assert.equal(r.status, 200, r.text);
      const rec = goodUp.seen.requests.slice(before);
      assert.equal(rec.length, 1);
      assert.equal(rec[0].headers.authorization, 'Bearer sk-secure-provider-key');
      assert.equal(rec[0].headers['content-length'], String(Buffer.byteLength(text) - 'secure/'.length));
      assert.equal(rec[0].body, text.replace('"secure/gpt-', '"gpt-'));
    }
  });

  test('three sequential requests share one pooled TLS connection', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await post(`pooled/m${i}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json().model, `m${i}`);
    }
    assert.equal(poolUp.seen.requests.length, 3);
    assert.equal(poolUp.seen.connections, 1, `TLS connections opened: ${poolUp.seen.connections}`);
  });

  test('an IP literal base_url verifies against the IP SAN', async () => {
    const before = goodUp.seen.requests.length;
    const r = await post('byip/gpt-ip');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().model, 'gpt-ip');
    const rec = goodUp.seen.requests.slice(before);
    assert.equal(rec.length, 1);
    assert.equal(rec[0].headers.authorization, 'Bearer sk-byip-key');
  });

  test('a certificate for another host name → 502 upstream_error (hostname verification)', async () => {
    const r = await post('wrongname/m');
    assert.equal(r.status, 502, r.text);
    const e = assertOpenAiError(r.text, 'upstream_error');
    assert.match(e.message, /tls|handshake|certificate|verif/i);
    assert.doesNotMatch(r.text, /sk-wrongname-key/);
    assert.equal(wrongNameUp.seen.requests.length, 0, 'no request was sent over the unverified connection');
  });

  test('a certificate from a CA that is not trusted → 502 upstream_error, then a good request still works', async () => {
    const r = await post('othertrust/m');
    assert.equal(r.status, 502, r.text);
    const e = assertOpenAiError(r.text, 'upstream_error');
    assert.match(e.message, /tls|handshake|certificate|verif/i);
    assert.doesNotMatch(r.text, /sk-othertrust-key/);
    assert.equal(untrustedUp.seen.requests.length, 0, 'no request was sent over the unverified connection');
    const ok = await post('secure/after-failure');
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json().model, 'after-failure');
  });

  test('without SSL_CERT_FILE the test CA is not trusted → 502, and warden keeps serving', async () => {
    const w2 = await startWarden({
      config: `[gateway]\nbind = "127.0.0.1:0"\n${provider('secure', `https://localhost:${goodUp.port}/v1`)}`,
      env: { WARDEN_GATEWAY_TOKEN: TOKEN, SECURE_API_KEY: 'sk-secure-provider-key' },
    });
    try {
      const before = goodUp.seen.requests.length;
      for (let i = 0; i < 2; i++) {
        const r = await request(`${w2.url}/v1/chat/completions`, { headers: AUTH, body: chat('secure/m') });
        assert.equal(r.status, 502, r.text);
        assert.match(assertOpenAiError(r.text, 'upstream_error').message, /tls|handshake|certificate|verif/i);
      }
      assert.equal(goodUp.seen.requests.length, before, 'nothing was sent to the untrusted upstream');
      const h = await request(`${w2.url}/healthz`);
      assert.equal(h.status, 200);
      assert.equal(w2.process.exitCode, null, 'warden is still running');
    } finally {
      await w2.stop();
    }
  });
});

describe('[gateway.tls]: warden serves HTTPS', () => {
  let w;
  const tlsConfig = (cert, key) => `[gateway]\nbind = "127.0.0.1:0"\n[gateway.tls]\ncert = "${cert}"\nkey = "${key}"\nhsts = "max-age=600"\n`;

  before(async () => {
    w = await startWarden({ config: tlsConfig(good.cert, good.key), env: { WARDEN_GATEWAY_TOKEN: TOKEN } });
  });
  after(async () => { await w?.stop(); });

  test('listens on https:// and answers over TLS with HSTS and nosniff', async () => {
    assert.match(w.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const h = await httpsRequest(`${w.url}/healthz`, { ca: caPem });
    assert.equal(h.status, 200, h.text);
    assert.equal(h.headers['strict-transport-security'], 'max-age=600');
    assert.equal(h.headers['x-content-type-options'], 'nosniff');
    // Also on an error response, and by host name (the certificate's DNS SAN).
    const e = await httpsRequest(`https://localhost:${w.port}/v1/models`, { ca: caPem, family: 4 });
    assert.equal(e.status, 401, e.text);
    assert.equal(e.headers['strict-transport-security'], 'max-age=600');
    assert.equal(e.headers['x-content-type-options'], 'nosniff');
    const m = await httpsRequest(`${w.url}/v1/models`, { ca: caPem, headers: AUTH });
    assert.equal(m.status, 200, m.text);
    assert.equal(m.headers['strict-transport-security'], 'max-age=600');
    for (const res of [h, e, m]) assert.equal(res.headers['referrer-policy'], 'no-referrer');
  });

  test('a client that does not trust the CA fails the handshake', async () => {
    await assert.rejects(httpsRequest(`${w.url}/healthz`), (e) => /self[- ]signed|unable to (get|verify)|certificate/i.test(`${e.code} ${e.message}`));
  });

  test('plain HTTP to the HTTPS port gets no 200', async () => {
    const r = await rawExchange(w.port, 'GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n', { timeoutMs: 3000 });
    assert.doesNotMatch(r.data, /^HTTP\/1\.[01] 200/, `got ${JSON.stringify(r.data.slice(0, 200))}`);
    assert.ok(!r.timedOut, 'warden closed the plaintext connection instead of leaving it hanging');
    // The listener is unaffected.
    const h = await httpsRequest(`${w.url}/healthz`, { ca: caPem });
    assert.equal(h.status, 200);
  });

  test('a TLS handshake that stalls is cut off at header_timeout; the listener keeps serving', async () => {
    const w2 = await startWarden({
      config: tlsConfig(good.cert, good.key).replace('[gateway.tls]', 'header_timeout = "500ms"\n[gateway.tls]'),
      env: { WARDEN_GATEWAY_TOKEN: TOKEN },
    });
    try {
      // The first bytes of a TLS record (handshake, TLS 1.0 framing, length 512), then nothing.
      const t0 = performance.now();
      const r = await rawExchange(w2.port, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]), { timeoutMs: 5000 });
      assert.ok(!r.timedOut, 'warden closed the stalled handshake');
      assert.ok(performance.now() - t0 >= 400, 'not before header_timeout');
      const h = await httpsRequest(`${w2.url}/healthz`, { ca: caPem });
      assert.equal(h.status, 200);
    } finally {
      await w2.stop();
    }
  });

  // Connect with tls.connect; resolves { ok, protocol } or { ok: false, code }.
  const handshake = (opts) => new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port: w.port, ca: caPem, ciphers: 'DEFAULT@SECLEVEL=0', ...opts });
    const t = setTimeout(() => { s.destroy(); resolve({ ok: false, code: 'TIMEOUT' }); }, 5000);
    s.once('secureConnect', () => { clearTimeout(t); const protocol = s.getProtocol(); s.end(); resolve({ ok: true, protocol }); });
    s.once('error', (e) => { clearTimeout(t); s.destroy(); resolve({ ok: false, code: e.code, message: e.message }); });
  });

  test('TLS 1.1 is refused; TLS 1.2 and 1.3 are accepted', async () => {
    const v12 = await handshake({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    assert.deepEqual(v12, { ok: true, protocol: 'TLSv1.2' });
    const v13 = await handshake({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' });
    assert.deepEqual(v13, { ok: true, protocol: 'TLSv1.3' });
    const v11 = await handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1' });
    assert.equal(v11.ok, false, `TLS 1.1 handshake succeeded: ${JSON.stringify(v11)}`);
    assert.notEqual(v11.code, 'TIMEOUT');
    // The refusal comes from the server (a protocol_version alert), not from the client's own policy.
    assert.match(`${v11.code} ${v11.message}`, /protocol.?version|unsupported protocol|wrong version/i);
    assert.doesNotMatch(`${v11.code}`, /NO_PROTOCOLS_AVAILABLE/);
  });

  test('TLS 1.2 offers only ECDHE with AEAD ciphers: CBC, RSA key exchange and SHA-1 are refused', async () => {
    for (const ciphers of ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305']) {
      const r = await handshake({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers });
      assert.deepEqual(r, { ok: true, protocol: 'TLSv1.2' }, ciphers);
    }
    for (const ciphers of ['AES128-GCM-SHA256', 'AES128-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA256', 'DHE-RSA-AES128-GCM-SHA256']) {
      const r = await handshake({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: `${ciphers}@SECLEVEL=0` });
      assert.equal(r.ok, false, `${ciphers} was accepted`);
      assert.notEqual(r.code, 'TIMEOUT');
    }
  });

  test('a key file readable by group or others → refuses to start, naming chmod 600', async () => {
    const loose = path.join(dir, 'loose.key');
    fs.copyFileSync(good.key, loose);
    fs.chmodSync(loose, 0o644);
    const err = await startWarden({ config: tlsConfig(good.cert, loose), env: { WARDEN_GATEWAY_TOKEN: TOKEN } })
      .then((h) => { h.stop(); return null; }, (e) => e);
    assert.ok(err, 'warden started with a world-readable TLS key');
    assert.match(err.output, /TLS_CONFIG_INVALID/);
    assert.match(err.output, /gateway\.tls\.key/);
    assert.match(err.output, /chmod 600/);
    assert.doesNotMatch(err.output, /BEGIN .*PRIVATE KEY/);
  });

  test('a key file that is a symlink → refuses to start', async () => {
    const link = path.join(dir, 'link.key');
    fs.rmSync(link, { force: true });
    fs.symlinkSync(good.key, link);
    const err = await startWarden({ config: tlsConfig(good.cert, link), env: { WARDEN_GATEWAY_TOKEN: TOKEN } })
      .then((h) => { h.stop(); return null; }, (e) => e);
    assert.ok(err, 'warden started with a symlinked TLS key');
    assert.match(err.output, /TLS_CONFIG_INVALID/);
    assert.match(err.output, /symlink/);
  });

  test('key/cert mismatch → refuses to start with TLS_CONFIG_INVALID', async () => {
    const err = await startWarden({ config: tlsConfig(good.cert, wrongName.key), env: { WARDEN_GATEWAY_TOKEN: TOKEN } })
      .then((h) => { h.stop(); return null; }, (e) => e);
    assert.ok(err, 'warden started with a key that does not match its certificate');
    assert.notEqual(err.exit?.code, 0, `exit ${JSON.stringify(err.exit)}`);
    assert.match(err.output, /TLS_CONFIG_INVALID/);
    assert.doesNotMatch(err.output, /BEGIN .*PRIVATE KEY/);
  });

  test('a missing certificate or key file → refuses to start with TLS_CONFIG_INVALID naming it', async () => {
    const missing = path.join(dir, 'does-not-exist.pem');
    for (const cfg of [tlsConfig(missing, good.key), tlsConfig(good.cert, missing)]) {
      const err = await startWarden({ config: cfg, env: { WARDEN_GATEWAY_TOKEN: TOKEN } })
        .then((h) => { h.stop(); return null; }, (e) => e);
      assert.ok(err, 'warden started with a missing TLS file');
      assert.notEqual(err.exit?.code, 0, `exit ${JSON.stringify(err.exit)}`);
      assert.match(err.output, /TLS_CONFIG_INVALID/);
      assert.ok(err.output.includes('does-not-exist.pem'), err.output);
    }
  });
});

describe('[gateway.tls]: certificate and key reloaded without dropping connections', () => {
  const renewed = makeLeaf('renewed', ca, 'localhost', 'IP:127.0.0.1,DNS:localhost');
  const live = tmpDir('warden-tls-live-');
  const liveCert = path.join(live, 'cert.pem');
  const liveKey = path.join(live, 'key.pem');
  const fingerprint = (certFile) => new crypto.X509Certificate(fs.readFileSync(certFile)).fingerprint256;
  // Replace a file the way deploy tools do: write beside it, then rename into place.
  const replace = (file, from, mode = 0o600) => {
    const tmp = `${file}.new`;
    fs.copyFileSync(from, tmp);
    fs.chmodSync(tmp, mode);
    fs.renameSync(tmp, file);
  };
  // GET /healthz; resolves { status, fingerprint of the server certificate, socket }.
  const get = (port, agent) => new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/healthz', ca: caPem, agent, timeout: 5000 }, (res) => {
      const fp = res.socket.getPeerCertificate().fingerprint256;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, fingerprint: fp, socket: res.socket }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
  let w;
  before(async () => {
    replace(liveCert, good.cert, 0o644);
    replace(liveKey, good.key);
    w = await startWarden({
      config: `[gateway]\nbind = "127.0.0.1:0"\n[gateway.tls]\ncert = "${liveCert}"\nkey = "${liveKey}"\n`,
      env: { WARDEN_GATEWAY_TOKEN: TOKEN },
    });
  });
  after(async () => { await w?.stop(); });

  test('SIGHUP: new handshakes get the new certificate; an open connection keeps working', async () => {
    const keep = new https.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before1 = await get(w.port, keep);
      assert.equal(before1.status, 200);
      assert.equal(before1.fingerprint, fingerprint(good.cert));
      replace(liveCert, renewed.cert, 0o644);
      replace(liveKey, renewed.key);
      w.process.kill('SIGHUP');
      await w.waitForOutput(/reloaded \(/);
      const fresh = await get(w.port, false);
      assert.equal(fresh.status, 200);
      assert.equal(fresh.fingerprint, fingerprint(renewed.cert));
      // The connection opened before the reload is still served, on its original handshake.
      const again = await get(w.port, keep);
      assert.equal(again.status, 200);
      assert.equal(again.socket, before1.socket, 'the keep-alive connection was dropped');
      assert.equal(again.fingerprint, fingerprint(good.cert));
    } finally {
      keep.destroy();
    }
  });

  test('a key that fails the private-file check fails the reload; the current certificate stays', async () => {
    const current = (await get(w.port, false)).fingerprint;
    replace(liveCert, good.cert, 0o644);
    replace(liveKey, good.key, 0o644);
    w.process.kill('SIGHUP');
    await w.waitForOutput(/reload \([^)]*\) failed[^\n]*TLS_CONFIG_INVALID[^\n]*chmod 600/);
    const still = await get(w.port, false);
    assert.equal(still.status, 200);
    assert.equal(still.fingerprint, current);
    fs.chmodSync(liveKey, 0o600);
  });
});
