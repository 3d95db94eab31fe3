// Tests of `npm run check:deps` (dependency-cruiser with the root .dependency-cruiser.cjs): planted
// violations fail, naming the rule and the files, and a clean tree passes. Each runs on a small
// monorepo built in the temporary folder, with the repository's layout and its config copied in;
// the last cruises this repository itself, reading only.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const DEPCRUISE = path.join(ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = '.dependency-cruiser.cjs';
// The very arguments of the root script, so the planted trees are cruised as the repository is.
const [COMMAND, ...ARGS] = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
  .scripts['check:deps'].trim()
  .split(/\s+/);
// Built at run time, so this file does not itself name a path outside the repository.
const up = (n) => '../'.repeat(n);

/** Runs the check in `cwd`; resolves to its exit status and its output. */
function checkDeps(cwd) {
  return new Promise((resolve) => {
    execFile(DEPCRUISE, ARGS, { cwd, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ status: error ? error.code : 0, output: `${stdout}${stderr}` });
    });
  });
}

const WORKSPACES = {
  core: 'packages/core',
  datasets: 'packages/datasets',
  db: 'packages/db',
  platform: 'packages/platform',
  runner: 'apps/runner',
  web: 'apps/web',
  e2e: 'e2e',
};

/** A tree that keeps the order: each workspace imports what it may, by bare name and subpath. */
const CLEAN = {
  'tsconfig.base.json':
    '{ "compilerOptions": { "module": "ESNext", "moduleResolution": "Bundler" } }\n',
  'apps/web/tsconfig.json': JSON.stringify({
    extends: `${up(2)}tsconfig.base.json`,
    compilerOptions: { paths: { '~/*': ['./src/*'] } },
    include: ['src'],
  }),
  'corpus/attacks/names.json': '[]\n',
  'packages/core/src/index.ts':
    "export { one } from './one';\nexport type { A } from './types-a';\n",
  'packages/core/src/one.ts': 'export const one = 1;\n',
  // A cycle through type-only imports is erased at compile time, so it is allowed.
  'packages/core/src/types-a.ts':
    "import type { B } from './types-b';\nexport interface A { b?: B }\n",
  'packages/core/src/types-b.ts':
    "import type { A } from './types-a';\nexport interface B { a?: A }\n",
  'packages/core/test/corpus.test.ts': `import names from '${up(3)}corpus/attacks/names.json';\nexport const n = names;\n`,
  'packages/datasets/src/index.ts':
    "import { one } from '@linkboard/core';\nexport const datasets = one;\n",
  'packages/datasets/src/ranked-run.ts': "export const rankedRun = 'ranked';\n",
  'packages/db/src/index.ts':
    "import type { A } from '@linkboard/core';\nexport const db = (a: A) => a;\n",
  'packages/platform/src/index.ts': [
    "import { one } from '@linkboard/core';",
    "import { rankedRun } from '@linkboard/datasets/ranked-run';",
    "import { db } from '@linkboard/db';",
    'export const platform = [one, rankedRun, db];',
    '',
  ].join('\n'),
  'apps/runner/src/index.ts': [
    "import { one } from '@linkboard/core';",
    "import { platform } from '@linkboard/platform';",
    "import { db } from '@linkboard/db';",
    'export const runner = [one, platform, db];',
    '',
  ].join('\n'),
  'apps/web/src/page.tsx': [
    "import { datasets } from '@linkboard/datasets';",
    "import { platform } from '@linkboard/platform';",
    "import { format } from '~/lib/format';",
    'export const page = [datasets, platform, format];',
    '',
  ].join('\n'),
  'apps/web/src/lib/format.ts':
    "import { one } from '@linkboard/core';\nexport const format = one;\n",
  'e2e/tests/site.spec.ts': [
    "import { runner } from '@linkboard/runner';",
    `import { format } from '${up(2)}apps/web/src/lib/format';`,
    'export const spec = [runner, format];',
    '',
  ].join('\n'),
};

const EXPORTS = {
  core: { '.': './src/index.ts' },
  datasets: { '.': './src/index.ts', './ranked-run': './src/ranked-run.ts' },
  db: { '.': './src/index.ts' },
  platform: { '.': './src/index.ts' },
  runner: { '.': './src/index.ts' },
};

/**
 * Builds the tree (`files` over the clean one) in a fresh temporary folder, with the repository's
 * config and a package.json and node_modules/@linkboard link per workspace, as npm's workspaces
 * make them; runs the check there and removes the folder.
 */
