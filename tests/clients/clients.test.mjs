// The agent CLIs, unchanged and with their default models, against warden and the mock upstream:
// Codex (`codex exec`, over its WebSocket transport) and Claude Code (`claude -p`). An answer
// arrives, a tool call round-trips, a wrong gateway token fails fast.
//
// Everything runs inside a private network namespace (`unshare -n`, loopback only): warden, the
// mock and the clients, so the clients' own outside calls (telemetry, updates, login checks) fail
// at once and harmlessly. This file re-runs itself inside the namespace; the outer run reports.
// Each client gets a fresh HOME / CODEX_HOME / CLAUDE_CONFIG_DIR, so nothing of the machine leaks
// in. Skipped, with the reason, when the pinned packages are not installed (npm ci --prefix
// tests/clients failed: no network) or a namespace cannot be made (not root).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMock, startWarden, tmpDir } from '../support/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = (name) => path.join(here, 'node_modules', '.bin', name);
const TOKEN = 'gw-client-token-0123456789';
const inside = process.env.WARDEN_IN_NETNS === '1';

function why() {
  for (const name of ['codex', 'claude']) {
    if (!fs.existsSync(bin(name))) return `${name} is not installed (npm ci --prefix tests/clients failed or was not run)`;
  }
  const probe = spawnSync('unshare', ['-n', 'true']);
  if (probe.status !== 0) return 'cannot create a network namespace (unshare -n needs root or user namespaces)';
  return null;
}

if (!inside) {
  const reason = why();
  test('agent CLIs inside a private network namespace', { skip: reason ?? false, timeout: 240_000 }, async () => {
    const self = fileURLToPath(import.meta.url);
    const env = { ...process.env, WARDEN_IN_NETNS: '1' };
    delete env.NODE_TEST_CONTEXT; // a test run of its own, not a child of this one
    const child = spawn('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" --test-reporter=tap "$1"', process.execPath, self], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => { out += c; process.stdout.write(c); });
    child.stderr.on('data', (c) => { out += c; process.stderr.write(c); });
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0, 'the client tests inside the namespace failed (output above)');
    assert.match(out, /# pass [1-9]/);
  });
} else {
  describe('agent CLIs', () => {
    let mock;
    let w;
    before(async () => {
      mock = await startMock();
      const config = `[gateway]\nbind = "127.0.0.1:0"\n` +
        `[providers.openai]\napi = "openai"\nbase_url = "${mock.url}/v1"\nwebsockets = true\n` +
        `[providers.anthropic]\napi = "anthropic"\nbase_url = "${mock.url}/v1"\n`;
      w = await startWarden({ config, env: { OPENAI_API_KEY: 'sk-upstream-openai', ANTHROPIC_API_KEY: 'sk-upstream-anthropic', WARDEN_GATEWAY_TOKEN: TOKEN } });
    });
    after(async () => { await w?.stop(); await mock?.stop(); });

    // Runs a client to completion; → {code, stdout, stderr, ms}.
    function run(cmd, args, { env, cwd, timeoutMs = 60_000, input } = {}) {
      return new Promise((resolve) => {
        const t0 = Date.now();
        const child = spawn(cmd, args, { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c) => { stdout += c; });
        child.stderr.on('data', (c) => { stderr += c; });
        child.stdin.end(input ?? '');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr, ms: Date.now() - t0 }); });
      });
    }

    // Codex as the README's "Use with ... Codex" configures it: the built-in OpenAI provider
    // pointed at warden, logged in with the gateway token (its WebSocket transport), or
    // (`provider: true`) a model_providers entry reading the token from the environment (HTTP).
    async function codex(prompt, { token = TOKEN, provider = false } = {}) {
      const home = tmpDir('codex-home-');
      const codexHome = path.join(home, '.codex');
      fs.mkdirSync(codexHome, { recursive: true });
      const env = { HOME: home, CODEX_HOME: codexHome };
      if (provider) {
        fs.writeFileSync(path.join(codexHome, 'config.toml'), 'model_provider = "warden"\n\n' +
          `[model_providers.warden]\nname = "warden"\nbase_url = "${w.url}/v1"\n` +
          'env_key = "WARDEN_GATEWAY_TOKEN"\nwire_api = "responses"\n');
        env.WARDEN_GATEWAY_TOKEN = token;
      } else {
        fs.writeFileSync(path.join(codexHome, 'config.toml'), `openai_base_url = "${w.url}/v1"\n`);
        const login = await run(bin('codex'), ['login', '--with-api-key'], { env, cwd: home, input: token });
        assert.equal(login.code, 0, login.stderr);
      }
      return run(bin('codex'), ['exec', '--skip-git-repo-check', prompt], { env, cwd: home });
    }

    // Claude Code (README: "Use with Claude Code").
    function claude(args, token = TOKEN) {
      const home = tmpDir('claude-home-');
      const env = { HOME: home, CLAUDE_CONFIG_DIR: path.join(home, '.claude'), ANTHROPIC_BASE_URL: w.url, ANTHROPIC_API_KEY: token };
      return run(bin('claude'), args, { env, cwd: home });
    }

    test('codex exec: an answer arrives over the WebSocket transport', async () => {
      const r = await codex('say hello');
      assert.equal(r.code, 0, r.stderr);
      // Codex always offers tools, so the mock's answer may follow a tool call (next test).
      assert.match(r.stdout, /chunk0 chunk1 chunk2|warden-mock final/);
      assert.doesNotMatch(r.stderr, /Reconnecting|Falling back/);
      await w.waitForOutput(/GET \/v1\/responses 101 provider=openai .* websocket /);
      console.log(`codex exec answered in ${r.ms} ms`);
    });

    test('codex exec: a tool call round-trips', async () => {
      const r = await codex('run echo warden-ok');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /warden-mock final: [\s\S]*warden-ok/);
      console.log(`codex tool loop in ${r.ms} ms`);
    });

    test('codex exec with a model_providers entry: a tool call round-trips over HTTP', async () => {
      const r = await codex('run echo warden-ok', { provider: true });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /warden-mock final: [\s\S]*warden-ok/);
      await w.waitForOutput(/POST \/v1\/responses 200 provider=openai /);
      console.log(`codex (model_providers entry, HTTP) tool loop in ${r.ms} ms`);
    });

    test('codex exec: a wrong gateway token fails', async () => {
      const r = await codex('say hello', { token: 'not-the-token' });
      assert.notEqual(r.code, 0);
      assert.match(r.stdout + r.stderr, /401 Unauthorized/);
      console.log(`codex with a wrong token gave up after ${r.ms} ms`);
    });

    test('claude -p: an answer arrives', async () => {
      const r = await claude(['-p', 'say hello']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /warden-mock final|chunk0 chunk1 chunk2/);
      console.log(`claude -p answered in ${r.ms} ms`);
    });

    test('claude -p: a tool call round-trips', async () => {
      const r = await claude(['-p', 'run echo warden-ok', '--allowedTools', 'Bash(echo:*)']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /warden-mock final: [\s\S]*warden-ok/);
      console.log(`claude tool loop in ${r.ms} ms`);
    });

    test('claude -p: a wrong gateway token fails fast', async () => {
      const r = await claude(['-p', 'say hello'], 'not-the-token');
      assert.notEqual(r.code, 0);
      assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
      console.log(`claude with a wrong token gave up after ${r.ms} ms`);
    });
  });
}
