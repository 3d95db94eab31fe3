import { describe, expect, it } from 'vitest';
import {
  compareOnSharedEpisodes,
  holmAdjust,
  type PairedAnswer,
  paletteSlot,
  SERIES_PALETTE,
  seriesStyles,
} from '../../src/index';

const colours = (ids: number[]) => new Map([...seriesStyles(ids)].map(([id, s]) => [id, s.colour]));

describe('seriesStyles', () => {
  it('gives nothing to nobody, and one model its own preferred colour', () => {
    expect(seriesStyles([]).size).toBe(0);
    expect(seriesStyles([42]).get(42)?.colour).toBe(SERIES_PALETTE[paletteSlot(42)]);
  });

  it('gives each model the same colour whatever the order of the list', () => {
    expect(colours([5, 17, 3, 99])).toEqual(colours([99, 3, 17, 5]));
  });

  it('keeps every colour when a model with a higher id joins, and when a non-colliding one does', () => {
    for (let start = 1; start < 200; start += 7) {
      const ids = [start, start + 3, start + 11, start + 20, start + 31];
      const before = colours(ids);
      const after = colours([...ids, start + 1000]);
      for (const id of ids) expect(after.get(id), `id ${id}`).toBe(before.get(id));
    }
    // A lower id whose slot no one holds changes nobody's colour either.
    const ids = [100, 200, 300];
    const held = new Set(ids.map((id) => colours(ids).get(id)));
    const newcomer = [...Array(99).keys()]
      .map((i) => i + 1)
      .find((id) => !held.has(SERIES_PALETTE[paletteSlot(id)]));
    expect(newcomer).toBeDefined();
    const after = colours([newcomer as number, ...ids]);
    for (const id of ids) expect(after.get(id)).toBe(colours(ids).get(id));
  });

  it('gives distinct colours and distinct dash patterns to six models, even when their ids collide', () => {
    // Ids that all want slot 0: the collisions are settled in order of id.
    const colliding: number[] = [];
    for (let id = 1; colliding.length < 6; id++) if (paletteSlot(id) === 0) colliding.push(id);
    const styles = seriesStyles(colliding);
    expect(new Set([...styles.values()].map((s) => s.colour)).size).toBe(6);
    expect(new Set([...styles.values()].map((s) => s.dash)).size).toBe(6);
    expect(new Set([...styles.values()].map((s) => s.marker)).size).toBe(6);
    expect(styles.get(colliding[0] as number)?.colour).toBe(SERIES_PALETTE[0]);
    expect(styles.get(colliding[1] as number)?.colour).toBe(SERIES_PALETTE[1]);
  });

  it('spreads ids over the whole palette', () => {
    const slots = new Set([...Array(50).keys()].map((i) => paletteSlot(i + 1)));
    expect(slots.size).toBe(SERIES_PALETTE.length);
  });
});

describe('holmAdjust', () => {
  it('adjusts nothing when there is nothing, and leaves a single test as it is', () => {
    expect(holmAdjust([])).toEqual([]);
    expect(holmAdjust([0.03])).toEqual([0.03]);
    expect(holmAdjust([null])).toEqual([null]);
  });

  it('multiplies the smallest p by the number of tests, the next by one fewer, and keeps the order monotone', () => {
    const adjusted = holmAdjust([0.04, 0.01, 0.03]);
    // Sorted: 0.01×3 = 0.03, 0.03×2 = 0.06, 0.04×1 = 0.04 → raised to 0.06 (step-down).
    expect(adjusted[1]).toBeCloseTo(0.03, 12);
    expect(adjusted[2]).toBeCloseTo(0.06, 12);
    expect(adjusted[0]).toBeCloseTo(0.06, 12);
  });

  it('caps at 1 and does not count untestable pairs as tests', () => {
    const adjusted = holmAdjust([0.5, null, 0.2]);
    expect(adjusted[1]).toBeNull();
    expect(adjusted[2]).toBeCloseTo(0.4, 12);
    expect(adjusted[0]).toBeCloseTo(0.5, 12);
    expect(holmAdjust([0.9, 0.8])).toEqual([1, 1]);
  });
});

describe('compareOnSharedEpisodes pooled over shots', () => {
  it('compares per policy on every shot count together', () => {
    const answers: PairedAnswer[] = [];
    for (let pair = 1; pair <= 6; pair++)
      for (const shots of [2, 4])
        answers.push({
          episodeId: `e${pair}-${shots}`,
          shots,
          policy: 'lcl',
          conceptId: pair,
          pairId: pair,
          concept: `c${pair}`,
          aCorrect: true,
          bCorrect: pair % 2 === 0,
        });
    const { pooled, perShot } = compareOnSharedEpisodes(answers, 'seed');
    expect(perShot).toHaveLength(2);
    expect(pooled).toHaveLength(1);
    expect(pooled[0]).toMatchObject({ policy: 'lcl', n: 12, accuracyA: 1, accuracyB: 0.5 });
    expect(pooled[0]?.difference.clusters).toBe(6);
    expect(pooled[0]?.difference.estimate).toBeCloseTo(0.5, 12);
  });
});
