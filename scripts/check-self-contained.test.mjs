// Tests of the self-containment check (node:test: the check is plain Node, run before any build).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { outsideReferences } from './check-self-contained.mjs';

const SCRIPT = fileURLToPath(new URL('./check-self-contained.mjs', import.meta.url));
const ROOT = path.dirname(path.dirname(SCRIPT));
// Built at run time, so this file does not itself name a path outside the repository.
const up = (n) => '../'.repeat(n);
const UP = "'..'";
const FIXTURES = ['shared', 'fixtures'].join('/');
const SIBLING = ['', 'elsewhere', 'shared'].join('/');

test('finds every spelling of a climb above the root, and names the file and line', () => {
  const cases = [
    ['apps/runner/test/helpers.ts', `new URL('${up(4)}${FIXTURES}', import.meta.url)`, 1],
    ['README.md', `npx linkboard dataset import ${up(1)}${FIXTURES}/x.json`, 1],
    ['samples/NOTICE.md', `the copy in \`${up(1)}${FIXTURES}\``, 1],
    ['scripts/x.mjs', `path.join(import.meta.dirname, ${UP}, ${UP}, 'shared')`, 1],
    ['build.sh', `cp ${up(1)}shared/x .`, 1],
    ['a/b.ts', `const where = "${SIBLING}/fixtures";`, 1],
    // Inside the repository however deep the climb, and prose that merely mentions `..`.
    ['e2e/tests/platform.spec.ts', `path.join(import.meta.dirname, ${UP}, 'screenshots')`, 0],
    ['packages/db/src/x.ts', `import { y } from '${up(2)}core/src/y';`, 0],
    ['docs/guide.md', `see [the README](${up(1)}README.md)`, 0],
    ['README.md', 'a path that escapes the folder (`..`, absolute, a symlink)', 0],
    ['a/b.ts', 'const range = "1...3"; const spread = [...xs];', 0],
  ];
  for (const [file, text, expected] of cases) {
    const found = outsideReferences(file, `first line\n${text}\n`, [SIBLING]);
    assert.equal(found.length, expected, `${file}: ${text} → ${JSON.stringify(found)}`);
    for (const f of found) {
      assert.equal(f.file, file);
      assert.equal(f.line, 2);
    }
  }
});

test('the command fails on a planted reference, naming it, and passes on this repository', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'linkboard-self-contained-'));
  try {
    const repo = path.join(dir, 'repo');
    mkdirSync(path.join(repo, 'apps', 'runner', 'test'), { recursive: true });
    writeFileSync(path.join(repo, 'README.md'), '# fine\n');
    writeFileSync(
      path.join(repo, 'apps', 'runner', 'test', 'helpers.ts'),
      `export const SAMPLE = new URL('${up(4)}${FIXTURES}', import.meta.url);\n`,
    );
    execFileSync('git', ['init', '-q'], { cwd: repo });
    execFileSync('git', ['add', '.'], { cwd: repo });
    const planted = spawnSync(process.execPath, [SCRIPT, repo], { encoding: 'utf8' });
    assert.equal(planted.status, 1);
    assert.match(
      planted.stderr,
      /^apps\/runner\/test\/helpers\.ts:1: "(\.\.\/){4}shared\/fixtures" climbs 4 level\(s\) from apps\/runner\/test\/, above the repository root$/m,
    );

    const clean = spawnSync(process.execPath, [SCRIPT, ROOT], { encoding: 'utf8' });
    assert.equal(clean.stderr, '');
    assert.equal(clean.status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
