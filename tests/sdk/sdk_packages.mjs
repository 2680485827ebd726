// The guard every SDK test file starts with: when the pinned `openai` / `@anthropic-ai/sdk`
// packages are missing from tests/sdk/node_modules, the file fails with one test that says how
// to install them (never a silent skip); otherwise it runs `defineTests`.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REQUIRED = ['openai', '@anthropic-ai/sdk'];

export async function withSdkPackages(defineTests) {
  const missing = REQUIRED.filter((p) => !fs.existsSync(path.join(here, 'node_modules', ...p.split('/'), 'package.json')));
  if (missing.length > 0) {
    test('SDK packages are installed', () => {
      assert.fail(`missing npm packages in ${path.join(here, 'node_modules')}: ${missing.join(', ')}; ` +
        'run `npm ci --prefix tests/sdk` (from the source root) first');
    });
    return;
  }
  await defineTests();
}
