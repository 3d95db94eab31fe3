import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  ApiErrorSchema,
  type CreateSubmissionBody,
  describeEstimate,
  SITE_API,
  SubmissionEstimateSchema,
} from '@linkboard/core';
import { generateSynth, writeDataset } from '@linkboard/datasets';
import { importBenchmark } from '@linkboard/db';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alice, openTestSite } from '../site';

/**
 * The platform's one door: the site's form (tRPC), `POST /api/v1/submissions` and `linkboard
 * submit` straight to the database (on an account's behalf, `--owner`) all go through
 * `@linkboard/platform`'s `submit()`, so each is held to the same quota and the same episode cap,
 * and refused with the same words. The CLI runs as a person runs it: its own process, from its
 * bin, on the same database.
 */

const QUOTA = 2;
const CAP = 40;
const SETTINGS = {
  LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '1',
  LINKBOARD_DAILY_QUOTA: String(QUOTA),
  LINKBOARD_MAX_EPISODES: String(CAP),
};
const CLI = path.resolve(import.meta.dirname, '../../../runner/bin/linkboard.js');

let site: Awaited<ReturnType<typeof openTestSite>>;
let submissionsRoute: typeof import('../../src/app/api/v1/submissions/route');
let estimateRoute: typeof import('../../src/app/api/v1/submissions/estimate/route');
let token: string;
let datasetDir: string;
/** The generated benchmark by its one name, `name@version`, as the site's doors take it. */
let benchmark: string;

beforeAll(async () => {
  site = await openTestSite('one-door', SETTINGS);
  submissionsRoute = await import('../../src/app/api/v1/submissions/route');
  estimateRoute = await import('../../src/app/api/v1/submissions/estimate/route');
  ({ token } = await site.caller(alice).tokens.create({ name: 'script' }));
  // A benchmark folder the CLI can publish, already on the site under the same manifest hash:
  // 2 pairs × 2 concepts × 2 queries = 8 queries.
  const dataset = await generateSynth({ pairs: 2, perConcept: 6, queriesPerConcept: 2 });
  datasetDir = path.join(await mkdtemp(path.join(tmpdir(), 'linkboard-one-door-')), 'synth');
  await writeDataset(datasetDir, dataset);
  await importBenchmark(site.database.db, dataset.manifest);
  benchmark = `${dataset.manifest.benchmark.name}@${dataset.manifest.benchmark.version}`;
}, 120_000);
afterAll(() => site.database.drop());

/** What each path asks for: the same endpoint submission, by the site's fields and by flags. */
interface Ask {
  shots: number[];
  policies: ('lcl' | 'icl')[];
  draws: number;
}

const body = (ask: Ask, name: string): CreateSubmissionBody => ({
  benchmark,
  name,
  kind: 'endpoint',
  endpoint: 'http://127.0.0.1:9/v1',
  model: 'm',
  private: true,
  ...ask,
});

/** The site's form: the tRPC procedure, its refusal's message (or null when it queued). */
async function viaSite(ask: Ask, name: string) {
  try {
    await site.caller(alice).submissions.create(body(ask, name));
    return null;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    return { code: error.code, message: error.message };
  }
}

