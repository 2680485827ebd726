#!/usr/bin/env node
// Cost of one key rotation: sequential non-streaming chat requests through warden over one
// keep-alive connection, each --rot-models model once (its provider's first key is
// rate-limited, so warden gets a 429 and retries with the next key: exactly one rotation per
// request), interleaved with as many happy-path requests (--happy-model, no rotation). The
// order flips every iteration so neither kind always goes first. Latency = time from writing
// the request to the end of the response body.
//
//   node bench/rotate.mjs --url http://127.0.0.1:W/v1/chat/completions --auth "Bearer bench-token" \
//        --happy-model bench/gpt-4o --rot-models rot1/gpt-4o,rot2/gpt-4o [--warmup 10] [--json]
//
// Every measured response must be 200 with a chat.completion body; anything else (or a socket
// error) is counted in `failures` and described in `first_failure`, and the run goes on.
// Prints a human table, and with --json one ROT_JSON line on stdout. Exit 0 when the run
// completed (whatever the failures), 1 on bad arguments or a failed warm-up, 3 at the
// deadline (--deadline-s, default 60); every request has a timeout (--timeout-ms, 10000).
import http from 'node:http';

function parseArgs(argv) {
  const out = { warmup: 10, deadlineS: 60, timeoutMs: 10000, json: false, auth: '', rotModels: [] };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`missing value for ${a}`);
      return argv[++i];
    };
    switch (a) {
      case '--url': out.url = next(); break;
      case '--auth': out.auth = next(); break;
      case '--happy-model': out.happyModel = next(); break;
      case '--rot-models': out.rotModels = next().split(',').filter(Boolean); break;
      case '--warmup': out.warmup = Number(next()); break;
      case '--deadline-s': out.deadlineS = Number(next()); break;
      case '--timeout-ms': out.timeoutMs = Number(next()); break;
      case '--json': out.json = true; break;
      default: throw new Error(`unknown argument ${a}`);
    }
  }
  if (!out.url || !out.happyModel || out.rotModels.length === 0) {
    throw new Error('--url, --happy-model and --rot-models are required');
  }
  return out;
}

// Sends one request; resolves with { ms, status, ok, text } once the body has fully arrived.
// Network errors and timeouts resolve too (status 0), so one failure does not end the run.
function once(url, agent, auth, model, timeoutMs, sockets) {
  const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] });
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  if (auth) headers.authorization = auth;
  return new Promise((resolve) => {
    let done = false;
    let t0 = 0n;
    const finish = (status, text) => {
      if (done) return;
      done = true;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      resolve({ ms, status, text, ok: status === 200 && text.includes('"chat.completion"') });
    };
    const req = http.request(url, { method: 'POST', headers, agent });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('request timed out')));
    req.on('socket', (s) => sockets.add(s));
    req.on('error', (err) => finish(0, err.message));
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { if (text.length < 4096) text += d; });
      res.on('error', (err) => finish(0, err.message));
      res.on('end', () => finish(res.statusCode, text));
    });
    t0 = process.hrtime.bigint();
    req.end(body);
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length)); // nearest rank, like wrk
  return sorted[Math.min(rank, sorted.length) - 1];
}

function stats(results) {
  const s = results.map((r) => r.ms).sort((a, b) => a - b);
  const bad = results.filter((r) => !r.ok);
  return {
    n: s.length, p50: percentile(s, 50), min: s[0], max: s[s.length - 1],
    ok: results.length - bad.length, failures: bad.length,
    first_failure: bad.length ? `${bad[0].model}: HTTP ${bad[0].status}: ${bad[0].text.slice(0, 200)}` : '',
  };
}

async function main() {
  const opts = parseArgs(process.argv);
  const deadline = setTimeout(() => {
    console.error(`rotate: deadline of ${opts.deadlineS}s reached, giving up`);
    process.exit(3);
  }, opts.deadlineS * 1000);
  deadline.unref();

  const url = new URL(opts.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
  const sockets = new Set();
  const run = async (model) => ({ model, ...(await once(url, agent, opts.auth, model, opts.timeoutMs, sockets)) });

  for (let i = 0; i < opts.warmup; i++) {
    const r = await run(opts.happyModel);
    if (!r.ok) throw new Error(`warm-up request failed: HTTP ${r.status}: ${r.text.slice(0, 200)}`);
  }
  const happy = [];
  const rotated = [];
  for (let i = 0; i < opts.rotModels.length; i++) {
    if (i % 2 === 0) {
      rotated.push(await run(opts.rotModels[i]));
      happy.push(await run(opts.happyModel));
    } else {
      happy.push(await run(opts.happyModel));
      rotated.push(await run(opts.rotModels[i]));
    }
  }
  agent.destroy();

  const result = { happy: stats(happy), rotated: stats(rotated), connections: sockets.size };
  result.added_p50_ms = result.rotated.p50 - result.happy.p50;
  result.added_max_ms = result.rotated.max - result.happy.max;

  const f = (x) => (Number.isFinite(x) ? x.toFixed(3) : '-');
  console.log(`${opts.rotModels.length} rotated + ${happy.length} happy-path requests, sequential and interleaved on one keep-alive connection (ms, after ${opts.warmup} warm-up)`);
  console.log('kind       n    p50      min      max      ok');
  for (const [name, r] of [['happy', result.happy], ['rotated', result.rotated]]) {
    console.log(`${name.padEnd(10)} ${String(r.n).padEnd(4)} ${f(r.p50).padEnd(8)} ${f(r.min).padEnd(8)} ${f(r.max).padEnd(8)} ${r.ok}/${r.n}`);
  }
  console.log(`added latency of one rotation (rotated - happy): p50 ${f(result.added_p50_ms)} ms, max ${f(result.added_max_ms)} ms; ${result.connections} client connection(s)`);
  if (opts.json) console.log(`ROT_JSON ${JSON.stringify(result)}`);
}

main().catch((err) => {
  console.error(`rotate: ${err.message}`);
  process.exit(1);
});
