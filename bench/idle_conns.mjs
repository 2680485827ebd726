#!/usr/bin/env node
// Opens N keep-alive connections to 127.0.0.1:PORT, sends one GET /healthz on each and reads
// the response, then holds them all open and idle, sums VmRSS of the given PIDs, and closes them.
//
//   node bench/idle_conns.mjs --port P --n 1000 --pids 123,124 [--auth "Bearer x"] [--settle-ms 500]
//
// Prints one line: IDLE_JSON {"opened":N,"ok":N,"rss_kib":K,"per_pid":{...}}.
// Exits by itself (deadline, default 60 s).
import net from 'node:net';
import fs from 'node:fs';

function parseArgs(argv) {
  const out = { n: 1000, settleMs: 500, deadlineS: 60, auth: '', pids: [], batch: 100 };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[++i];
    if (v === undefined) throw new Error(`missing value for ${a}`);
    switch (a) {
      case '--port': out.port = Number(v); break;
      case '--n': out.n = Number(v); break;
      case '--pids': out.pids = v.split(',').filter(Boolean).map(Number); break;
      case '--auth': out.auth = v; break;
      case '--settle-ms': out.settleMs = Number(v); break;
      case '--deadline-s': out.deadlineS = Number(v); break;
      case '--batch': out.batch = Number(v); break;
      default: throw new Error(`unknown argument ${a}`);
    }
  }
  if (!out.port) throw new Error('--port is required');
  return out;
}

export function vmRssKib(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) : 0;
}

// Resolves with the socket once a full response to GET /healthz has been read (status line +
// headers + Content-Length body, or a chunked body's terminator). Rejects on error or close.
function openOne(port, auth) {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ host: '127.0.0.1', port });
    let buf = '';
    let settled = false;
    const fail = (e) => { if (!settled) { settled = true; s.destroy(); reject(e); } };
    s.setNoDelay(true);
    s.on('error', fail);
    s.on('close', () => fail(new Error('closed before a response')));
    s.on('connect', () => {
      let req = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n';
      if (auth) req += `Authorization: ${auth}\r\n`;
      s.write(`${req}\r\n`);
    });
    s.setEncoding('latin1');
    s.on('data', (d) => {
      if (settled) return;
      buf += d;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.slice(0, end);
      const body = buf.slice(end + 4);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      const complete = cl ? body.length >= Number(cl[1])
        : /\r\ntransfer-encoding:\s*chunked/i.test(head) ? body.includes('0\r\n\r\n') : true;
      if (!complete) return;
      settled = true;
      s.removeAllListeners('close');
      s.on('close', () => { s.closedEarly = true; });
      s.status = status;
      resolve(s);
    });
  });
}

async function main() {
  const opts = parseArgs(process.argv);
  const deadline = setTimeout(() => {
    console.error(`idle_conns: deadline of ${opts.deadlineS}s reached`);
    process.exit(3);
  }, opts.deadlineS * 1000);
  deadline.unref();

  const sockets = [];
  let failed = 0;
  let firstError = '';
  for (let i = 0; i < opts.n; i += opts.batch) {
    const count = Math.min(opts.batch, opts.n - i);
    const res = await Promise.allSettled(
      Array.from({ length: count }, () => openOne(opts.port, opts.auth)));
    for (const r of res) {
      if (r.status === 'fulfilled') sockets.push(r.value);
      else { failed++; firstError ||= r.reason.message; }
    }
  }
  await new Promise((r) => setTimeout(r, opts.settleMs));
  const open = sockets.filter((s) => !s.closedEarly);
  const ok = open.filter((s) => s.status >= 200 && s.status < 300).length;
  const perPid = {};
  let total = 0;
  for (const pid of opts.pids) {
    try { perPid[pid] = vmRssKib(pid); total += perPid[pid]; } catch { perPid[pid] = null; }
  }
  const out = {
    requested: opts.n, opened: sockets.length, still_open: open.length, ok_2xx: ok,
    failed, first_error: firstError, rss_kib: total, per_pid: perPid,
  };
  for (const s of sockets) s.destroy();
  console.log(`IDLE_JSON ${JSON.stringify(out)}`);
}

main().catch((err) => {
  console.error(`idle_conns: ${err.message}`);
  process.exit(1);
});
