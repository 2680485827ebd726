#!/usr/bin/env node
// Time to first event (TTFE) of streaming chat completions, direct vs through warden.
//
// K sequential streaming requests per target over one keep-alive connection each,
// alternating direct / warden (the order flips every iteration so neither side always goes
// first). TTFE = time from writing the request to receiving the first SSE `data:` line. The
// inter-event gap = time between the arrivals of successive `data:` events of one response
// (with --delay-ms D the mock spaces its events D ms apart, so the gap is D plus what each hop
// adds per event). Each response is read to the end before the next request so the connection
// is reused.
//
//   node bench/ttfe.mjs --direct http://127.0.0.1:P/v1/chat/completions --direct-auth "Bearer sk-mock" \
//        --warden http://127.0.0.1:W/v1/chat/completions --warden-auth "Bearer bench-token" \
//        --direct-model gpt-4o --warden-model mock/gpt-4o --k 200 [--warmup 10] [--json] \
//        [--ref nginx=http://127.0.0.1:N/mock/v1/chat/completions ...]
//
// --ref NAME=URL adds a reference proxy (nginx, haproxy) in front of the same mock: it injects
// the key itself, so it gets no Authorization header and the direct model name. Each target's
// TTFE and gap are reported beside direct's, with what it adds.
//
// Prints a human table, and with --json one JSON line on stdout. Exits by itself: every
// request has a timeout and the whole run has a deadline (--deadline-s, default 120).
import http from 'node:http';

function parseArgs(argv) {
  const out = {
    k: 200, warmup: 10, deadlineS: 120, timeoutMs: 10000, chunks: 4, delayMs: 0, json: false,
    directModel: 'gpt-4o', wardenModel: 'mock/gpt-4o', directAuth: '', wardenAuth: '', refs: [],
  };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`missing value for ${a}`);
      return argv[++i];
    };
    switch (a) {
      case '--direct': out.direct = next(); break;
      case '--warden': out.warden = next(); break;
      case '--direct-auth': out.directAuth = next(); break;
      case '--warden-auth': out.wardenAuth = next(); break;
      case '--direct-model': out.directModel = next(); break;
      case '--warden-model': out.wardenModel = next(); break;
      case '--k': out.k = Number(next()); break;
      case '--warmup': out.warmup = Number(next()); break;
      case '--chunks': out.chunks = Number(next()); break;
      case '--delay-ms': out.delayMs = Number(next()); break;
      case '--deadline-s': out.deadlineS = Number(next()); break;
      case '--timeout-ms': out.timeoutMs = Number(next()); break;
      case '--json': out.json = true; break;
      case '--ref': {
        const v = next();
        const eq = v.indexOf('=');
        if (eq <= 0) throw new Error(`--ref wants NAME=URL, got ${v}`);
        out.refs.push({ name: v.slice(0, eq), url: v.slice(eq + 1) });
        break;
      }
      default: throw new Error(`unknown argument ${a}`);
    }
  }
  if (!out.direct) throw new Error('--direct URL is required');
  return out;
}

// One target: a URL, its own keep-alive agent holding a single socket, body and headers.
function makeTarget(name, url, auth, model, opts) {
  const body = JSON.stringify({
    model, stream: true, messages: [{ role: 'user', content: 'hi' }],
  });
  const headers = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'accept': 'text/event-stream',
    'x-mock-chunks': String(opts.chunks),
    'x-mock-delay-ms': String(opts.delayMs),
    'x-mock-first-byte-delay-ms': '0',
  };
  if (auth) headers.authorization = auth;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
  return { name, url: new URL(url), body, headers, agent, samples: [], gaps: [], sockets: new Set() };
}