/** The public API with alice's token. */
async function viaApi(ask: Ask, name: string) {
  const response = await submissionsRoute.POST(
    new Request(`http://site${SITE_API.submissions}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body(ask, name)),
    }),
  );
  if (response.status === 201) return null;
  const { error } = ApiErrorSchema.parse(await response.json());
  return { status: response.status, message: error.message };
}

/** `linkboard submit --owner alice@example.com`, in a process of its own. */
async function viaCli(ask: Ask, name: string, extra: string[] = []) {
  const args = [
    CLI,
    'submit',
    '--owner',
    'alice@example.com',
    '--manifest',
    datasetDir,
    '--name',
    name,
    '--endpoint',
    'http://127.0.0.1:9/v1',
    '--model',
    'm',
    '--private',
    '--shots',
    ask.shots.join(','),
    '--policy',
    ask.policies.join(','),
    '--draws',
    String(ask.draws),
    ...extra,
  ];
  const env = {
    ...process.env,
    ...SETTINGS,
    DATABASE_URL: site.database.pool.options.connectionString,
    LINKBOARD_DATA_DIR: await mkdtemp(path.join(tmpdir(), 'linkboard-one-door-cli-')),
  };
  try {
    const { stdout } = await promisify(execFile)(process.execPath, args, { env, timeout: 60_000 });
    return extra.length > 0 ? { stdout } : null;
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { exit: failed.code, message: failed.stderr.trim().replace(/^linkboard: /, '') };
  }
}

describe('one door for every submission', () => {
  it('holds the site, the API and the CLI to the same episode cap, with the same refusal', async () => {
    // 8 queries × 3 shot counts × 2 policies × 3 draws = 144 episodes, over the cap of 40.
    const tooMany: Ask = { shots: [2, 4, 6], policies: ['lcl', 'icl'], draws: 3 };
    const refusal = `144 episodes is more than one submission may ask for (${CAP}); use fewer shot counts, policies or draws`;
    expect(await viaSite(tooMany, 'capped-site')).toEqual({
      code: 'BAD_REQUEST',
      message: refusal,
    });
    expect(await viaApi(tooMany, 'capped-api')).toEqual({ status: 400, message: refusal });
    expect(await viaCli(tooMany, 'capped-cli')).toEqual({ exit: 1, message: refusal });
  }, 120_000);

  it('holds them to the same daily quota, whichever path used it, with the same refusal', async () => {
    const small: Ask = { shots: [2], policies: ['lcl'], draws: 1 };
    // The quota's runs are used by two different doors: it is one count, not one per path.
    expect(await viaSite(small, 'quota-site')).toBeNull();
    expect(await viaCli(small, 'quota-cli')).toBeNull();
    const refusal = `the daily quota of ${QUOTA} runs (new submissions, retries and re-runs of errors) is used up; try again tomorrow`;
    expect(await viaSite(small, 'over-site')).toEqual({
      code: 'TOO_MANY_REQUESTS',
      message: refusal,
    });
    expect(await viaApi(small, 'over-api')).toEqual({ status: 429, message: refusal });
    expect(await viaCli(small, 'over-cli')).toEqual({ exit: 1, message: refusal });
    // Nothing of the refused requests was stored: alice has her two runs.
    const mine = await site.caller(alice).submissions.mine();
    expect(mine.map((s) => s.model).sort()).toEqual(['quota-cli', 'quota-site']);
  }, 120_000);

  it('estimates a run by the same checks, through the form, the API and the CLI, storing nothing', async () => {
    const small: Ask = { shots: [2], policies: ['lcl'], draws: 1 };
    const priced = { ...body(small, 'estimated'), inputUsdPerMTok: 2.5, outputUsdPerMTok: 10 };
    const before = (await site.caller(alice).submissions.mine()).length;
    const response = await estimateRoute.POST(
      new Request(`http://site${SITE_API.estimate}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ ...priced, maxCostUsd: 1 }),
      }),
    );
    expect(response.status).toBe(200);
    const estimated = SubmissionEstimateSchema.parse(await response.json());
    // 8 queries at 2 shots: 8 episodes of 3 images each, every one at least a tile (255 tokens).
    expect(estimated).toMatchObject({ episodes: 8, images: 24, maxCostUsd: 1, seconds: null });
    expect(estimated.promptTokens).toBeGreaterThan(24 * 255);
    expect(estimated.costUsd).toBeCloseTo(
      (estimated.promptTokens * 2.5 + estimated.completionTokens * 10) / 1e6,
      10,
    );
    // The form's procedure gives the same figures, and refuses what submitting refuses.
    expect(await site.caller(alice).submissions.estimate({ ...priced, maxCostUsd: 1 })).toEqual(
      estimated,
    );
    const tooMany: Ask = { shots: [2, 4, 6], policies: ['lcl', 'icl'], draws: 3 };
    await expect(site.caller(alice).submissions.estimate(body(tooMany, 'x'))).rejects.toThrow(
      `144 episodes is more than one submission may ask for (${CAP})`,
    );
    // A cap needs the prices it is counted at, on both doors.
    const capped = { ...body(small, 'cap-no-prices'), maxCostUsd: 1 };
    await expect(site.caller(alice).submissions.estimate(capped)).rejects.toThrow(
      'field maxCostUsd: a cost cap needs the prices',
    );
    await expect(site.caller(alice).submissions.create(capped)).rejects.toThrow(
      'field maxCostUsd: a cost cap needs the prices',
    );
    // The CLI prints the same estimate and, with --estimate, queues nothing.
    const cli = await viaCli(small, 'estimated', [
      '--input-price',
      '2.5',
      '--output-price',
      '10',
      '--max-cost',
      '1',
      '--estimate',
    ]);
    expect(cli).toEqual({
      stdout: `estimate: ${describeEstimate(estimated)}\n--estimate: nothing was queued\n`,
    });
    expect((await site.caller(alice).submissions.mine()).length).toBe(before);
  }, 120_000);
});
