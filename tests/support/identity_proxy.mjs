// A real identity-aware proxy for tests: nginx on loopback with `auth_request` to a small auth
// stub (session cookie -> user), overwriting the identity headers and connecting to warden from
// PROXY_ADDR (proxy_bind), the address a test config trusts. Used by the trusted-proxy
// integration tests and the SDK tests of the identity modes.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { freePort, tmpDir, writeFile } from './harness.mjs';

export const PROXY_ADDR = '127.0.0.2';
// Session cookie value -> the user the auth stub asserts.
export const USERS = { 'sess-nick': 'nick@example.com', 'sess-ann': 'ann@team.example', 'sess-eve': 'eve@evil.example' };


// The identity provider's stand-in: 200 with X-User for a known session cookie, else 401.
export async function startAuthStub() {
  const srv = http.createServer((req, res) => {
    const m = /(?:^|;\s*)session=([^;]+)/.exec(req.headers.cookie ?? '');
    const user = m && USERS[m[1]];
    if (user) {
      res.writeHead(200, { 'x-user': user });
    } else {
      res.writeHead(401);
    }
    res.end();
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return { port: srv.address().port, stop: () => new Promise((r) => srv.close(r)) };
}

export async function startNginx(wardenPort, authPort) {
  const dir = tmpDir('warden-nginx-');
  const port = await freePort();
  const conf = `
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location = /_auth {
      internal;
      proxy_pass http://127.0.0.1:${authPort}/check;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
    }
    location / {
      auth_request /_auth;
      auth_request_set $auth_user $upstream_http_x_user;
      proxy_pass http://127.0.0.1:${wardenPort};
      proxy_bind ${PROXY_ADDR};
      proxy_http_version 1.1;
      proxy_buffering off;
      proxy_set_header Connection "";
      # Overwrite, never append: whatever the client sent under these names is replaced.
      proxy_set_header x-forwarded-user $auth_user;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`;
  const confPath = writeFile(path.join(dir, 'nginx.conf'), conf);
  const child = spawn('nginx', ['-p', dir, '-c', confPath, '-e', path.join(dir, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise((r) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => { s.destroy(); r(true); });
      s.on('error', () => r(false));
    });
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      const log = fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8') : '';
      throw new Error(`nginx did not start: ${out}\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise((r) => {
      if (child.exitCode !== null) return r();
      child.once('exit', r);
      child.kill('SIGQUIT');
    }),
  };
}

