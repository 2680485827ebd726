// Writes a JWKS (one ES256 and one RS256 key) and prints signed tokens for bench/auth_modes.sh.
//   node bench/jwt_fixture.mjs DIR ISSUER AUDIENCE
// DIR/jwks.json gets the public keys (mode 0600); stdout gets two lines: "es256 TOKEN" and
// "rs256 TOKEN", each valid for one hour with sub "bench".
import { generateKeyPairSync, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';

const [dir, issuer, audience] = process.argv.slice(2);
if (!dir || !issuer || !audience) {
  console.error('usage: jwt_fixture.mjs DIR ISSUER AUDIENCE');
  process.exit(2);
}
const b64url = (buf) => Buffer.from(buf).toString('base64url');
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = (pair, kid, alg) => ({ ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' });
writeFileSync(`${dir}/jwks.json`, JSON.stringify({ keys: [jwk(ec, 'bench-es', 'ES256'), jwk(rsa, 'bench-rs', 'RS256')] }),
              { mode: 0o600 });
const now = Math.floor(Date.now() / 1000);
const claims = { iss: issuer, aud: audience, sub: 'bench', iat: now, nbf: now, exp: now + 3600 };
const token = (alg, kid, key, opts) => {
  const input = `${b64url(JSON.stringify({ alg, kid, typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(sign('sha256', Buffer.from(input), { key, ...opts }))}`;
};
console.log(`es256 ${token('ES256', 'bench-es', ec.privateKey, { dsaEncoding: 'ieee-p1363' })}`);
console.log(`rs256 ${token('RS256', 'bench-rs', rsa.privateKey, {})}`);
