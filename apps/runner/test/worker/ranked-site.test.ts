import { readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { getRequestListener } from '@hono/node-server';
import {
  type AdapterConfigInput,
  DEFAULT_SCORER,
  drawSeed,
  type ImageEntry,
  type PreparedEpisode,
  policyTotals,
  REFERENCE_SERVER,
  RUNNER_API,
  rankedKeyId,
  rankedScore,
  scoreEpisode,
  verdictOf,
} from '@linkboard/core';
import {
  drawRanked,
  rankedFamiliarOf,
  rankedImageOf,
  renderRankedImage,
} from '@linkboard/datasets';
import { createRankedSubmission, createRunnerToken } from '@linkboard/db';
import { type RunnerApiOptions, runnerApi } from '@linkboard/platform/runner-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceServer } from '../../src/server/reference-server';
import { runQueue } from '../../src/worker/runner';
import { siteQueue } from '../../src/worker/site-queue';
import { tempDir, testPlatform } from '../helpers';

const KEY = '5c'.repeat(32);
/** What a runner on the site's API is, here: the holder of this token and nothing else. */
let token: string;
let platform: Awaited<ReturnType<typeof testPlatform>>;
beforeAll(async () => {
  platform = await testPlatform({ LINKBOARD_LEASE_MS: '5000' });
  token = (await createRunnerToken(platform.database.db, 'ranked-lab')).token;
});
afterAll(() => platform.shutdown());

/** The site's renderer, as its runner route gives it: a ranked draw's images drawn, none stored. */
const renderImage = async (entry: ImageEntry) => {
  const ranked = rankedImageOf(entry);
  return ranked ? renderRankedImage(ranked) : null;
};

/**
 * The site's runner API over real HTTP, as the site mounts it (with the ranked renderer unless
 * another or none is given), noting every request it is asked.
 */
async function site(options: Pick<RunnerApiOptions, 'renderImage'> = { renderImage }) {
  const api = runnerApi(platform.database, {
    imagesDir: path.join(platform.env.dataDir, 'images'),
    renderImage: options.renderImage,
  });
  const asked: string[] = [];
  const server: Server = createServer(
    getRequestListener((request) => {
      asked.push(`${request.method} ${new URL(request.url).pathname}`);
      return api.handle(request);
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  /** A call as a runner makes it: the token in its header, a JSON body for a POST. */
  const call = async (route: string, body?: unknown) => {
    const response = await fetch(`${url}${route}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = response.headers.get('content-type')?.includes('json')
      ? await response.text()
      : null;
    return {
      status: response.status,
      text,
      // biome-ignore lint/suspicious/noExplicitAny: replies are read field by field and asserted on
      json: text ? (JSON.parse(text) as any) : null,
      response,
    };
  };
  return {
    url,
    asked,
    call,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await api.close();
    },
  };
}

/** A ranked run on a fresh draw of its own (two shot counts, `perPolicy` each of lcl and flip). */
async function rankedRun(
  name: string,
  adapterConfig: AdapterConfigInput,
  options: { perPolicy?: number; secret?: string } = {},
) {
  const draw = drawRanked({
    seed: drawSeed(KEY, `ranked-site ${name}`),
    shots: [2, 4],
    perPolicy: options.perPolicy ?? 4,
  });
  const made = await createRankedSubmission(platform.database.db, {
    model: { name },
    adapterConfig,
    secret: options.secret,
    // Several jobs per run: a lease opens its own job's images, not its neighbour's.
    shardSize: 8,
    manifest: draw.manifest,
    ranked: { keyId: rankedKeyId(KEY), commitment: draw.commitment, seed: draw.seed },
  });
  return { draw, ...made };
}

const endpoint = (url: string, model = 'any') => ({
  adapter: 'openai' as const,
  endpoint: url,
  model,
});
/** An endpoint nothing answers at: the attacker never asks a model. */
const NOWHERE = endpoint('http://127.0.0.1:9/v1');

const query = async (text: string, values: unknown[]) =>
  (await platform.database.pool.query(text, values)).rows;

/** Keeps a test's leftover jobs out of the next test's claims. */
const cancel = (submissionIds: number[]) =>
  query(`UPDATE jobs SET status = 'cancelled' WHERE submission_id = ANY($1::int[])`, [
    submissionIds,
  ]);

/** The site-scored ranked score (core's), from the run's aggregates under the default scorer. */
async function siteRankedScore(submissionId: number) {
  const rows = await query(
    `SELECT policy::text AS policy, correct, n FROM submission_scores WHERE submission_id = $1 AND scorer = $2`,
    [submissionId, DEFAULT_SCORER],
  );
  const { lcl, flip } = policyTotals(rows as { policy: string; correct: number; n: number }[]);
  return { lcl, flip, ranked: rankedScore(lcl, flip) };
}

/**
 * Field names and values that would say what the answer is: an episode's labels and class, its
 * concept and pair, its policy and demo hash, the manifest and its images' render specs.
 */
const GIVEAWAYS = [
  '"label"',
  '"other"',
  '"queryClass"',
  '"conceptId"',
  '"pairId"',
  '"policy"',
  '"demoHash"',
  '"support"',
  '"query"',
  '"source"',
  '"pairs"',
  '"concept"',
  '"manifest"',
  'ranked:',
  '-novel',
  '-familiar',
];

describe("a ranked run through the site's runner API", () => {
  it('is handed to a token runner prepared: prompts and images, nothing that scores it', async () => {
    const run = await rankedRun('prepared', NOWHERE);
    // What stays on the database runner: a baseline (it reads the pairs), the platform's own
    // reference server, a stored key; and any ranked run where the API cannot render images.
    const held = await Promise.all([
      rankedRun('held-builtin', { adapter: 'builtin', name: 'prototype' }),
      rankedRun('held-internal', {
        adapter: 'openai',
        internal: REFERENCE_SERVER,
        model: 'prototype',
      }),
      rankedRun('held-keyed', endpoint('https://api.example.com/v1'), { secret: 'sealed' }),
    ]);
    const claim = { worker: 'gpu-host:1', leaseMs: 60_000 };
    const bare = await site({ renderImage: null });
    const api = await site();
    try {
      expect((await bare.call(RUNNER_API.claim, claim)).json.lease).toBeNull();
      const leases = [
        (await api.call(RUNNER_API.claim, claim)).json.lease,
        (await api.call(RUNNER_API.claim, claim)).json.lease,
      ];
      expect(leases.map((l) => l?.submissionId)).toEqual([run.submissionId, run.submissionId]);
      expect((await api.call(RUNNER_API.claim, claim)).json.lease).toBeNull();

      const [lease, neighbour] = leases;
      const step = (name: 'start' | 'episodes' | 'image', body: object = {}, of = lease) =>
        api.call(RUNNER_API.job(of.jobId, name), { token: of.token, ...body });
      const start = await step('start');
      expect(start.json).toMatchObject({
        prepared: true,
        answered: [],
        benchmark: {
          name: run.draw.manifest.benchmark.name,
          version: run.draw.manifest.benchmark.version,
          rankedDraw: true,
        },
      });
      const episodes = await step('episodes');
      const prepared: PreparedEpisode[] = episodes.json.episodes;
      expect(prepared).toHaveLength(lease.episodeCount);
      const byId = new Map(run.draw.episodes.map((e) => [e.id, e]));
      for (const episode of prepared) {
        expect(Object.keys(episode).sort()).toEqual(['id', 'prompt', 'shots']);
        // The prompt is the very one the draw asks: the model is asked no less than on the database.
        expect(episode.prompt).toEqual(byId.get(episode.id)?.prompt);
      }

      // Every image the job's episodes show, drawn by the site as the draw draws it.
      const images: { id: string; mediaType: string }[] = episodes.json.images;
      const replies = [start.text, episodes.text];
      for (const image of images) {
        const reply = await step('image', { imageId: image.id });
        expect(reply.status).toBe(200);
        expect(reply.response.headers.get('content-type')).toBe('image/jpeg');
        const bytes = Buffer.from(await reply.response.arrayBuffer());
        const spec = run.draw.images.get(image.id);
        if (!spec) throw new Error(`image ${image.id} is not the draw's`);
        expect(bytes.equals(await renderRankedImage(spec))).toBe(true);
      }
      expect(images.length).toBeGreaterThan(lease.episodeCount);
      for (const reply of replies)
        for (const giveaway of GIVEAWAYS) expect(reply).not.toContain(giveaway);

      // The draw's manifest is never served, nor its images by id outside the lease.
      const someImage = images[0]?.id as string;
      expect((await api.call(RUNNER_API.manifest(run.benchmarkVersionId))).status).toBe(404);
      expect((await api.call(RUNNER_API.image(someImage))).status).toBe(404);
      // A lease opens its own job's images only: not its neighbour's, not another run's draw.
      const neighbours = (await step('episodes', {}, neighbour)).json.images.map(
        (i: { id: string }) => i.id,
      );
      const elsewhere = [neighbours[0], [...(held[0]?.draw.images.keys() ?? [])][0]];
      for (const imageId of elsewhere) {
        const refused = await step('image', { imageId });
        expect(refused.status).toBe(404);
        expect(refused.json.error.message).toMatch(/is not shown by job \d+'s episodes/);
      }
    } finally {
      await Promise.all([bare.close(), api.close()]);
      await cancel([run.submissionId, ...held.map((h) => h.submissionId)]);
    }
  }, 120_000);

  it('gives a runner-token holder that answers without a model exactly chance: it has no label to post', async () => {
    /** The two names an episode's demonstrations give, in the order the prompt first shows them. */
    const namesOf = (episode: PreparedEpisode) => [
      ...new Set(
        [...episode.prompt.text.matchAll(/there is "([^"]+)" in the image/g)].map(
          (m) => m[1] as string,
        ),
      ),
    ];
    const strategies: Record<string, (episode: PreparedEpisode) => string> = {
      // The catalog's word is public: the attacker can tell the familiar name from the nonce one.
      'always-familiar': (e) => rankedFamiliarOf(namesOf(e)) as string,
      'always-nonce': (e) => namesOf(e).find((n) => n !== rankedFamiliarOf(namesOf(e))) as string,
      'first-shown': (e) => namesOf(e)[0] as string,
    };
    const api = await site();
    try {
      const scores: Record<string, Awaited<ReturnType<typeof siteRankedScore>>> = {};
      for (const [name, answer] of Object.entries(strategies)) {
        const run = await rankedRun(`attacker-${name}`, NOWHERE, { perPolicy: 10 });
        for (;;) {
          const { lease } = (
            await api.call(RUNNER_API.claim, { worker: 'attacker', leaseMs: 60_000 })
          ).json;
          if (!lease) break;
          expect(lease.submissionId).toBe(run.submissionId);
          const step = (name: 'start' | 'episodes' | 'results' | 'complete', body: object = {}) =>
            api.call(RUNNER_API.job(lease.jobId, name), { token: lease.token, ...body });
          expect((await step('start')).json.prepared).toBe(true);
          const prepared: PreparedEpisode[] = (await step('episodes')).json.episodes;
          for (const episode of prepared) expect(namesOf(episode)).toHaveLength(2);
          const answers = prepared.map((e) => ({ episodeId: e.id, rawAnswer: answer(e) }));
          expect((await step('results', { answers })).json.written).toBe(answers.length);
          expect((await step('complete')).status).toBe(200);
        }
        const [state] = await query('SELECT status FROM submissions WHERE id = $1', [
          run.submissionId,
        ]);
        expect(state.status).toBe('done');
        scores[name] = await siteRankedScore(run.submissionId);
        expect(scores[name].lcl.n + scores[name].flip.n).toBe(run.episodes);
      }
      console.log(
        `attacker with the runner token, ranked score: ${Object.entries(scores)
          .map(([name, s]) => `${name} ${s.ranked?.score}`)
          .join(', ')}`,
      );
      // A one-sided answer is right on exactly as many flip episodes as it is wrong on lcl ones.
      expect(scores['always-familiar']?.ranked?.score).toBe(0.5);
      expect(scores['always-nonce']?.ranked?.score).toBe(0.5);
      // The first name shown is a coin the draw flipped: chance lies inside its interval.
      const first = scores['first-shown']?.ranked;
      expect(first?.low).toBeLessThanOrEqual(0.5);
      expect(first?.high).toBeGreaterThanOrEqual(0.5);
    } finally {
      await api.close();
    }
  }, 120_000);

  it('runs end to end on a token runner against an endpoint, scored by the site', async () => {
    const reference = await startReferenceServer({ port: 0, familiarOf: rankedFamiliarOf });
    const api = await site();
    const run = await rankedRun('end-to-end', endpoint(reference.url, 'prototype'));
    const cacheDir = await tempDir();
    const log: string[] = [];
    try {
      await runQueue(
        siteQueue({ site: api.url, token, cacheDir }),
        platform.env,
        { concurrency: 4, jobs: 2, gpus: 'none', once: true, log: (line) => log.push(line) },
        new AbortController().signal,
      );
    } finally {
      await api.close();
      await reference.close();
    }
    const [state] = await query(
      `SELECT s.status, s.provenance, count(r.*)::int AS results, count(r.error_class)::int AS errors
       FROM submissions s LEFT JOIN results r ON r.submission_id = s.id WHERE s.id = $1 GROUP BY s.id`,
      [run.submissionId],
    );
    expect(state, log.join('\n')).toMatchObject({
      status: 'done',
      results: run.episodes,
      errors: 0,
    });
    expect(state.provenance).toMatchObject({
      runnerToken: 'ranked-lab',
      adapter: 'openai',
      model: 'prototype',
      benchmark: {
        version: run.draw.manifest.benchmark.version,
        manifestHash: run.draw.manifest.manifestHash,
      },
      episodeSeed: expect.stringMatching(/^fixed by the ranked draw/),
    });

    // Every answer scored by the site against the labels only it holds, as core scores it.
    const rows = await query(
      `SELECT r.episode_id, r.raw_answer, v.outcome FROM results r
       JOIN verdicts v ON v.submission_id = r.submission_id AND v.episode_id = r.episode_id AND v.scorer = $2
       WHERE r.submission_id = $1`,
      [run.submissionId, DEFAULT_SCORER],
    );
    expect(rows).toHaveLength(run.episodes);
    const byId = new Map(run.draw.episodes.map((e) => [e.id, e]));
    for (const row of rows) {
      const episode = byId.get(row.episode_id);
      if (!episode) throw new Error(`episode ${row.episode_id} is not the draw's`);
      expect(row.raw_answer).not.toBeNull();
      expect(row.outcome).toBe(verdictOf(scoreEpisode(episode, row.raw_answer)).outcome);
    }
    expect((await siteRankedScore(run.submissionId)).ranked).not.toBeNull();

    // The runner asked for its episodes prepared and its images under the lease: never a
    // manifest, never an image by id, and it kept none of the draw's images on disk.
    expect(api.asked.filter((a) => /\/jobs\/\d+\/episodes$/.test(a)).length).toBe(run.jobs);
    expect(api.asked.some((a) => /\/jobs\/\d+\/image$/.test(a))).toBe(true);
    expect(api.asked.filter((a) => /\/benchmarks\/|\/images\//.test(a))).toEqual([]);
    const kept = await readdir(path.join(cacheDir, 'images'), { recursive: true }).catch(() => []);
    expect(kept.filter((f) => /^[0-9a-f]{2}\/[0-9a-f]{62}$/.test(String(f)))).toEqual([]);
  }, 180_000);

  it('refuses an image that is empty or not of its media type, naming where it came from', async () => {
    let drawn = Buffer.alloc(0);
    const api = await site({ renderImage: async () => drawn });
    const run = await rankedRun('broken-images', NOWHERE);
    const queue = siteQueue({ site: api.url, token, cacheDir: await tempDir() });
    try {
      const { lease } = await queue.claim({
        worker: 'gpu-host:1',
        leaseMs: 60_000,
        excludeAdapters: [],
        excludeOwners: [],
      });
      if (!lease) throw new Error('no job was handed out');
      const input = await queue.begin(lease);
      if (input.manifest !== null) throw new Error('a ranked job came with its manifest');
      const image = input.prepared.images[0]?.id as string;
      const where = `${api.url}${RUNNER_API.job(lease.jobId, 'image')}: image ${image}`;
      await expect(input.prepared.read(image)).rejects.toThrow(`${where} is empty`);
      drawn = Buffer.from('<html>a proxy page</html>');
      await expect(input.prepared.read(image)).rejects.toThrow(
        `${where} is not a readable image/jpeg`,
      );
      await expect(input.prepared.read('0'.repeat(64))).rejects.toThrow(
        `image ${'0'.repeat(64)} is not one of job ${lease.jobId}'s prepared images`,
      );
    } finally {
      await api.close();
      await cancel([run.submissionId]);
    }
  });
});
