import { cp } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, smallSynth, tempDir } from '../helpers';

describe('linkboard start', () => {
  it('reuses the default benchmark in the data folder and prints the baselines’ leaderboard', async () => {
    const dataDir = await tempDir();
    // A small isekai-synth stands in for the full default set, which takes half a minute to draw.
    await cp(await smallSynth(), path.join(dataDir, 'benchmarks', 'isekai-synth'), {
      recursive: true,
    });
    const first = await run(['start'], { dataDir });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('importing the ISEKAI sample');
    expect(first.stdout).toMatch(
      /benchmark isekai-synth@2\.1 \([0-9a-f]{12}\): 2 pairs, 8 queries; policy lcl, scorer official/,
    );
    const rows = first.stdout.split('\n').filter((l) => /builtin:/.test(l) && !l.includes('eval'));
    expect(rows.map((r) => r.split(/\s+/)[1]).sort()).toEqual([
      'builtin:always-familiar',
      'builtin:prototype',
      'builtin:random',
    ]);
    expect(first.stdout).toMatch(/builtin:always-familiar\s+50\.0% \[.*\s0\.0%$/m);
    const second = await run(['start'], { dataDir });
    expect(second.stdout).not.toContain('importing');
    expect(second.stdout).toBe(first.stdout.split('\n').slice(1).join('\n'));
  });
});
