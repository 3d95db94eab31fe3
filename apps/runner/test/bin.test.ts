import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/linkboard.js', import.meta.url));

describe('bin/linkboard.js', () => {
  it('runs the TypeScript CLI as a real process, reading stdin and setting the exit code', () => {
    const ok = spawnSync(process.execPath, [BIN, 'score'], {
      input: '{"prediction":"a snowman","label":"snow","other":"ice"}\n',
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({
      correct: true,
      outcome: 'correct',
      rule: 'substring-label',
    });

    const bad = spawnSync(process.execPath, [BIN, 'score'], { input: 'nope\n', encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^linkboard: stdin:1: malformed JSON/);
  });
});
