import { describe, expect, it } from 'vitest';
import {
  boardInputsSeq,
  boardKeyName,
  importBenchmark,
  readBoardSnapshot,
  staleBoards,
  writeBoardSnapshot,
} from '../../src';
import { seedRankedBoard } from '../../src/testing';
import { fixtureManifest } from '../fixtures';
import { freshDatabase } from '../helpers';

const METHOD = 'test-method/1';

describe('board snapshots', () => {
  it('counts every change to a version’s board inputs, and survives the version’s deletion', async () => {
    const { db, pool } = await freshDatabase();
    const { benchmarkVersionId: id } = await importBenchmark(db, fixtureManifest({ pairs: 2 }));
    const { benchmarkVersionId: other } = await importBenchmark(
      db,
      fixtureManifest({ pairs: 2, version: '2' }),
    );
    const start = await boardInputsSeq(db, id);
    // Importing the pairs counted; so does the setting the board ranks on.
    expect(start).toBeGreaterThan(0);
    await pool.query(
      `UPDATE benchmark_versions SET ranked_setting = ranked_setting || '{"draws": 3}' WHERE id = $1`,
      [id],
    );
    expect(await boardInputsSeq(db, id)).toBe(start + 1);
    const otherBefore = await boardInputsSeq(db, other);
    await seedRankedBoard(pool, { benchmarkVersionId: id, count: 3 });
    // Seeding inserts done, public submissions and their summaries: each counts, on this version only.
    expect(await boardInputsSeq(db, id)).toBeGreaterThan(start + 1);
    expect(await boardInputsSeq(db, other)).toBe(otherBefore);
    // A snapshot dies with its version; nothing in the cascade fails on the counter.
    const key = {
      benchmarkVersionId: id,
      policy: 'lcl',
      scorer: 'official',
      selfReported: false,
    } as const;
    await writeBoardSnapshot(db, key, {
      inputsSeq: await boardInputsSeq(db, id),
      method: METHOD,
      buildMs: 1,
      rows: [],
    });
    await pool.query('DELETE FROM submissions WHERE benchmark_version_id = $1', [id]);
    await pool.query('DELETE FROM benchmark_versions WHERE id = $1', [id]);
    expect(await readBoardSnapshot(db, key, { method: METHOD })).toBeNull();
    expect(await boardInputsSeq(db, id)).toBe(0);
  });

  it('answers the facts alone to a reader who holds the generation still current', async () => {
    const { db, pool } = await freshDatabase();
    const { benchmarkVersionId: id } = await importBenchmark(db, fixtureManifest({ pairs: 2 }));
    await seedRankedBoard(pool, { benchmarkVersionId: id, count: 3 });
    const key = {
      benchmarkVersionId: id,
      policy: 'lcl',
      scorer: 'official',
      selfReported: false,
    } as const;
    const rows = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ submissionId: i + 1, model: `m${i}` }) as never);
    const seq = await boardInputsSeq(db, id);
    await writeBoardSnapshot(db, key, {
      inputsSeq: seq,
      method: METHOD,
      buildMs: 1,
      rows: rows(3),
    });
    const whole = await readBoardSnapshot(db, key, { method: METHOD });
    expect(whole?.rows).toHaveLength(3);
    const generation = whole?.facts.generation as number;
    const held = await readBoardSnapshot(db, key, { method: METHOD, known: generation });
    expect(held).toEqual({ facts: whole?.facts, rows: null });
    // A generation that is not the board's (an older one) gets the rows.
    expect(
      (await readBoardSnapshot(db, key, { method: METHOD, known: generation - 1 }))?.rows,
    ).toHaveLength(3);
    await writeBoardSnapshot(db, key, {
      inputsSeq: seq,
      method: METHOD,
      buildMs: 1,
      rows: rows(2),
    });
    const rebuilt = await readBoardSnapshot(db, key, { method: METHOD, known: generation });
    expect(rebuilt?.facts.generation).not.toBe(generation);
    expect(rebuilt?.rows).toHaveLength(2);
  });

  it('lists the boards due again, oldest first, and names a board the same way everywhere', async () => {
    const { db, pool } = await freshDatabase();
    const { benchmarkVersionId: id } = await importBenchmark(db, fixtureManifest({ pairs: 2 }));
    const lcl = {
      benchmarkVersionId: id,
      policy: 'lcl',
      scorer: 'official',
      selfReported: false,
    } as const;
    const icl = { ...lcl, policy: 'icl', selfReported: true } as const;
    const seq = await boardInputsSeq(db, id);
    await writeBoardSnapshot(db, lcl, { inputsSeq: seq, method: METHOD, buildMs: 1, rows: [] });
    await writeBoardSnapshot(db, icl, { inputsSeq: seq, method: METHOD, buildMs: 1, rows: [] });
    expect(await staleBoards(db, METHOD)).toEqual([]);
    expect(await staleBoards(db, 'another-method/1')).toEqual([lcl, icl]);
    await seedRankedBoard(pool, { benchmarkVersionId: id, count: 1 });
    expect(await staleBoards(db, METHOD)).toEqual([lcl, icl]);
    expect(boardKeyName(icl)).toBe(`${id}/icl/official/self-reported`);
  });
});
