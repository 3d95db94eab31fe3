import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildBoard,
  exposureCells,
  exposureCheck,
  exposureStratum,
  parseAdapterConfig,
  REFERENCE_SERVER,
} from '@linkboard/core';
import { generateSynth, writeDataset } from '@linkboard/datasets';
import { boardVersionOf, createSubmission, leaderboardCounts } from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { familiarFromPairs } from '../../src/adapters/builtin';
import { startReferenceServer } from '../../src/server/reference-server';
import { runRunner } from '../../src/worker/runner';
import { EXPOSURE_SETTING, EXPOSURE_SYNTH } from '../eval/exposure-setting';
import { freePort, testPlatform } from '../helpers';

/**
 * The exposure check end to end: submissions of the reference server's models, run by the runner
 * over HTTP in their seeded order, checked when their last job completes, and read back from the
 * database and the board. The server outlives the jobs, so stateful-prototype remembers across
 * them, as a cheating endpoint would.
 */
let platform: Awaited<ReturnType<typeof testPlatform>>;
let server: Awaited<ReturnType<typeof startReferenceServer>>;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'linkboard-exposure-'));
  const dir = path.join(dataDir, 'synth');
  await writeDataset(dir, await generateSynth(EXPOSURE_SYNTH));
  const port = await freePort();
  platform = await testPlatform({ LINKBOARD_REFERENCE_PORT: String(port) }, dir);
  server = await startReferenceServer({
    port,
    familiarOf: familiarFromPairs(platform.dataset.manifest.pairs),
  });
}, 600_000);
afterAll(async () => {
  await server?.close();
  await platform?.shutdown();
  await rm(dataDir, { recursive: true, force: true });
});

const query = async (text: string, params: unknown[]) =>
  (await platform.database.pool.query(text, params)).rows;

async function runReference(model: string) {
  const { submissionId } = await createSubmission(platform.database.db, {
    model: { name: `${model} (exposure test)` },
    benchmarkVersionId: platform.benchmarkVersionId,
    adapterConfig: parseAdapterConfig({ adapter: 'openai', internal: REFERENCE_SERVER, model }),
    ...EXPOSURE_SETTING,
    // Fixed so the test is repeatable; the in-process test (test/eval/exposure.test.ts) measures
    // the check's power over seeds, this one the path from runner to board.
    orderSeed: 1,
    shardSize: 400,
  });
  await runRunner(
    platform.database,
    platform.env,
    { concurrency: 4, gpus: 'none', once: true, log: () => {} },
    new AbortController().signal,
  );
  const [sub] = await query('SELECT status, exposure FROM submissions WHERE id = $1', [
    submissionId,
  ]);
  expect(sub.status).toBe('done');
  return { submissionId, exposure: sub.exposure };
}

describe('the exposure check of a finished submission', () => {
  it('flags stateful-prototype on the board and its record, and not prototype', async () => {
    const cheat = await runReference('stateful-prototype');
    const honest = await runReference('prototype');
    expect(cheat.exposure).toMatchObject({ flagged: true });
    expect(cheat.exposure.slope).toBeGreaterThan(0);
    expect(honest.exposure).toMatchObject({ flagged: false });
    console.log(
      `stateful-prototype: slope ${cheat.exposure.slope}, p ${cheat.exposure.pValue}; prototype: slope ${honest.exposure.slope}, p ${honest.exposure.pValue}`,
    );

    // What the database computed is core's statistic of the stored send times and verdicts.
    const rows = await query(
      `SELECT r.episode_id, c.pair_id, r.shots, r.policy, e.query_image, r.sent_at, v.outcome
       FROM results r JOIN concepts c ON c.id = r.concept_id JOIN episodes e ON e.id = r.episode_id
       JOIN verdicts v ON v.submission_id = r.submission_id AND v.episode_id = r.episode_id AND v.scorer = 'strict'
       WHERE r.submission_id = $1`,
      [cheat.submissionId],
    );
    expect(rows.every((r) => r.sent_at instanceof Date)).toBe(true);
    const recomputed = exposureCheck(
      exposureCells(
        rows.map((r) => ({
          episodeId: r.episode_id,
          cluster: String(r.pair_id),
          stratum: exposureStratum(
            { shots: r.shots, policy: r.policy, queryImageId: r.query_image },
            EXPOSURE_SETTING.draws,
          ),
          sentAt: (r.sent_at as Date).getTime(),
          correct: r.outcome === 'error' ? null : r.outcome === 'correct',
        })),
      ),
    );
    // Milliseconds here, microseconds in the database: ties may break apart differently.
    expect(recomputed.slope).toBeCloseTo(cheat.exposure.slope, 2);
    expect(recomputed.flagged).toBe(true);

    const setting = (await boardVersionOf(platform.database.db, platform.benchmarkVersionId))
      ?.rankedSetting;
    const board = buildBoard(
      await leaderboardCounts(platform.database.db, {
        benchmarkVersionId: platform.benchmarkVersionId,
        policy: 'lcl',
        scorer: 'strict',
      }),
      setting!,
    );
    const cheatRow = board.find((r) => r.submissionId === cheat.submissionId);
    const honestRow = board.find((r) => r.submissionId === honest.submissionId);
    expect(cheatRow).toMatchObject({
      ranked: false,
      unrankedReason: 'planted cheat: remembers support images across episodes',
      exposureFlagged: true,
    });
    expect(honestRow?.exposureFlagged).toBe(false);
  }, 600_000);
});
