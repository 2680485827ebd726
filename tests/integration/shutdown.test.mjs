// Graceful shutdown: SIGTERM lets in-flight streams finish within shutdown_grace, closes idle
// connections, refuses new ones, and exits 0; streams still running after the grace are cut.
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { startMock, startWarden, openSocket, readUntil } from '../support/harness.mjs';
import { config, baseEnv, rawHttp, parseResponse, parseResponses, assertIntact } from '../support/fixtures.mjs';

let mock;
before(async () => { mock = await startMock(); });
after(async () => { await mock?.stop(); });

/**
 * Resolve once warden has installed its SIGTERM and SIGINT handlers (bits in SigCgt of
 * /proc/PID/status). warden announces "listening" before installing them (see the last test), and
 * exposes no event for it, so this is a bounded poll; without it a SIGTERM sent right after start
 * kills the process with the default action.
 */
async function signalHandlersInstalled(pid, timeoutMs = 3000) {
  const deadline = performance.now() + timeoutMs;
  const want = (1n << 14n) | (1n << 1n); // SIGTERM = 15, SIGINT = 2 (bit = signo - 1)
  for (;;) {
    const m = /^SigCgt:\s*([0-9a-f]+)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m && (BigInt(`0x${m[1]}`) & want) === want) return;
    if (performance.now() > deadline) throw new Error(`warden installed no SIGTERM/SIGINT handler within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

// One event loop, so that "the idle connection was closed" proves the (single) acceptor is closed.
async function start(grace, { waitForHandlers = true } = {}) {
  const w = await startWarden({
    config: config(mock.url, { gateway: `threads = 1\nshutdown_grace = "${grace}"` }),
    env: baseEnv(),
  });
  if (waitForHandlers) await signalHandlersInstalled(w.process.pid);
  return w;
}

function connectOutcome(port) {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => { c.destroy(); resolve('connected'); });
    c.once('error', (e) => resolve(e.code));
  });
}

/** Collect everything a socket receives until it closes. */
function collect(s) {
  let all = '';
  s.on('data', (d) => { all += d.toString('latin1'); });
  s.on('error', () => {});
  return new Promise((resolve) => s.once('close', () => resolve({ data: all, at: performance.now() })));
}

function withDeadline(p, ms, what) {
  let t;
  return Promise.race([p, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`timeout after ${ms} ms: ${what}`)), ms); })])
    .finally(() => clearTimeout(t));
}

describe('SIGTERM', () => {
  test('an in-flight stream finishes, idle connections close, new connections are refused, exit 0', async () => {
    const w = await start('5s');
    await assertIntact(w);
    // An idle keep-alive connection.
    const idle = await openSocket(w.port);
    idle.write(rawHttp('GET', '/healthz', { auth: false }));
    await readUntil(idle, /"ok"\}/);
    const idleDone = collect(idle);
    // A stream of 5 deltas 300 ms apart (~1.2 s).
    const s = await openSocket(w.port);
    s.write(rawHttp('POST', '/v1/chat/completions', {
      headers: { 'x-mock-delay-ms': '300', 'x-mock-chunks': '5' }, body: { model: 'mock/drain', stream: true },
    }));
    const streamDone = collect(s);
    await readUntil(s, /chunk0/);

    const t0 = performance.now();
    w.process.kill('SIGTERM');
    const idleClosed = await withDeadline(idleDone, 2000, 'the idle connection is closed on SIGTERM');
    assert.ok(idleClosed.at - t0 < 1000, `idle connection closed after ${idleClosed.at - t0} ms`);
    assert.equal(idleClosed.data, '', 'nothing more is sent on the idle connection');
    assert.equal(await connectOutcome(w.port), 'ECONNREFUSED', 'new connections are refused while draining');

    const stream = await withDeadline(streamDone, 5000, 'the stream completes');
    const p = parseResponse(stream.data);
    assert.equal(p.status, 200);
    assert.equal(p.complete, true, 'the stream ends with its 0-chunk');
    assert.match(p.body, /chunk4/);
    assert.match(p.body, /data: \[DONE\]/);
    assert.ok(stream.at - t0 >= 900, `the stream ended ${stream.at - t0} ms after SIGTERM; it should have run to completion`);

    const exit = await withDeadline(w.exited, 5000, 'warden exits');
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.match(w.output(), /received SIGTERM/);
    assert.match(w.output(), /stopped/);
  });

  test('a stream longer than shutdown_grace is cut after the grace; exit 0', async () => {
    const GRACE_MS = 400;
    const w = await start(`${GRACE_MS}ms`);
    const s = await openSocket(w.port);
    s.write(rawHttp('POST', '/v1/chat/completions', {
      headers: { 'x-mock-delay-ms': '300', 'x-mock-chunks': '100' }, body: { model: 'mock/long', stream: true },
    }));
    const streamDone = collect(s);
    await readUntil(s, /chunk0/);
    const t0 = performance.now();
    w.process.kill('SIGTERM');
    const stream = await withDeadline(streamDone, 5000, 'the stream is cut after the grace');
    const cutAfter = stream.at - t0;
    assert.ok(cutAfter >= GRACE_MS - 50 && cutAfter < GRACE_MS + 2000, `cut after ${cutAfter} ms`);
    const p = parseResponse(stream.data);
    assert.equal(p.status, 200);
    assert.equal(p.complete, false, 'a cut stream must not look complete');
    const exit = await withDeadline(w.exited, 5000, 'warden exits');
    assert.deepEqual(exit, { code: 0, signal: null });
  });

  test('a pipelined request behind a draining response is not started; the connection closes', async () => {
    const w = await start('5s');
    const s = await openSocket(w.port);
    s.write(rawHttp('POST', '/v1/chat/completions', {
      headers: { 'x-mock-delay-ms': '300', 'x-mock-chunks': '3' }, body: { model: 'mock/p1', stream: true },
    }));
    const done = collect(s);
    await readUntil(s, /chunk0/);
    w.process.kill('SIGTERM');
    await w.waitForOutput(/received SIGTERM/);
    s.write(rawHttp('POST', '/v1/chat/completions', { body: { model: 'mock/p2' } }));
    const r = await withDeadline(done, 5000, 'the connection closes');
    const rs = parseResponses(r.data);
    assert.equal(rs[0].status, 200);
    assert.equal(rs[0].complete, true, 'the in-flight stream completes');
    assert.equal(rs.length, 1, 'no new request is served while draining');
    const exit = await withDeadline(w.exited, 5000, 'warden exits');
    assert.equal(exit.code, 0);
  });

  test('with nothing in flight, SIGTERM and SIGINT exit 0 at once', async () => {
    for (const sig of ['SIGTERM', 'SIGINT']) {
      const w = await start('10s');
      await assertIntact(w);
      await w.waitForOutput(/access POST/); // the request above completed
      const t0 = performance.now();
      w.process.kill(sig);
      const exit = await withDeadline(w.exited, 3000, `exit on ${sig}`);
      assert.deepEqual(exit, { code: 0, signal: null }, w.output());
      assert.ok(performance.now() - t0 < 2000, `${sig}: exit took ${performance.now() - t0} ms (shutdown_grace is 10 s; nothing was in flight)`);
    }
  });

  test('SIGTERM right after the "listening" line is handled (clean exit 0, not killed by the signal)', {
  }, async () => {
    // A supervisor may stop warden as soon as it reports listening: the handler must be installed by then.
    const w = await start('10s', { waitForHandlers: false });
    w.process.kill('SIGTERM');
    const exit = await withDeadline(w.exited, 3000, 'exit on SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null });
  });
});
