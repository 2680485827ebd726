// A small OIDC issuer for tests/integration/jwt.test.mjs, on 127.0.0.1: serves a JWKS document
// and an OIDC discovery document, counts fetches, and can be switched to fail (HTTP 503),
// serve garbage, or hang. Signs tokens with node's crypto (RS256, ES256, EdDSA). Node built-ins
// only.
import crypto from 'node:crypto';
import http from 'node:http';

/** A signing key: {alg, kid, privateKey, jwk (public, with kid)}. */
export function makeKey(alg, kid) {
  let pair;
  if (alg === 'RS256') pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  else if (alg === 'ES256') pair = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  else if (alg === 'EdDSA') pair = crypto.generateKeyPairSync('ed25519');
  else throw new Error(`unknown alg ${alg}`);
  const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid };
  return { alg, kid, privateKey: pair.privateKey, publicKey: pair.publicKey, jwk };
}

const b64url = (b) => Buffer.from(b).toString('base64url');

/** header.payload.signature; `header` overrides {alg, kid, typ}. */
export function sign(key, claims, header = {}) {
  const h = { alg: key.alg, typ: 'JWT', kid: key.kid, ...header };
  const input = `${b64url(JSON.stringify(h))}.${b64url(JSON.stringify(claims))}`;
  let sig;
  if (key.alg === 'RS256') sig = crypto.sign('sha256', Buffer.from(input), key.privateKey);
  else if (key.alg === 'ES256') sig = crypto.sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  else sig = crypto.sign(null, Buffer.from(input), key.privateKey);
  return `${input}.${b64url(sig)}`;
}

/** An unsigned token with arbitrary header and signature text. */
export function unsigned(header, claims, signature = '') {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}.${signature}`;
}

/** HS256 "signed" with `secret` (the classic public-key-as-HMAC-secret attack). */
export function hs256(secret, claims, kid) {
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(crypto.createHmac('sha256', secret).update(input).digest())}`;
}

/**
 * Starts the issuer. Its issuer URL is its own origin (http://127.0.0.1:PORT), so discovery works.
 * issuer.keys: the JWKs served; issuer.mode: 'ok' | 'down' (503) | 'garbage' | 'hang';
 * issuer.fetches: JWKS fetches; issuer.discoveries: discovery fetches; waitFetches(n) resolves
 * when fetches >= n.
 */
export async function startIssuer({ port = 0 } = {}) {
  const waiters = [];
  const sockets = new Set();
  const issuer = {
    keys: [], mode: 'ok', fetches: 0, discoveries: 0, url: null, port: null,
    waitFetches(n, ms = 15_000) {
      if (issuer.fetches >= n) return Promise.resolve(issuer.fetches);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timeout waiting for ${n} JWKS fetches (saw ${issuer.fetches})`)), ms);
        waiters.push({ n, resolve: (v) => { clearTimeout(t); resolve(v); } });
      });
    },
  };
  const server = http.createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      issuer.discoveries += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ issuer: issuer.url, jwks_uri: `${issuer.url}/jwks.json` }));
      return;
    }
    if (req.url !== '/jwks.json') { res.statusCode = 404; res.end(); return; }
    issuer.fetches += 1;
    for (const w of waiters.splice(0)) {
      if (issuer.fetches >= w.n) w.resolve(issuer.fetches); else waiters.push(w);
    }
    if (issuer.mode === 'hang') return;  // never answers
    if (issuer.mode === 'down') { res.statusCode = 503; res.end('down'); return; }
    res.setHeader('content-type', 'application/json');
    if (issuer.mode === 'garbage') { res.end('{"keys": [ this is not json'); return; }
    res.end(JSON.stringify({ keys: issuer.keys }));
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', resolve); });
  issuer.port = server.address().port;
  issuer.url = `http://127.0.0.1:${issuer.port}`;
  issuer.stop = () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); });
  return issuer;
}
