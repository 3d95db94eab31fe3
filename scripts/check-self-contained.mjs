#!/usr/bin/env node
// Fails when a tracked file refers to a path above the repository root: a fresh clone has nothing
// beside it, so such a reference works on one machine and breaks on the next. Run by `npm test`.
// Plain Node with no dependencies, so it runs before anything is built.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// A run of parent segments (two dots and a slash or backslash, repeated) in a path literal; a
// spread or an ellipsis is not one.
const PARENT_RUN = /(?<![\w.])(?:\.\.[\\/])+/g;
// Parent segments spelled as separate quoted arguments of a path.join or path.resolve (not in
// backticks: that is Markdown's code span as often as a template string).
const PARENT_ARGS = /(['"])\.\.\1(?:\s*,\s*(['"])\.\.\2)*/g;

/**
 * The references in `text` (the content of `file`, relative to the root) that climb above the
 * root. Parent segments count from the file's own folder, where relative imports and
 * `new URL(…, import.meta.url)` start; files at the root (README commands, root scripts) have
 * depth 0, so any climb there is out. Markdown prose names paths from the root, as its commands
 * run there, so only its links (`](…)`) count from the file's folder. `siblings` are absolute
 * paths of what lies beside the checkout on this machine: naming one is out too.
 */
export function outsideReferences(file, text, siblings = []) {
  const folder = path.posix.dirname(file);
  const depth = folder === '.' ? 0 : folder.split('/').length;
  const markdown = file.endsWith('.md');
  const found = [];
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    const report = (what, why) => found.push({ file, line: i + 1, what, why });
    for (const match of line.matchAll(PARENT_RUN)) {
      const levels = match[0].length / 3;
      const from = markdown && !line.slice(0, match.index).endsWith('](') ? 0 : depth;
      if (levels > from) {
        const rest = line.slice(match.index).match(/^[^\s'"`)\]]*/)[0];
        report(
          rest,
          `climbs ${levels} level(s) from ${from === 0 ? 'the root' : `${folder}/`}, above the repository root`,
        );
      }
    }
    for (const match of line.matchAll(PARENT_ARGS)) {
      const levels = (match[0].match(/\.\./g) ?? []).length;
      if (levels > depth)
        report(
          match[0],
          `joins ${levels} parent segment(s) from ${folder}/, above the repository root`,
        );
    }
    for (const sibling of siblings)
      if (line.includes(sibling))
        report(sibling, 'names a path beside this checkout on this machine');
  }
  return found;
}

/** The tracked files of the repository at `root`, with their text (binary files left out). */
export function trackedTexts(root) {
  const names = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  const texts = [];
  for (const name of names) {
    let bytes;
    try {
      bytes = readFileSync(path.join(root, name));
    } catch {
      continue; // deleted in the working tree, not yet committed
    }
    if (bytes.includes(0)) continue;
    texts.push({ file: name, text: bytes.toString('utf8') });
  }
  return texts;
}

/**
 * What lies beside the checkout, as absolute paths, unless the checkout sits
 * directly in the filesystem root or the temporary folder, where neighbours are unrelated.
 */
function siblingsOf(root) {
  const parent = path.dirname(root);
  if (parent === path.parse(parent).root || parent === os.tmpdir()) return [];
  return readdirSync(parent)
    .filter((name) => name !== path.basename(root))
    .map((name) => path.join(parent, name));
}

export function checkRepository(root) {
  const resolved = path.resolve(root);
  const siblings = siblingsOf(resolved);
  return trackedTexts(resolved)
    .filter(({ file }) => file !== 'package-lock.json') // npm's own, written by npm
    .flatMap(({ file, text }) => outsideReferences(file, text, siblings));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(
    process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'),
  );
  const found = checkRepository(root);
  for (const f of found) process.stderr.write(`${f.file}:${f.line}: "${f.what}" ${f.why}\n`);
  if (found.length > 0) {
    process.stderr.write(
      `${found.length} reference(s) outside the repository: a fresh clone has nothing beside it; ship what is needed inside\n`,
    );
    process.exit(1);
  }
  process.stdout.write('self-contained: no tracked file refers above the repository root\n');
}
