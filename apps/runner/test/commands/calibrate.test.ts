import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { commitmentHolds, RANKED_BOARD, rankedKeyId } from '@linkboard/core';
import { drawRanked, generateSynth, writeDataset } from '@linkboard/datasets';
import { describe, expect, it } from 'vitest';
import { BUILTIN_MODELS } from '../../src/baselines';
import type { Calibration, RankedCalibration } from '../../src/commands/calibrate';
import { run, smallSynth, tempDir } from '../helpers';

const rowOf = (c: Calibration, name: string, shots: number) =>
  c.baselines.find((b) => b.name === name)?.per_shot.find((r) => r.shots === shots);

describe('linkboard calibrate', () => {
  it('--json prints one document: the benchmark, and every baseline per shot with its interval', async () => {
    const { code, stdout } = await run([
      'calibrate',
      '--benchmark',
      'ISEKAI-sample@1',
      '--draws',
      '3',
      '--json',
    ]);
    expect(code).toBe(0);
    const c = JSON.parse(stdout) as Calibration;
    expect(c).toMatchObject({
      benchmark: 'ISEKAI-sample@1',
      policy: 'lcl',
      scorer: 'strict',
      draws: 3,
      // The sample has one support image per class: its ranked setting is 2 shots only.
      shots: [2],
      interval: 'wilson-95',
    });
    expect(c.manifest_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(c.baselines.map((b) => b.name)).toEqual([...BUILTIN_MODELS]);
    for (const b of c.baselines) {
      expect(b.per_shot.map((r) => r.shots)).toEqual([2]);
      // Three queries, three draws.
      expect(b.per_shot[0]).toMatchObject({ n: 9 });
    }
    const random = rowOf(c, 'random', 2)!;
    expect(random.accuracy).toBeCloseTo(random.correct / random.n, 12);
    expect(random.ci_low!).toBeLessThanOrEqual(random.accuracy!);
    expect(random.ci_high!).toBeGreaterThanOrEqual(random.accuracy!);
    expect(random.ci_high! - random.ci_low!).toBeGreaterThan(0);
  });

  it('keeps the Markdown table by default, and takes --manifest', async () => {
    const { code, stdout } = await run([
      'calibrate',
      '--manifest',
      await smallSynth(),
      '--shots',
      '2,4',
      '--draws',
      '1',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^Benchmark isekai-synth@\S+ \([0-9a-f]{12}\), policy lcl, scorer strict/,
    );
    expect(stdout).toContain('| baseline | shots | n | accuracy [95% CI] |');
    for (const name of BUILTIN_MODELS)
      for (const shots of [2, 4])
        expect(stdout).toMatch(new RegExp(`^\\| ${name} \\| ${shots} \\| 8 \\|`, 'm'));
  });

  it('on flip, prototype follows the flipped labels: well above chance against the swapped ones', async () => {
    const synth = await smallSynth();
    const calibrate = async (policy: string) => {
      const args = ['--shots', '2,4,8,16', '--draws', '2', '--json'];
      const { code, stdout } = await run([
        'calibrate',
        '--manifest',
        synth,
        '--policy',
        policy,
        ...args,
      ]);
      expect(code).toBe(0);
      return JSON.parse(stdout) as Calibration;
    };
    const [flip, lcl] = [await calibrate('flip'), await calibrate('lcl')];
    expect(flip.policy).toBe('flip');
    const prototype = flip.baselines.find((b) => b.name === 'prototype')!.per_shot;
    const pooled =
      prototype.reduce((s, r) => s + r.correct, 0) / prototype.reduce((s, r) => s + r.n, 0);
    // Measured: 48 of 64 (75%) on this two-pair synth; chance is 50%.
    expect(pooled).toBeGreaterThanOrEqual(0.7);
    // The same images with the classes renamed: it learns the names it is shown, so it is right
    // on exactly as many flip episodes as lcl ones.
    for (const r of prototype) expect(r.correct).toBe(rowOf(lcl, 'prototype', r.shots)!.correct);
    // Naming the concept it already knows is now wrong for the familiar queries.
    for (const r of flip.baselines.find((b) => b.name === 'always-familiar')!.per_shot)
      expect(r.familiar_accuracy).toBe(0);
  });

  it.each([
    ['isekai-synth@3', 'isekai-synth-v3', { version: 3 as const }, '3.1'],
    ['isekai-synth@3.1', 'isekai-synth-v3', { version: 3 as const }, '3.1'],
    ['isekai-synth@2', 'isekai-synth', {}, '2.1'],
    ['isekai-synth@2.1', 'isekai-synth', {}, '2.1'],
    ['isekai-synth', 'isekai-synth-v3', { version: 3 as const }, '3.1'],
  ])('resolves --benchmark %s to the %s folder', async (benchmark, folder, options, version) => {
    // A small set where the full one would be generated: the folder is loaded as it is, and only
    // its name and version are checked, so this tests the resolution without a minute of drawing.
    const dataDir = await tempDir();
    await writeDataset(
      path.join(dataDir, 'benchmarks', folder),
      await generateSynth({ ...options, pairs: 1, perConcept: 3, queriesPerConcept: 1 }),
    );
    const { code, stdout, stderr } = await run(
      ['calibrate', '--benchmark', benchmark, '--shots', '2', '--draws', '1', '--json'],
      { dataDir },
    );
    expect(stderr).not.toMatch(/generating/);
    expect(code).toBe(0);
    // Named as everywhere else, `name@version`.
    expect(JSON.parse(stdout)).toMatchObject({ benchmark: `isekai-synth@${version}` });
  });

  it.each([
    [
      'isekai-synth@3.2',
      /isekai-synth has no version "3\.2" here; the benchmarks here are: isekai-synth@3\.1 .*isekai-synth@2\.1/,
    ],
    [
      'nope',
      /unknown benchmark "nope"; the benchmarks here are: isekai-synth@\S+ .*ISEKAI-sample@1/,
    ],
    [
      'isekai-synth@0.0',
      /isekai-synth has no version "0\.0" here; the benchmarks here are: isekai-synth@/,
    ],
  ])('refuses --benchmark %s, listing the benchmarks there are', async (benchmark, message) => {
    const { code, stdout, stderr } = await run(['calibrate', '--benchmark', benchmark, '--json']);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });
});

describe('linkboard calibrate --ranked', () => {
  it('runs the baselines on a fresh keyed draw, revealing its seed, never its key', async () => {
    const dataDir = await tempDir();
    const runs = await Promise.all(
      [1, 2].map(() =>
        run(['calibrate', '--ranked', '--shots', '2,4', '--per-policy', '4', '--json'], {
          dataDir,
        }),
      ),
    );
    const key = (await readFile(path.join(dataDir, 'secrets', 'ranked.key'), 'utf8')).trim();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(path.join(dataDir, 'secrets', 'ranked.key'))).mode & 0o777).toBe(0o600);
    const [a, b] = runs.map((r) => {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).not.toContain(key);
      return JSON.parse(r.stdout) as RankedCalibration;
    }) as [RankedCalibration, RankedCalibration];
    expect(a.draw).toMatchObject({
      name: `${RANKED_BOARD}+${a.draw.commitment.slice(0, 16)}`,
      key_id: rankedKeyId(key),
      shots: [2, 4],
      per_policy: 4,
      episodes: 16,
    });
    // Fresh per run, and the revealed seed is the one committed to; it regenerates the draw.
    expect(a.draw.seed).not.toBe(b.draw.seed);
    expect(commitmentHolds(a.draw.seed, a.draw.commitment)).toBe(true);
    const again = drawRanked({ seed: a.draw.seed, shots: [2, 4], perPolicy: 4 });
    expect(again.commitment).toBe(a.draw.commitment);
    expect(a.models.map((m) => [m.name, m.role])).toEqual([
      ['random', 'baseline'],
      ['always-familiar', 'baseline'],
      ['prototype', 'baseline'],
      ['stateful-prototype (cold)', 'reference'],
      ['stateful-prototype (warm)', 'reference'],
    ]);
    // always-familiar ignores the demonstrations: exactly 50% on lcl plus flip, on any draw.
    const familiar = a.models.find((m) => m.name === 'always-familiar');
    expect((familiar?.lcl_accuracy ?? 0) + (familiar?.flip_accuracy ?? 0)).toBeCloseTo(1, 10);
    expect(familiar?.score).toBeCloseTo(0.5, 10);
    for (const m of a.models) {
      expect(m.per_shot.map((p) => p.shots)).toEqual([2, 4]);
      expect(m.score_low).toBeLessThanOrEqual(m.score as number);
      expect(m.score_high).toBeGreaterThanOrEqual(m.score as number);
    }
  }, 120_000);

  it('refuses what does not apply to a ranked draw, and a key file that is not a key', async () => {
    const refused = await run(['calibrate', '--ranked', '--benchmark', 'isekai-synth']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /--ranked draws its own episodes \(lcl and flip\); it takes no --benchmark/,
    );
    expect((await run(['calibrate', '--per-policy', '3'])).stderr).toMatch(
      /--per-policy goes with --ranked/,
    );
    const dataDir = await tempDir();
    await mkdir(path.join(dataDir, 'secrets'), { recursive: true });
    await writeFile(path.join(dataDir, 'secrets', 'ranked.key'), '1234\n', { mode: 0o644 });
    const bad = await run(['calibrate', '--ranked', '--per-policy', '1'], { dataDir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /ranked\.key does not hold a ranked-draw key \(64 lower-case hex characters\)/,
    );
    expect(bad.stderr).not.toContain('1234');
  });
});
