// A small real OAuth 2.0 authorization server on 127.0.0.1 for the login and refresh tests
// (tests/integration/oauth.test.mjs): authorization code + PKCE S256 (checked), refresh tokens
// that rotate on every grant and are answered invalid_grant when spent twice, and fault modes.
//   GET  /oauth/authorize?...   → 302 to redirect_uri?code=..&state=.. (the test plays the browser)
//   POST /oauth/token           → grant_type=authorization_code | refresh_token (form body)
// server.mode: 'ok' | 'down' (503 HTML) | 'garbage' (200, not JSON) | 'other-account' |
// 'slow' (answers after server.slowMs) | 'held' (answers when the test calls server.release();
// server.grantArrived() resolves when a held request comes in). server.grants: every refresh grant, in order, with
// the refresh token it spent (counted per token in server.spent).
import crypto from 'node:crypto';
import http from 'node:http';

const b64u = (b) => Buffer.from(b).toString('base64url');
const jwt = (claims) => `${b64u(JSON.stringify({ alg: 'none' }))}.${b64u(JSON.stringify(claims))}.c2ln`;

export async function startOAuthServer({ clientId = 'app_test', account = 'acct-1', email = 'me@example.com' } = {}) {
  const codes = new Map(); // code → { challenge, redirectUri, clientId }
  const live = new Set(); // refresh tokens that may be spent
  const server = {
    mode: 'ok',
    slowMs: 1500,
    held: [], // answers waiting for release() in 'held' mode
    arrivals: [], // resolvers of grantArrived()
    /** Resolves when the next token request arrives in 'held' mode. */
    grantArrived() {
      return new Promise((resolve) => this.arrivals.push(resolve));
    },
    /** Answers every held token request. */
    release() {
      for (const answer of this.held.splice(0)) answer();
    },
    grants: [],
    spent: new Map(), // refresh token → how many grants asked for it
    codeExchanges: 0,
    issued: [], // every access and refresh token value issued (for leak checks)
    account,
    email,
    clientId,
    url: '',
    /** A fresh refresh token the server will honour (to plant a profile without logging in). */
    newRefreshToken() {
      const t = `rt-${crypto.randomBytes(12).toString('hex')}`;
      live.add(t);
      server.issued.push(t);
      return t;
    },
    close: () => new Promise((r) => { srv.closeAllConnections?.(); srv.close(() => r()); }),
  };

  function tokens(forAccount) {
    const access = `at-${crypto.randomBytes(12).toString('hex')}`;
    const refresh = server.newRefreshToken();
    server.issued.push(access);
    const idToken = jwt({ sub: `user-${forAccount}`, email: server.email,
      'https://api.openai.com/auth': { chatgpt_account_id: forAccount } });
    return { access_token: access, refresh_token: refresh, id_token: idToken, expires_in: 3600, token_type: 'Bearer' };
  }

  function send(res, status, obj) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(obj));
  }

  function answerToken(res, form) {
    if (form.get('client_id') !== server.clientId) return send(res, 401, { error: 'invalid_client' });
    if (form.get('grant_type') === 'authorization_code') {
      server.codeExchanges++;
      const c = codes.get(form.get('code'));
      codes.delete(form.get('code'));
      const challenge = b64u(crypto.createHash('sha256').update(form.get('code_verifier') ?? '').digest());
      if (!c || c.challenge !== challenge || c.redirectUri !== form.get('redirect_uri')) {
        return send(res, 400, { error: 'invalid_grant' });
      }
      return send(res, 200, tokens(server.account));
    }
    if (form.get('grant_type') === 'refresh_token') {
      const rt = form.get('refresh_token');
      server.grants.push(rt);
      server.spent.set(rt, (server.spent.get(rt) ?? 0) + 1);
      if (!live.delete(rt)) return send(res, 400, { error: 'invalid_grant', error_description: 'spent' });
      const acct = server.mode === 'other-account' ? 'acct-other' : server.account;
      return send(res, 200, tokens(acct));
    }
    return send(res, 400, { error: 'unsupported_grant_type' });
  }

  const srv = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://127.0.0.1');
    if (req.method === 'GET' && u.pathname === '/oauth/authorize') {
      const p = u.searchParams;
      if (p.get('response_type') !== 'code' || p.get('code_challenge_method') !== 'S256' ||
          p.get('client_id') !== server.clientId) {
        res.writeHead(400).end('bad authorize request');
        return;
      }
      const code = `code-${crypto.randomBytes(8).toString('hex')}`;
      codes.set(code, { challenge: p.get('code_challenge'), redirectUri: p.get('redirect_uri') });
      const to = new URL(p.get('redirect_uri'));
      to.searchParams.set('code', code);
      to.searchParams.set('state', p.get('state'));
      res.writeHead(302, { location: to.toString() }).end();
      return;
    }
    if (req.method === 'POST' && u.pathname === '/oauth/token') {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        const form = new URLSearchParams(body);
        if (server.mode === 'down') {
          if (form.get('grant_type') === 'refresh_token') server.grants.push(form.get('refresh_token'));
          res.writeHead(503, { 'content-type': 'text/html' }).end('<html>down</html>');
          return;
        }
        if (server.mode === 'garbage') {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":');
          return;
        }
        if (server.mode === 'held') {
          server.held.push(() => answerToken(res, form));
          for (const arrived of server.arrivals.splice(0)) arrived();
          return;
        }
        const delay = server.mode === 'slow' ? server.slowMs : 0;
        setTimeout(() => answerToken(res, form), delay);
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  server.url = `http://127.0.0.1:${srv.address().port}`;
  return server;
}
