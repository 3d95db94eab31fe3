import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildEpisodes,
  imageStoreKey,
  indexBenchmark,
  MAX_ANSWER_CHARS,
  RUNNER_API,
  scorerVersions,
} from '@linkboard/core';
import { fixtureManifest, fixtureProvenanceFacts } from '@linkboard/core/testing';
import {
  createRunnerToken,
  createSubmission,
  type Database,
  registerModel,
  revokeRunnerToken,
} from '@linkboard/db';
import { seedSubmission } from '@linkboard/db/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { providedFacts, type RunnerApiOptions, runnerApi } from '../src/runner-api';
import { freshDatabase } from './helpers';

let imagesDir: string;
beforeAll(async () => {
  imagesDir = await mkdtemp(path.join(tmpdir(), 'linkboard-runner-api-'));
});
afterAll(() => rm(imagesDir, { recursive: true, force: true }));

const opened: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((close) => close()));
});

/** The handler as the site mounts it, and a caller that presents a token. */
async function api(database: Database, options: Omit<RunnerApiOptions, 'imagesDir'> = {}) {
  const { handle, close } = runnerApi(database, { imagesDir, ...options });
  opened.push(close);
  const { token } = await createRunnerToken(database.db, 'lab-a');
  const call = async (route: string, body?: unknown, bearer: string | null = token) => {
    const response = await handle(
      new Request(`http://site.test${route}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          'content-type': 'application/json',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    const type = response.headers.get('content-type') ?? '';
    return {
      status: response.status,
      // biome-ignore lint/suspicious/noExplicitAny: replies are read field by field and asserted on
      json: type.includes('json') ? ((await response.json()) as any) : null,
      response,
    };
  };
  return { call, token };
}

const claim = { worker: 'gpu-host:1', leaseMs: 60_000 };

describe('the runner API', () => {
  it('refuses a missing, unknown or user token, and a revoked runner token; stores only the hash', async () => {
    const database = await freshDatabase();
    const { call, token } = await api(database);
    for (const bearer of [null, 'lbr_not-a-token', 'lb_a-user-api-token']) {
      const refused = await call(RUNNER_API.claim, claim, bearer);
      expect(refused.status).toBe(401);
      expect(refused.json.error.message).toMatch(/runner token .*linkboard runner-token create/);
    }
    expect((await call(RUNNER_API.claim, claim)).status).toBe(200);
    const { rows } = await database.pool.query('SELECT token_hash FROM runner_tokens');
    expect(rows).toEqual([{ token_hash: createHash('sha256').update(token).digest('hex') }]);
    expect(await revokeRunnerToken(database.db, 'lab-a')).toBe(true);
    expect((await call(RUNNER_API.claim, claim)).status).toBe(401);
  });

  it('names the field of a body that does not parse', async () => {
    const database = await freshDatabase();
    const { call } = await api(database);
    const refused = await call(RUNNER_API.claim, { worker: 'w', leaseMs: 5 });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toMatch(/leaseMs/);
    expect((await call('/api/v1/runner/jobs/1/explode', { token: 'x' })).status).toBe(404);
  });

  it('hands out only jobs a runner without the database or a secret can run', async () => {
    const database = await freshDatabase();
    const { db, pool } = database;
    const { call } = await api(database);
    const seeded = await seedSubmission(db, { shardSize: 1000 });
    const spec = {
      benchmarkVersionId: seeded.benchmarkVersionId,
      shots: [2],
      policies: ['lcl' as const],
    };
    const modelId = await registerModel(db, { name: 'held-back' });
    const keyed = await createSubmission(db, {
      ...spec,
      modelId,
      adapterConfig: { adapter: 'openai', endpoint: 'https://api.example.com/v1', model: 'm' },
      secret: 'encrypted-key',
    });
    const internal = await createSubmission(db, {
      ...spec,
      modelId,
      adapterConfig: { adapter: 'openai', internal: 'reference-server', model: 'prototype' },
    });
    const uploaded = await createSubmission(db, {
      ...spec,
      modelId,
      adapterConfig: { adapter: 'predictions', file: 'p.jsonl', count: 0 },
      predictions: new Map(),
    });
    const first = await call(RUNNER_API.claim, claim);
    expect(first.json.lease.submissionId).toBe(seeded.submissionId);
    expect((await call(RUNNER_API.claim, claim)).json.lease).toBeNull();
    const { rows } = await pool.query(
      `SELECT submission_id, status, lease_owner FROM jobs ORDER BY submission_id`,
    );
    expect(rows).toEqual([
      { submission_id: seeded.submissionId, status: 'running', lease_owner: 'lab-a/gpu-host:1' },
      ...[keyed, internal, uploaded].map((s) => ({
        submission_id: s.submissionId,
        status: 'queued',
        lease_owner: null,
      })),
    ]);
  });

  it('runs a job under its lease: raw answers scored by the site, foreign episodes and lost leases refused', async () => {
    const database = await freshDatabase();
    const { db, pool } = database;
    const { call } = await api(database);
    const seeded = await seedSubmission(db, { shots: [2, 4], draws: 1, shardSize: 1000 });
    const episodes = [
      ...buildEpisodes(indexBenchmark(seeded.manifest), {
        shots: [2, 4],
        policies: ['lcl'],
        draws: 1,
      }),
    ];
    const { lease } = (await call(RUNNER_API.claim, claim)).json;
    expect(lease.episodeCount).toBe(episodes.length);
    const job = (step: string) => RUNNER_API.job(lease.jobId, step as 'start');

    const start = await call(job('start'), { token: lease.token });
    expect(start.json.submission).toMatchObject({
      id: seeded.submissionId,
      adapter: 'builtin',
      adapterConfig: { name: 'random' },
      shots: [2, 4],
    });
    expect(start.json.answered).toEqual([]);
    expect(JSON.stringify(start.json)).not.toMatch(/secret/);

    const wrongToken = await call(job('heartbeat'), {
      token: crypto.randomUUID(),
      leaseMs: 60_000,
    });
    expect(wrongToken).toMatchObject({ status: 409, json: { error: { code: 'LEASE_LOST' } } });

    const foreign = await call(job('results'), {
      token: lease.token,
      answers: [{ episodeId: 'not-in-this-job', rawAnswer: 'x' }],
    });
    expect(foreign.status).toBe(400);
    expect(foreign.json.error.message).toMatch(/answers\[0\]\.episodeId: "not-in-this-job"/);

    // Every answer names the other label; a runner that claims its answers are correct is not heard.
    const answers = episodes.map((e) => ({
      episodeId: e.id,
      rawAnswer: e.query.other,
      verdicts: [{ scorer: 'strict', outcome: 'correct' }],
    }));
    const half = answers.slice(0, 3);
    expect((await call(job('results'), { token: lease.token, answers: half })).json).toEqual({
      written: 3,
    });
    // Sent again (a reply lost on the way): written once.
    expect((await call(job('results'), { token: lease.token, answers: half })).json).toEqual({
      written: 0,
    });
    const early = await call(job('complete'), { token: lease.token });
    expect(early).toMatchObject({ status: 409, json: { error: { code: 'RESULTS_INCOMPLETE' } } });

    await call(job('results'), { token: lease.token, answers: answers.slice(3) });
    // Forged or unknown facts are refused by name; the schema's own are stored.
    const forged = await call(job('provenance'), {
      token: lease.token,
      facts: { ...fixtureProvenanceFacts(), benchmark: { name: 42 }, gpu: 'H200' },
    });
    expect(forged.status).toBe(400);
    expect(forged.json.error.message).toMatch(/facts\.benchmark\.name/);
    expect(
      (await call(job('provenance'), { token: lease.token, facts: fixtureProvenanceFacts() })).json,
    ).toEqual({ ok: true });
    expect((await call(job('complete'), { token: lease.token })).json).toEqual({
      submissionDone: true,
    });
    const { rows: outcomes } = await pool.query(
      `SELECT outcome, count(*)::int AS n FROM verdicts WHERE submission_id = $1 GROUP BY outcome`,
      [seeded.submissionId],
    );
    expect(outcomes).toEqual([{ outcome: 'other-label', n: episodes.length * 2 }]);
    const { rows: sub } = await pool.query(
      `SELECT status, provenance FROM submissions WHERE id = $1`,
      [seeded.submissionId],
    );
    expect(sub[0].status).toBe('done');
    expect(sub[0].provenance).toMatchObject({ adapter: 'builtin', runnerToken: 'lab-a' });
    expect(sub[0].provenance).not.toHaveProperty('gpu');
    expect((await call(job('heartbeat'), { token: lease.token, leaseMs: 60_000 })).status).toBe(
      409,
    );
  });

  it('holds a wait until the queue announces work, or until its time is up', async () => {
    const database = await freshDatabase();
    const { call } = await api(database);
    const idleSince = Date.now();
    expect((await call(RUNNER_API.wait, { waitMs: 300 })).json).toEqual({ ok: true });
    expect(Date.now() - idleSince).toBeGreaterThanOrEqual(250);

    let woken = false;
    const waiting = call(RUNNER_API.wait, { waitMs: 25_000 }).then((reply) => {
      woken = true;
      return reply;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(woken).toBe(false);
    // A new submission notifies the queue: the wait ends long before its 25 s are up.
    await seedSubmission(database.db);
    expect((await waiting).json).toEqual({ ok: true });
    expect((await call(RUNNER_API.wait, { waitMs: 30_000 })).status).toBe(400);
  }, 20_000);

  it("serves a version's manifest and the store's images by hash", async () => {
    const database = await freshDatabase();
    const { call } = await api(database);
    const seeded = await seedSubmission(database.db);
    const manifest = await call(RUNNER_API.manifest(seeded.benchmarkVersionId));
    expect(manifest.json.manifestHash).toBe(seeded.manifest.manifestHash);
    expect((await call(RUNNER_API.manifest(999))).status).toBe(404);

    const bytes = Buffer.from('not really a png');
    const id = createHash('sha256').update(bytes).digest('hex');
    const file = path.join(imagesDir, imageStoreKey(id) as string);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, bytes);
    const image = await call(RUNNER_API.image(id));
    expect(Buffer.from(await image.response.arrayBuffer())).toEqual(bytes);
    expect((await call(RUNNER_API.image('0'.repeat(64)))).status).toBe(404);
    expect((await call(RUNNER_API.image('not-a-hash'))).status).toBe(400);
  });

  it("serves a job's episodes prepared and only the images they show, under its lease", async () => {
    const database = await freshDatabase();
    const seeded = await seedSubmission(database.db, { shots: [2], shardSize: 1 });
    let rendered: string | undefined;
    // The renderer is asked first: what it draws is served, what it leaves (null) is read stored.
    const { call } = await api(database, {
      renderImage: async (entry) => (entry.id === rendered ? Buffer.from('drawn') : null),
    });
    const { lease } = (await call(RUNNER_API.claim, claim)).json;
    const start = await call(RUNNER_API.job(lease.jobId, 'start'), { token: lease.token });
    expect(start.json).toMatchObject({
      prepared: false,
      benchmark: {
        name: seeded.manifest.benchmark.name,
        version: seeded.manifest.benchmark.version,
        manifestHash: seeded.manifest.manifestHash,
        rankedDraw: false,
      },
    });

    const prepared = await call(RUNNER_API.job(lease.jobId, 'episodes'), { token: lease.token });
    const episode = [
      ...buildEpisodes(indexBenchmark(seeded.manifest), {
        shots: [2],
        policies: ['lcl'],
        draws: 1,
      }),
    ].find((e) => e.id === prepared.json.episodes[0]?.id);
    if (!episode) throw new Error('the job holds no episode of its submission');
    expect(prepared.json.episodes).toEqual([
      { id: episode.id, shots: 2, prompt: JSON.parse(JSON.stringify(episode.prompt)) },
    ]);
    const shown = [episode.query.imageId, ...episode.support.map((s) => s.imageId)];
    expect(new Set(prepared.json.images)).toEqual(
      new Set(shown.map((id) => ({ id, mediaType: 'image/png' }))),
    );

    const [drawnId, stored] = shown as [string, string];
    rendered = drawnId;
    const bytes = Buffer.from('stored bytes');
    const file = path.join(imagesDir, imageStoreKey(stored) as string);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, bytes);
    const image = (imageId: string, token = lease.token) =>
      call(RUNNER_API.job(lease.jobId, 'image'), { token, imageId });
    const drawn = await image(drawnId);
    expect(drawn.response.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await drawn.response.arrayBuffer()).toString()).toBe('drawn');
    expect(Buffer.from(await (await image(stored)).response.arrayBuffer())).toEqual(bytes);
    // An image of the benchmark that this job's episode does not show is not this lease's to ask.
    const elsewhere = seeded.manifest.images.find((i) => !shown.includes(i.id))?.id as string;
    const refused = await image(elsewhere);
    expect(refused.status).toBe(404);
    expect(refused.json.error.message).toBe(
      `image ${elsewhere} is not shown by job ${lease.jobId}'s episodes`,
    );
    expect((await image('not-a-hash')).status).toBe(400);
    expect((await image(stored, crypto.randomUUID())).json.error.code).toBe('LEASE_LOST');
  });

  it('holds a lease to the runner token that claimed it: another token is told it is lost, and writes nothing', async () => {
    const database = await freshDatabase();
    const { db, pool } = database;
    const { call } = await api(database);
    const { token: other } = await createRunnerToken(db, 'lab-b');
    // A name that the claimer's begins with holds none of its leases either.
    const { token: prefix } = await createRunnerToken(db, 'lab');
    const seeded = await seedSubmission(db, { shots: [2], shardSize: 1000 });
    const { lease } = (await call(RUNNER_API.claim, claim)).json;
    const job = (step: string) => RUNNER_API.job(lease.jobId, step as 'start');
    const prepared = await call(job('episodes'), { token: lease.token });
    const episodeId = prepared.json.episodes[0].id as string;
    const imageId = prepared.json.images[0].id as string;
    const { rows: before } = await pool.query(
      `SELECT status, lease_owner, lease_token::text, lease_expires_at, heartbeat_at, run_info, attempts
       FROM jobs WHERE id = $1`,
      [lease.jobId],
    );

    const steps: [string, Record<string, unknown>][] = [
      ['heartbeat', { leaseMs: 600_000, runInfo: { log: ['forged'] } }],
      ['start', {}],
      ['episodes', {}],
      ['image', { imageId }],
      ['results', { answers: [{ episodeId, rawAnswer: 'forged answer' }] }],
      ['provenance', { facts: fixtureProvenanceFacts(seeded.manifest) }],
      ['complete', {}],
      ['fail', { error: 'forged failure', errorClass: 'client-error' }],
      ['release', {}],
    ];
    for (const bearer of [other, prefix])
      for (const [name, extra] of steps) {
        const refused = await call(job(name), { token: lease.token, ...extra }, bearer);
        expect({ name, status: refused.status, code: refused.json?.error?.code }).toEqual({
          name,
          status: 409,
          code: 'LEASE_LOST',
        });
        expect(refused.json.error.message).toMatch(/lease lost/);
      }

    const { rows: after } = await pool.query(
      `SELECT status, lease_owner, lease_token::text, lease_expires_at, heartbeat_at, run_info, attempts
       FROM jobs WHERE id = $1`,
      [lease.jobId],
    );
    expect(after).toEqual(before);
    expect(after[0]).toMatchObject({ status: 'running', lease_owner: 'lab-a/gpu-host:1' });
    const { rows: written } = await pool.query(
      `SELECT (SELECT count(*)::int FROM results WHERE submission_id = s.id) AS results, s.provenance, s.status, s.last_error
       FROM submissions s WHERE s.id = $1`,
      [seeded.submissionId],
    );
    expect(written).toEqual([{ results: 0, provenance: {}, status: 'running', last_error: null }]);

    // The claimer's own steps go on under it.
    expect((await call(job('heartbeat'), { token: lease.token, leaseMs: 60_000 })).json).toEqual({
      ok: true,
    });
    expect(
      (await call(job('results'), { token: lease.token, answers: [{ episodeId, rawAnswer: 'x' }] }))
        .json,
    ).toEqual({ written: 1 });
    expect((await call(job('release'), { token: lease.token })).json).toEqual({ ok: true });
  });

  it('keeps a raw answer as the endpoint path keeps one: cut at MAX_ANSWER_CHARS and marked truncated', async () => {
    const database = await freshDatabase();
    const { call } = await api(database);
    const seeded = await seedSubmission(database.db, { shots: [2], shardSize: 1000 });
    const { lease } = (await call(RUNNER_API.claim, claim)).json;
    const prepared = await call(RUNNER_API.job(lease.jobId, 'episodes'), { token: lease.token });
    const [long, nul] = prepared.json.episodes.map((e: { id: string }) => e.id) as string[];
    const sent = await call(RUNNER_API.job(lease.jobId, 'results'), {
      token: lease.token,
      answers: [
        { episodeId: long, rawAnswer: 'x'.repeat(1_000_000) },
        { episodeId: nul, rawAnswer: 'a\u0000b' },
      ],
    });
    expect(sent.json).toEqual({ written: 2 });
    const { rows } = await database.pool.query(
      `SELECT episode_id, length(raw_answer)::int AS n, raw_answer = $2 AS nul_replaced, answer_truncated
       FROM results WHERE submission_id = $1 ORDER BY episode_id = $3 DESC`,
      [seeded.submissionId, 'a\uFFFDb', long],
    );
    expect(rows).toEqual([
      { episode_id: long, n: MAX_ANSWER_CHARS, nul_replaced: false, answer_truncated: true },
      { episode_id: nul, n: 3, nul_replaced: true, answer_truncated: false },
    ]);
  });

  it("stores of a runner's provenance only what describes the runner; the rest is the platform's record", async () => {
    const database = await freshDatabase();
    const { call } = await api(database);
    const seeded = await seedSubmission(database.db, { shots: [2], shardSize: 1000 });
    const { lease } = (await call(RUNNER_API.claim, claim)).json;
    const provenance = (facts: unknown) =>
      call(RUNNER_API.job(lease.jobId, 'provenance'), { token: lease.token, facts });
    const runner = { version: '9.9.9', commit: 'abc123', host: 'lab-a-gpu-7', node: 'v20.19.0' };
    const forged = {
      ...fixtureProvenanceFacts(),
      benchmark: { name: 'forged', version: '0', manifestHash: 'f'.repeat(64) },
      shots: [64],
      policies: ['icl'],
      draws: 99,
      scorers: { official: 99 },
      episodeSeed: 'chosen by hand',
      runner,
      name: 'oracle',
    };
    expect((await provenance(forged)).json).toEqual({ ok: true });
    const stored = async () =>
      (
        await database.pool.query('SELECT provenance FROM submissions WHERE id = $1', [
          seeded.submissionId,
        ])
      ).rows[0].provenance;
    expect(await stored()).toEqual({
      schema: 1,
      benchmark: {
        name: seeded.manifest.benchmark.name,
        version: seeded.manifest.benchmark.version,
        manifestHash: seeded.manifest.manifestHash,
      },
      shots: [2],
      policies: ['lcl'],
      draws: 1,
      scorers: scorerVersions(),
      episodeSeed: 'SHA-256("<manifest hash>|<query image id>|<shots>|<draw>")',
      runner,
      adapter: 'builtin',
      name: 'random',
      runnerToken: 'lab-a',
    });
    expect(JSON.stringify(await stored())).not.toMatch(/forged|oracle|chosen by hand/);

    // Facts of another adapter than the submission's are not this run's: refused by name.
    const other = await provenance({
      ...fixtureProvenanceFacts(),
      name: undefined,
      adapter: 'openai',
      endpoint: 'https://api.example.com/v1',
      model: 'm',
      address: '203.0.113.9',
      generation: null,
      maxImageSide: null,
    });
    expect(other.status).toBe(400);
    expect(other.json.error.message).toMatch(/^facts\.adapter: "openai" is not the adapter/);
    expect((await stored()).adapter).toBe('builtin');
  });

  it("takes an endpoint adapter's pinned address and a served model's GPUs from the runner, the rest from the submission", () => {
    const manifest = fixtureManifest();
    const runner = { version: '1', commit: null, host: 'h', node: 'v20' };
    const forgedSettings = {
      generation: {
        maxTokens: 1,
        temperature: 2,
        tokenLimitField: 'max_tokens',
        thinkingBudget: 7,
      },
      maxImageSide: 1,
    } as const;
    const job = (adapter: string, adapterConfig: unknown) => ({
      sub: { id: 7, adapter, adapterConfig, shots: [2, 4], draws: 1 },
      policies: ['lcl' as const],
      manifest,
    });
    const base = { ...fixtureProvenanceFacts(), runner, shots: [1], scorers: {} };
    const endpoint = providedFacts(
      job('openai', { adapter: 'openai', endpoint: 'https://api.example.com/v1', model: 'gpt-x' }),
      {
        ...base,
        adapter: 'openai',
        endpoint: 'https://forged.example.net/v1',
        model: 'forged',
        address: '203.0.113.9',
        ...forgedSettings,
      },
    );
    expect(endpoint).toMatchObject({
      shots: [2, 4],
      scorers: scorerVersions(),
      runner,
      adapter: 'openai',
      endpoint: 'https://api.example.com/v1',
      model: 'gpt-x',
      address: '203.0.113.9',
      maxImageSide: null,
    });
    expect(endpoint).not.toHaveProperty('name');
    expect(JSON.stringify(endpoint)).not.toMatch(/forged|"thinkingBudget":7/);
    const served = providedFacts(
      job('serve', { adapter: 'serve', profile: 'vllm', model: 'org/m' }),
      {
        ...base,
        adapter: 'serve',
        profile: 'forged',
        model: 'forged',
        gpus: [0, 3],
        ...forgedSettings,
      },
    );
    expect(served).toMatchObject({
      adapter: 'serve',
      profile: 'vllm',
      model: 'org/m',
      gpus: [0, 3],
    });
    expect(JSON.stringify(served)).not.toMatch(/forged|"thinkingBudget":7/);
  });
});
