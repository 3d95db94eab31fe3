import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAdapterConfig, REFERENCE_SERVER } from '@linkboard/core';
import { fixtureManifest } from '@linkboard/core/testing';
import { type Database, importBenchmark, users } from '@linkboard/db';
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { estimate } from '../src/estimate';
import { PLATFORM_ENV, type PlatformSettings, platformSettings } from '../src/settings';
import {
  queueConnectionTest,
  rerunErrors,
  retry,
  type SubmitBody,
  SubmitRefused,
  type SubmitRequest,
  type Submitter,
  submit,
} from '../src/submit';
import { freshDatabase } from './helpers';

let database: Database;
let settings: PlatformSettings;
let versionId: number;
/** The fixture's version by its one name, `name@version`, as every door of the site names it. */
let benchmark: string;

const alice: Submitter = { kind: 'account', id: 'user-alice', role: 'submitter' };
const carol: Submitter = { kind: 'account', id: 'user-carol', role: 'participant' };
const operator: Submitter = { kind: 'operator' };

beforeEach(async () => {
  database = await freshDatabase();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'linkboard-platform-submit-'));
  settings = platformSettings(
    z.object(PLATFORM_ENV).parse({
      LINKBOARD_DATA_DIR: dataDir,
      LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '1',
      LINKBOARD_DAILY_QUOTA: '2',
      LINKBOARD_MAX_EPISODES: '100',
      LINKBOARD_RANKED_PER_POLICY: '4',
    }),
  );
  // 1 pair × 2 concepts × 2 queries = 4 queries.
  const manifest = fixtureManifest({ pairs: 1, supportPerConcept: 4, queriesPerConcept: 2 });
  ({ benchmarkVersionId: versionId } = await importBenchmark(database.db, manifest));
  benchmark = `${manifest.benchmark.name}@${manifest.benchmark.version}`;
  await database.db.insert(users).values([
    { id: 'user-alice', name: 'Alice', email: 'alice@example.com' },
    { id: 'user-carol', name: 'Carol', email: 'carol@example.com', role: 'participant' },
  ]);
});

const endpoint = (extra: Partial<SubmitBody> = {}): SubmitBody => ({
  benchmark,
  ranked: false,
  name: `model-${Math.random().toString(36).slice(2, 8)}`,
  kind: 'endpoint',
  endpoint: 'http://127.0.0.1:8000/v1',
  model: 'm',
  shots: [2],
  policies: ['lcl'],
  draws: 1,
  scorer: 'strict',
  private: false,
  ...extra,
});

const count = async () =>
  Number((await database.pool.query('SELECT count(*) AS n FROM submissions')).rows[0].n);

/** The refusal `act` ends in: its reason and message. */
async function refusal(act: Promise<unknown>) {
  const error = await act.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof SubmitRefused)) throw new Error(`expected a refusal, got ${error}`);
  return { reason: error.reason, message: error.message };
}