async function checkTree(files) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'linkboard-check-deps-'));
  try {
    for (const [name, folder] of Object.entries(WORKSPACES)) {
      mkdirSync(path.join(dir, folder), { recursive: true });
      const manifest = { name: `@linkboard/${name}`, private: true, type: 'module' };
      if (EXPORTS[name]) manifest.exports = EXPORTS[name];
      writeFileSync(path.join(dir, folder, 'package.json'), `${JSON.stringify(manifest)}\n`);
      mkdirSync(path.join(dir, 'node_modules', '@linkboard'), { recursive: true });
      symlinkSync(
        path.join(up(2), folder),
        path.join(dir, 'node_modules', '@linkboard', name),
        'dir',
      );
    }
    for (const [file, text] of Object.entries({ ...CLEAN, ...files })) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    copyFileSync(path.join(ROOT, CONFIG), path.join(dir, CONFIG));
    return await checkDeps(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The violation lines of the output, each joined onto one line. */
const violations = (output) =>
  output
    .replace(/ →\s*\n\s+/g, ' → ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('error '));

// A few at a time: each run is a Node process of a second or so.
describe('npm run check:deps', { concurrency: os.availableParallelism() }, () => {
  test('is dependency-cruiser with the root config', () => {
    assert.equal(COMMAND, 'depcruise');
    assert.ok(ARGS.includes(CONFIG), ARGS.join(' '));
  });

  test('passes on a tree that keeps the order (type-only cycles, ~/ and subpaths included)', async () => {
    const { status, output } = await checkTree({});
    assert.equal(status, 0, output);
    assert.match(output, /no dependency violations found/);
  });

  test('fails when core imports another workspace, by bare name or by relative path', async () => {
    const { status, output } = await checkTree({
      'packages/core/src/one.ts': "import '@linkboard/web';\nexport const one = 1;\n",
      'packages/core/src/two.ts': `import '${up(2)}db/src/index';\nexport const two = 2;\n`,
    });
    assert.notEqual(status, 0, output);
    assert.deepEqual(violations(output).sort(), [
      'error core-imports-nothing-of-the-repo: packages/core/src/one.ts → @linkboard/web',
      'error core-imports-nothing-of-the-repo: packages/core/src/two.ts → packages/db/src/index.ts',
    ]);
  });

  test('fails on an import cycle, naming each module of it', async () => {
    const { status, output } = await checkTree({
      'packages/datasets/src/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
      'packages/datasets/src/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
    });
    assert.notEqual(status, 0, output);
    const [found, ...more] = violations(output);
    assert.deepEqual(more, [], output);
    const a = 'packages/datasets/src/a.ts';
    const b = 'packages/datasets/src/b.ts';
    assert.ok(
      [`${a} → ${b} → ${a}`, `${b} → ${a} → ${b}`].includes(
        found.replace('error no-circular: ', ''),
      ),
      output,
    );
  });

  test('fails when db imports platform, resolved or not', async () => {
    const { status, output } = await checkTree({
      'packages/db/src/bare.ts':
        "import { platform } from '@linkboard/platform';\nexport const p = platform;\n",
      'packages/db/src/subpath.ts': "import '@linkboard/platform/settings';\n",
      'packages/db/src/relative.ts': `import '${up(2)}platform/src/index';\n`,
    });
    assert.notEqual(status, 0, output);
    assert.deepEqual(violations(output).sort(), [
      'error db-imports-only-core: packages/db/src/bare.ts → packages/platform/src/index.ts',
      'error db-imports-only-core: packages/db/src/relative.ts → packages/platform/src/index.ts',
      'error db-imports-only-core: packages/db/src/subpath.ts → @linkboard/platform/settings',
    ]);
  });

  test('fails when web imports runner', async () => {
    const { status, output } = await checkTree({
      'apps/web/src/lib/run.ts':
        "import { runner } from '@linkboard/runner';\nexport const r = runner;\n",
    });
    assert.notEqual(status, 0, output);
    assert.deepEqual(violations(output), [
      'error web-does-not-import-runner: apps/web/src/lib/run.ts → apps/runner/src/index.ts',
    ]);
  });

  test('fails when a package imports an app, or anything but e2e imports e2e', async () => {
    const { status, output } = await checkTree({
      'packages/platform/src/app.ts': "import '@linkboard/runner';\n",
      'apps/runner/src/spec.ts': `import '${up(3)}e2e/tests/site.spec';\n`,
    });
    assert.notEqual(status, 0, output);
    assert.deepEqual(violations(output).sort(), [
      'error nothing-imports-e2e: apps/runner/src/spec.ts → e2e/tests/site.spec.ts',
      'error platform-imports-only-core-datasets-db: packages/platform/src/app.ts → apps/runner/src/index.ts',
    ]);
  });

  test('passes on this repository (reading it only)', async () => {
    const { status, output } = await checkDeps(ROOT);
    assert.equal(status, 0, output);
    assert.match(output, /no dependency violations found/);
  });
});