// Sends one streaming request; resolves with TTFE in ms once the response has fully ended.
function once(t, timeoutMs) {
  return new Promise((resolve, reject) => {
    let t0 = 0n;
    let ttfe = null;
    let buf = '';
    let all = '';  // the whole (small) event stream, to count events across reads
    let events = 0;
    let lastEventAt = 0n;
    let done = false;
    const fail = (err) => { if (!done) { done = true; reject(err); } };
    const req = http.request(t.url, { method: 'POST', headers: t.headers, agent: t.agent });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${t.name}: request timed out`)));
    req.on('socket', (s) => t.sockets.add(s));
    req.on('error', (err) => fail(new Error(`${t.name}: ${err.message}`)));
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { text += d; });
        res.on('end', () => fail(new Error(`${t.name}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`)));
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (d) => {
        const now = process.hrtime.bigint();
        if (all.length < (1 << 20)) {
          all += d;
          const seen = (all.match(/(^|\n)data:/g) || []).length;
          if (seen > events) {
            if (events > 0) t.gaps.push(Number(now - lastEventAt) / 1e6);
            events = seen;
            lastEventAt = now;
          }
        }
        if (ttfe !== null) return;
        buf += d;
        // An SSE event line starts at the beginning of the stream or after a newline.
        if (/(^|\n)data:/.test(buf)) ttfe = Number(now - t0) / 1e6;
        else if (buf.length > 65536) buf = buf.slice(-16);
      });
      res.on('error', (err) => fail(new Error(`${t.name}: ${err.message}`)));
      res.on('end', () => {
        if (done) return;
        done = true;
        if (ttfe === null) reject(new Error(`${t.name}: stream ended without a data: event`));
        else resolve(ttfe);
      });
    });
    t0 = process.hrtime.bigint();
    req.end(t.body);
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  // Nearest-rank, like wrk's percentiles.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: percentile(s, 50),
    p99: percentile(s, 99),
    min: s[0],
    max: s[s.length - 1],
  };
}

async function main() {
  const opts = parseArgs(process.argv);
  const deadline = setTimeout(() => {
    console.error(`ttfe: deadline of ${opts.deadlineS}s reached, giving up`);
    process.exit(3);
  }, opts.deadlineS * 1000);
  deadline.unref();

  const targets = [makeTarget('direct', opts.direct, opts.directAuth, opts.directModel, opts)];
  if (opts.warden) {
    targets.push(makeTarget('warden', opts.warden, opts.wardenAuth, opts.wardenModel, opts));
  }
  for (const r of opts.refs) targets.push(makeTarget(r.name, r.url, '', opts.directModel, opts));

  for (let i = 0; i < opts.warmup; i++) {
    for (const t of targets) await once(t, opts.timeoutMs);
  }
  for (let i = 0; i < opts.k; i++) {
    const order = i % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) t.samples.push(await once(t, opts.timeoutMs));
  }

  const result = {};
  for (const t of targets) {
    result[t.name] = stats(t.samples);
    result[t.name].gap = stats(t.gaps);
    result[t.name].connections = t.sockets.size;
    t.agent.destroy();
  }
  // What each hop adds over direct, per target.
  result.extra = {};
  for (const t of targets.slice(1)) {
    const r = result[t.name];
    result.extra[t.name] = {
      p50_ms: r.p50 - result.direct.p50,
      p99_ms: r.p99 - result.direct.p99,
      gap_p50_ms: r.gap.p50 - result.direct.gap.p50,
    };
  }
  if (result.warden) {
    result.extra_p50_ms = result.extra.warden.p50_ms;
    result.extra_p99_ms = result.extra.warden.p99_ms;
    result.extra_gap_p50_ms = result.extra.warden.gap_p50_ms;
  }

  const f = (x) => (Number.isFinite(x) ? x.toFixed(3) : '-');
  console.log(`TTFE over ${opts.k} sequential streaming requests per target (ms, after ${opts.warmup} warmup each)`);
  console.log('target   p50      p99      min      max      connections');
  for (const t of targets) {
    const r = result[t.name];
    console.log(`${t.name.padEnd(8)} ${f(r.p50).padEnd(8)} ${f(r.p99).padEnd(8)} ${f(r.min).padEnd(8)} ${f(r.max).padEnd(8)} ${r.connections}`);
  }
  for (const [name, e] of Object.entries(result.extra)) {
    console.log(`extra through ${name}: p50 ${f(e.p50_ms)} ms, p99 ${f(e.p99_ms)} ms`);
  }
  console.log(`inter-event gap (ms; the mock spaces events ${opts.delayMs} ms apart)`);
  console.log('target   p50      p99      min      max      gaps');
  for (const t of targets) {
    const g = result[t.name].gap;
    console.log(`${t.name.padEnd(8)} ${f(g.p50).padEnd(8)} ${f(g.p99).padEnd(8)} ${f(g.min).padEnd(8)} ${f(g.max).padEnd(8)} ${g.n}`);
  }
  for (const [name, e] of Object.entries(result.extra)) {
    console.log(`extra gap through ${name}: p50 ${f(e.gap_p50_ms)} ms`);
  }
  if (opts.json) console.log(`TTFE_JSON ${JSON.stringify(result)}`);
}

main().catch((err) => {
  console.error(`ttfe: ${err.message}`);
  process.exit(1);
});