describe('submit(): the one door', () => {
  it("queues an account's run against its quota, and refuses the one past it, storing nothing", async () => {
    await submit(database.db, settings, alice, endpoint());
    await submit(database.db, settings, alice, endpoint());
    const before = await count();
    expect(await refusal(submit(database.db, settings, alice, endpoint()))).toEqual({
      reason: 'quota',
      message: expect.stringMatching(/daily quota of 2 runs .* is used up/),
    });
    expect(await count()).toBe(before);
    // Another account's quota is its own; the operator has none.
    await submit(database.db, settings, carol, endpoint());
    for (let i = 0; i < 3; i++) await submit(database.db, settings, operator, endpoint());
    expect(await count()).toBe(before + 4);
  });

  it('counts a retry against the same quota', async () => {
    const made = await submit(database.db, settings, alice, endpoint());
    await database.pool.query(`UPDATE submissions SET status = 'failed' WHERE id = $1`, [
      made.submissionId,
    ]);
    expect(await retry(database.db, settings, alice, made.submissionId)).toBe(true);
    expect(await refusal(submit(database.db, settings, alice, endpoint()))).toMatchObject({
      reason: 'quota',
    });
  });

  it('holds every submitter to the episode cap, the operator too', async () => {
    // 4 queries × 3 shot counts × 3 policies × 3 draws = 108 episodes > 100.
    const big = endpoint({ shots: [2, 4, 6], policies: ['lcl', 'icl', 'flip'], draws: 3 });
    for (const who of [alice, operator])
      expect(await refusal(submit(database.db, settings, who, big))).toEqual({
        reason: 'invalid',
        message:
          '108 episodes is more than one submission may ask for (100); use fewer shot counts, policies or draws',
      });
    expect(await count()).toBe(0);
  });

  it('applies the endpoint policy to the endpoint and the webhook, naming the field', async () => {
    const closed = { ...settings, endpoints: { ...settings.endpoints, allowPrivate: false } };
    expect(await refusal(submit(database.db, closed, alice, endpoint()))).toMatchObject({
      reason: 'invalid',
      message: expect.stringMatching(/^endpoint 127\.0\.0\.1:8000 .*\(loopback\)/),
    });
    const hooked = endpoint({
      endpoint: 'http://93.184.215.14/v1',
      webhook: 'http://10.0.0.5/hook',
    });
    expect(await refusal(submit(database.db, closed, alice, hooked))).toMatchObject({
      reason: 'invalid',
      message: expect.stringMatching(/^field webhook: webhook 10\.0\.0\.5 .*\(private\)/),
    });
    expect(await count()).toBe(0);
  });

  it("keeps built-in baselines and the platform's own servers to the operator", async () => {
    const builtin: SubmitRequest = { ...endpoint(), kind: 'builtin', builtin: 'random' };
    expect(await refusal(submit(database.db, settings, alice, builtin))).toMatchObject({
      reason: 'forbidden',
    });
    await expect(submit(database.db, settings, operator, builtin)).resolves.toMatchObject({
      episodes: 4,
    });
    // A model of the platform's own servers skips the endpoint policy: no account may name one.
    const internal: SubmitRequest = {
      ...endpoint(),
      kind: 'internal',
      adapterConfig: parseAdapterConfig({
        adapter: 'openai',
        internal: REFERENCE_SERVER,
        model: 'random',
      }),
    };
    expect(await refusal(submit(database.db, settings, carol, internal))).toMatchObject({
      reason: 'forbidden',
    });
    await expect(submit(database.db, settings, operator, internal)).resolves.toMatchObject({
      episodes: 4,
    });
  });

  it('draws a ranked run for a participant, and refuses a submitter before any draw is made', async () => {
    const ranked = endpoint({ ranked: true, benchmark: undefined, shots: undefined });
    expect(await refusal(submit(database.db, settings, alice, ranked))).toEqual({
      reason: 'forbidden',
      message: expect.stringMatching(/^ranked runs are open to participants/),
    });
    // The deployment's ranked key is made by the first draw: a refused request made none.
    expect(existsSync(path.join(settings.dataDir, 'secrets'))).toBe(false);
    const made = await submit(database.db, settings, carol, ranked);
    expect(made.commitment).toMatch(/^[0-9a-f]{64}$/);
    // 4 episodes per shot count and policy (LINKBOARD_RANKED_PER_POLICY), lcl and flip.
    expect(made.episodes % 8).toBe(0);
    // Open to all: the same request from a submitter is drawn.
    const open = { ...settings, rankedOpen: true };
    await expect(
      submit(database.db, open, alice, { ...ranked, name: 'alice-ranked' }),
    ).resolves.toHaveProperty('commitment');
  });

  it('holds a ranked draw to the cap by its size, before drawing it', async () => {
    // 4 shot counts × 4 episodes per policy × lcl and flip = 32 episodes.
    const ranked = endpoint({ ranked: true, benchmark: undefined, shots: undefined });
    const capped = { ...settings, maxEpisodes: 31 };
    expect(await refusal(submit(database.db, capped, carol, ranked))).toEqual({
      reason: 'invalid',
      message:
        '32 episodes is more than one submission may ask for (31); use fewer shot counts or a smaller draw',
    });
    expect(existsSync(path.join(settings.dataDir, 'secrets'))).toBe(false);
  });

  it("keeps the connection tests' model names for the platform, look-alikes too", async () => {
    for (const name of [
      'connection test of user-carol',
      'CONNECTION TEST of user-carol',
      'connection tests',
    ])
      expect(
        await refusal(submit(database.db, settings, alice, endpoint({ name }))),
        name,
      ).toMatchObject({ reason: 'invalid', message: expect.stringMatching(/^field name: /) });
  });

  it('runs again only what the submitter may change: not a withdrawn run, not a connection test', async () => {
    const made = await submit(database.db, settings, alice, endpoint());
    const fail = (visibility = 'public') =>
      database.pool.query(
        `UPDATE submissions SET status = 'failed', visibility = $2 WHERE id = $1`,
        [made.submissionId, visibility],
      );
    await fail();
    expect(await refusal(retry(database.db, settings, carol, made.submissionId))).toMatchObject({
      reason: 'forbidden',
    });
    await fail('withdrawn');
    expect(await refusal(retry(database.db, settings, alice, made.submissionId))).toEqual({
      reason: 'forbidden',
      message: `submission ${made.submissionId} was withdrawn (by an admin): it is not run again`,
    });
    const admin: Submitter = { kind: 'account', id: 'user-carol', role: 'admin' };
    expect(await retry(database.db, settings, admin, made.submissionId)).toBe(true);
    const probe = await queueConnectionTest(database.db, settings, alice, {
      benchmark,
      adapter: 'openai',
      endpoint: 'http://127.0.0.1:8000/v1',
      model: 'm',
    });
    await database.pool.query(`UPDATE submissions SET status = 'failed' WHERE id = $1`, [probe.id]);
    expect(await refusal(rerunErrors(database.db, settings, alice, probe.id))).toMatchObject({
      reason: 'invalid',
      message: expect.stringMatching(/is a connection test: it runs once/),
    });
  });

  it('names a version that does not exist, with those there are', async () => {
    const [name] = benchmark.split('@');
    expect(
      await refusal(submit(database.db, settings, alice, endpoint({ benchmark: `${name}@9` }))),
    ).toEqual({
      reason: 'not-found',
      message: `benchmark ${name} has no version "9" on this site; the benchmarks on this site are: ${benchmark}`,
    });
    expect(
      await refusal(estimate(database.db, settings, alice, endpoint({ benchmark: 'nope@1' }))),
    ).toMatchObject({
      reason: 'not-found',
      message: expect.stringMatching(/^unknown benchmark "nope"/),
    });
    // The platform's own callers (the CLI's published dataset) hold the version by its id.
    expect(
      await refusal(
        submit(
          database.db,
          settings,
          operator,
          endpoint({ benchmark: undefined, benchmarkVersionId: 9999 }),
        ),
      ),
    ).toEqual({ reason: 'not-found', message: 'benchmark version 9999 does not exist' });
    expect(
      await refusal(
        submit(database.db, settings, operator, endpoint({ benchmarkVersionId: versionId })),
      ),
    ).toMatchObject({
      reason: 'invalid',
      message: expect.stringMatching(/^field benchmark: name the benchmark version once/),
    });
  });

  it('takes a version by name alone, or by leading parts: the newest public one', async () => {
    const [name] = benchmark.split('@');
    for (const spec of [name as string, benchmark.toUpperCase()])
      await expect(
        submit(database.db, settings, operator, endpoint({ benchmark: spec })),
      ).resolves.toMatchObject({
        episodes: 4,
      });
    // A ranked run's draw is its run's alone, by name as by id.
    expect(
      await refusal(
        submit(
          database.db,
          settings,
          operator,
          endpoint({ benchmark: 'isekai-synth-ranked@1+0123456789abcdef' }),
        ),
      ),
    ).toMatchObject({ reason: 'closed' });
  });
});
