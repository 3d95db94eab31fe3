import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AdapterConfig,
  buildEpisodes,
  indexBenchmark,
  parseAdapterConfig,
  registerScorer,
} from '@linkboard/core';
import { cancelSubmission, connect, createSubmission, registerModel, users } from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { builtinAdapter, familiarFromPairs } from '../../src/adapters/builtin';
import { ImageEncoder } from '../../src/adapters/encode';
import { startReferenceServer } from '../../src/server/reference-server';
import { runRunner } from '../../src/worker/runner';
import { testPlatform } from '../helpers';

let platform: Awaited<ReturnType<typeof testPlatform>>;
beforeAll(async () => {
  platform = await testPlatform();
});
afterAll(() => platform.shutdown());

const spec = { shots: [2, 4], policies: ['lcl' as const], draws: 2 };

// Names the server each project ran on, in the log, and checks it is the one meant.
it('runs on the PostgreSQL of its project', async ({ task }) => {
  const { rows } = await platform.database.pool.query(
    `SELECT version(), current_setting('server_version_num')::int AS num, inet_server_port() AS port`,
  );
  const { version, num, port } = rows[0];
  console.log(`${task.file.projectName}: ${version} (${platform.database.where})`);
  const external = inject('pgServer');
  if (task.file.projectName === 'external') {
    expect(external).toBeTruthy();
    expect(port).toBe(Number(new URL(external as string).port || 5432));
    expect(num).toBeGreaterThanOrEqual(150000);
  } else {
    expect(task.file.projectName).toBe('embedded');
    expect(external).toBeUndefined();
    expect(Math.floor(num / 10000)).toBe(18);
  }
});

/**
 * A config in its typed form: `adapter` joins the rest; a predictions upload's `answers` become
 * its rows in `predictions` and their count.
 */
function typed(adapter: AdapterConfig['adapter'], config: Record<string, unknown>) {
  if (adapter !== 'predictions')
    return { adapterConfig: parseAdapterConfig({ ...config, adapter }) };
  const predictions = new Map(Object.entries(config.answers as Record<string, string | null>));
  return {
    adapterConfig: parseAdapterConfig({ adapter, count: predictions.size }),
    predictions,
  };
}

async function submit(
  name: string,
  adapter: 'openai' | 'builtin' | 'predictions' | 'serve',
  adapterConfig: Record<string, unknown>,
  maxAttempts = 3,
) {
  const modelId = await registerModel(platform.database.db, { name });
  return createSubmission(platform.database.db, {
    modelId,
    benchmarkVersionId: platform.benchmarkVersionId,
    ...typed(adapter, adapterConfig),
    ...spec,
    shardSize: 10,
    maxAttempts,
  });
}

async function drain(log: string[] = []) {
  await runRunner(
    platform.database,
    platform.env,
    { concurrency: 4, gpus: 'none', once: true, log: (l) => log.push(l) },
    new AbortController().signal,
  );
  return log;
}

const query = async (text: string, params: unknown[]) =>
  (await platform.database.pool.query(text, params)).rows;

describe('the runner', () => {
  it('runs a prototype submission over HTTP to the reference server: exactly the in-process baseline’s answers', async () => {
    const server = await startReferenceServer({
      port: 0,
      familiarOf: familiarFromPairs(platform.dataset.manifest.pairs),
    });
    try {
      const { submissionId, episodes, jobs } = await submit('proto-http', 'openai', {
        endpoint: server.url,
        model: 'prototype',
      });
      expect(jobs).toBeGreaterThan(1);
      await drain();
      const [sub] = await query('SELECT status, provenance FROM submissions WHERE id = $1', [
        submissionId,
      ]);
      expect(sub.status).toBe('done');
      expect(sub.provenance).toMatchObject({
        adapter: 'openai',
        model: 'prototype',
        benchmark: { manifestHash: platform.dataset.manifest.manifestHash },
      });
      expect(JSON.stringify(sub.provenance)).not.toMatch(/secret|api_?key/i);
      const rows = await query(
        'SELECT episode_id, raw_answer, error_class FROM results WHERE submission_id = $1',
        [submissionId],
      );
      expect(rows).toHaveLength(episodes);
      const local = builtinAdapter(
        'prototype',
        new ImageEncoder(platform.dataset.store, platform.dataset.manifest),
        familiarFromPairs(platform.dataset.manifest.pairs),
      );
      const byId = new Map(rows.map((r) => [r.episode_id, r.raw_answer]));
      for (const episode of buildEpisodes(indexBenchmark(platform.dataset.manifest), spec)) {
        expect(byId.get(episode.id), episode.id).toBe((await local.answer(episode)).answer);
      }
      const scores = await query(
        'SELECT sum(n)::int AS n FROM submission_scores WHERE submission_id = $1 AND scorer = $2',
        [submissionId, 'official'],
      );
      expect(scores[0].n).toBe(episodes);
    } finally {
      await server.close();
    }
  });

  it('recovers every fault of a server that fails 30% of requests', async () => {
    const server = await startReferenceServer({
      port: 0,
      faults: 0.3,
      stallMs: 3000,
      familiarOf: () => undefined,
    });
    try {
      const { submissionId, episodes } = await submit('random-faulty', 'openai', {
        endpoint: server.url,
        model: 'random',
        timeoutMs: 500,
        retries: 12,
      });
      await drain();
      const [sub] = await query('SELECT status FROM submissions WHERE id = $1', [submissionId]);
      expect(sub.status).toBe('done');
      const [counts] = await query(
        'SELECT count(*)::int AS n, count(error_class)::int AS errors FROM results WHERE submission_id = $1',
        [submissionId],
      );
      expect(counts).toEqual({ n: episodes, errors: 0 });
    } finally {
      await server.close();
    }
  }, 60_000);

  it('fails the job of a server that fails everything, and shows the error class', async () => {
    const server = await startReferenceServer({
      port: 0,
      faults: 1,
      stallMs: 100,
      familiarOf: () => undefined,
    });
    try {
      const { submissionId } = await submit(
        'random-dead',
        'openai',
        { endpoint: server.url, model: 'random', timeoutMs: 300, retries: 1 },
        1,
      );
      const log = await drain();
      const [sub] = await query('SELECT status, last_error FROM submissions WHERE id = $1', [
        submissionId,
      ]);
      expect(sub.status).toBe('failed');
      expect(sub.last_error).toMatch(/^(rate-limited|server-error|timeout): preflight: /);
      // Passing trouble (5xx, timeouts) at the preflight is retried like any attempt, never sent on.
      expect(log.join('\n')).toMatch(
        /preflight: a request with \d+ images .* got (server-error|timeout)/,
      );
      const [{ n }] = await query(
        'SELECT count(*)::int AS n FROM results WHERE submission_id = $1',
        [submissionId],
      );
      expect(n).toBe(0);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('refuses a private endpoint without the operator’s permission, failing the job at once', async () => {
    const strict = {
      ...platform.env,
      endpoints: { ...platform.env.endpoints, allowPrivate: false },
    };
    const { submissionId } = await submit('private', 'openai', {
      endpoint: 'http://169.254.169.254/v1',
      model: 'x',
    });
    await runRunner(
      platform.database,
      strict,
      { concurrency: 1, gpus: 'none', once: true, log: () => {} },
      new AbortController().signal,
    );
    const [sub] = await query('SELECT status, last_error FROM submissions WHERE id = $1', [
      submissionId,
    ]);
    expect(sub).toMatchObject({ status: 'failed' });
    expect(sub.last_error).toMatch(
      /^endpoint-refused: endpoint 169\.254\.169\.254 resolves to 169\.254\.169\.254 \(linkLocal\)/,
    );
  });

  it('scores uploaded predictions, missing ones as errors', async () => {
    const episodes = [...buildEpisodes(indexBenchmark(platform.dataset.manifest), spec)];
    const answers = Object.fromEntries(
      episodes.slice(1).map((e) => [e.id, `there is "${e.query.label}" in the image.`]),
    );
    const { submissionId } = await submit('uploaded', 'predictions', { answers });
    await drain();
    const rows = await query(
      `SELECT r.error_class, v.outcome AS official_outcome, count(*)::int AS n
       FROM results r JOIN verdicts v USING (submission_id, episode_id)
       WHERE r.submission_id = $1 AND v.scorer = 'official' GROUP BY 1, 2 ORDER BY 1`,
      [submissionId],
    );
    expect(rows).toEqual([
      { error_class: 'missing-prediction', official_outcome: 'error', n: 1 },
      { error_class: null, official_outcome: 'correct', n: episodes.length - 1 },
    ]);
  });

  it('scores by every registered scorer, a third one added to the registry included', async () => {
    const unregister = registerScorer({
      name: 'shouted',
      version: 4,
      description: 'the label in capitals',
      score: (answer, label) =>
        answer?.includes(label.toUpperCase())
          ? { correct: true, outcome: 'correct', rule: 'capitals' }
          : { correct: false, outcome: 'neither', rule: 'no-capitals' },
    });
    try {
      const episodes = [...buildEpisodes(indexBenchmark(platform.dataset.manifest), spec)];
      const answers = Object.fromEntries(
        episodes.map((e, i) => [e.id, i % 2 ? e.query.label.toUpperCase() : e.query.label]),
      );
      const { submissionId } = await submit('shouting', 'predictions', { answers });
      await drain();
      const verdicts = await query(
        `SELECT scorer, scorer_version AS version, count(*) FILTER (WHERE outcome = 'correct')::int AS correct
         FROM verdicts WHERE submission_id = $1 GROUP BY 1, 2 ORDER BY 1`,
        [submissionId],
      );
      const half = Math.floor(episodes.length / 2);
      expect(verdicts).toEqual([
        // "LABEL" is not the lower-cased label's substring: official counts the lower half only.
        { scorer: 'official', version: 2, correct: episodes.length - half },
        { scorer: 'shouted', version: 4, correct: half },
        { scorer: 'strict', version: 2, correct: episodes.length },
      ]);
      const [sub] = await query('SELECT provenance FROM submissions WHERE id = $1', [submissionId]);
      expect(sub.provenance.scorers).toEqual({ official: 2, strict: 2, shouted: 4 });
      const [summary] = await query(
        `SELECT n, correct FROM submission_summaries WHERE submission_id = $1 AND scorer = 'shouted'`,
        [submissionId],
      );
      expect(summary).toEqual({ n: episodes.length, correct: half });
    } finally {
      unregister();
    }
  });

  it('fails for good, naming the submission and the field, a job whose adapter config does not parse', async () => {
    const { submissionId } = await submit('garbled', 'builtin', { name: 'random' });
    // A row written before configs were typed, or by hand: the job cannot run on any attempt.
    await query(`UPDATE submissions SET adapter_config = '{"name": 5}' WHERE id = $1`, [
      submissionId,
    ]);
    await drain();
    // Two slots may each claim one of its jobs; whichever fails first fails the submission and
    // cancels the rest. No job is tried twice.
    const jobs = await query(
      'SELECT status, attempts, error_class, last_error FROM jobs WHERE submission_id = $1 ORDER BY id',
      [submissionId],
    );
    const failed = jobs.filter((j) => j.status === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(1);
    for (const job of failed) {
      expect(job).toMatchObject({ attempts: 1, error_class: 'bad-config' });
      expect(job.last_error).toBe(
        `submission ${submissionId}'s adapter config: field name: Invalid input: expected string, received number`,
      );
    }
    expect(jobs.filter((j) => j.status !== 'failed' && j.status !== 'cancelled')).toEqual([]);
    expect(jobs.every((j) => j.attempts <= 1)).toBe(true);
    const [sub] = await query('SELECT status FROM submissions WHERE id = $1', [submissionId]);
    expect(sub.status).toBe('failed');
  });

  it('stopping while the database goes away: one line, no stack trace, the job left to resume', async () => {
    const server = await startReferenceServer({
      port: 0,
      latencyMs: 200,
      familiarOf: familiarFromPairs(platform.dataset.manifest.pairs),
    });
    // The runner's own pool, closed under it the moment it claims work (as Ctrl-C closes the
    // embedded PostgreSQL while the runner is still finishing).
    const own = connect(platform.database.pool.options.connectionString as string, { max: 4 });
    const stop = new AbortController();
    const log: string[] = [];
    try {
      const { submissionId } = await submit('proto-stopping', 'openai', {
        endpoint: server.url,
        model: 'prototype',
      });
      await runRunner(
        { ...own, where: 'test', shutdown: () => own.close() },
        platform.env,
        {
          concurrency: 4,
          gpus: 'none',
          log: (line) => log.push(line),
          onJob: ({ state }) => {
            if (state !== 'claimed') return;
            stop.abort();
            void own.close();
          },
        },
        stop.signal,
      );
      expect(log.join('\n')).toMatch(
        /stopped before its last write .* resumes when its lease expires/,
      );
      expect(log.join('\n')).not.toMatch(/^\s+at /m);
      const jobs = await query(
        'SELECT status, attempts, last_error FROM jobs WHERE submission_id = $1',
        [submissionId],
      );
      expect(jobs.filter((j) => j.status === 'failed' || j.last_error !== null)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('gives another submitter and an upload their turn while one submitter’s endless streams hold slots', async () => {
    // An endpoint that answers 200 and then streams forever: each request holds its job.
    const endless = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const tick = setInterval(() => res.write(': still thinking\n\n'), 100);
      req.socket.on('close', () => clearInterval(tick));
    });
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
    const slowUrl = `http://127.0.0.1:${(endless.address() as AddressInfo).port}/v1`;
    const reference = await startReferenceServer({ port: 0, familiarOf: () => undefined });
    const db = platform.database.db;
    await db.insert(users).values(
      ['slow', 'small', 'uploader'].map((who) => ({
        id: `user-${who}`,
        name: who,
        email: `${who}@example.com`,
      })),
    );
    const create = async (
      name: string,
      owner: string,
      adapter: 'openai' | 'predictions',
      adapterConfig: Record<string, unknown>,
    ) =>
      (
        await createSubmission(db, {
          modelId: await registerModel(db, { name, ownerId: owner }),
          benchmarkVersionId: platform.benchmarkVersionId,
          ...typed(adapter, adapterConfig),
          shots: [2],
          policies: ['lcl'],
          ownerId: owner,
        })
      ).submissionId;
    // More slow submissions than the runner has job slots, queued first. The slots start
    // together, so they claim at the same moment: the share must hold even then.
    const slots = 3;
    const slow = [];
    for (let i = 0; i < slots + 1; i++)
      slow.push(
        await create(`endless-${i}`, 'user-slow', 'openai', {
          endpoint: slowUrl,
          model: 'm',
          timeoutMs: 600_000,
          retries: 0,
        }),
      );
    const small = await create('small-one', 'user-small', 'openai', {
      endpoint: reference.url,
      model: 'random',
    });
    const episodes = [
      ...buildEpisodes(indexBenchmark(platform.dataset.manifest), {
        shots: [2],
        policies: ['lcl'],
        draws: 1,
      }),
    ];
    const upload = await create('uploaded-one', 'user-uploader', 'predictions', {
      answers: Object.fromEntries(episodes.map((e) => [e.id, e.query.label])),
    });

    const stop = new AbortController();
    const running = runRunner(
      platform.database,
      platform.env,
      { concurrency: 2, jobs: slots, gpus: 'none', stopDeadlineMs: 200, log: () => {} },
      stop.signal,
    );
    const status = async (id: number) =>
      (await query('SELECT status FROM submissions WHERE id = $1', [id]))[0].status as string;
    try {
      for (let i = 0; i < 300; i++) {
        if ((await status(small)) === 'done' && (await status(upload)) === 'done') break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(await status(small)).toBe('done');
      expect(await status(upload)).toBe('done');
      // ...while the slow submissions are still being worked, in all slots but one.
      const slowJobs = await query(
        `SELECT status FROM jobs WHERE submission_id = ANY($1) ORDER BY id`,
        [slow],
      );
      expect(slowJobs.filter((j) => j.status === 'done')).toEqual([]);
      expect(slowJobs.filter((j) => j.status === 'running')).toHaveLength(slots - 1);
    } finally {
      stop.abort();
      await running;
      for (const id of slow) await cancelSubmission(db, id);
      endless.closeAllConnections();
      endless.close();
      await reference.close();
    }
  }, 90_000);

  it('stops an attempt at its wall-clock limit, keeps its answers and queues the job again', async () => {
    // Answers the first three requests (the preflight and two episodes), then streams forever:
    // the limit, not an error, ends it.
    let answered = 0;
    const stalls = createServer((req, res) => {
      if (answered++ < 3) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(
          JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'a guess' } }] }),
        );
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const tick = setInterval(() => res.write(': still thinking\n\n'), 100);
      req.socket.on('close', () => clearInterval(tick));
    });
    await new Promise<void>((resolve) => stalls.listen(0, '127.0.0.1', resolve));
    try {
      const { submissionId } = await createSubmission(platform.database.db, {
        model: { name: 'slow-after-two' },
        benchmarkVersionId: platform.benchmarkVersionId,
        adapterConfig: {
          adapter: 'openai',
          endpoint: `http://127.0.0.1:${(stalls.address() as AddressInfo).port}/v1`,
          model: 'm',
          timeoutMs: 600_000,
          retries: 0,
        },
        shots: [2],
        policies: ['lcl'],
      });
      const log: string[] = [];
      await runRunner(
        platform.database,
        platform.env,
        {
          concurrency: 1,
          gpus: 'none',
          once: true,
          attemptLimitMs: 1_500,
          log: (l) => log.push(l),
        },
        new AbortController().signal,
      );
      const [job] = await query(
        'SELECT status, error_class, last_error, attempts FROM jobs WHERE submission_id = $1',
        [submissionId],
      );
      // Queued again after each attempt (a slot busy for longer than the backoff may let the
      // runner take a second attempt, which stops at the limit too).
      expect(job).toMatchObject({ status: 'queued', error_class: 'attempt-time-limit' });
      expect(job.last_error).toMatch(/ran past 2 s; its \d+ answers are kept/);
      const [kept] = await query(
        'SELECT count(*)::int AS n FROM results WHERE submission_id = $1',
        [submissionId],
      );
      expect(kept.n).toBe(2);
      expect(log.join('\n')).toMatch(/stopped at the attempt time limit; will resume/);
      await cancelSubmission(platform.database.db, submissionId);
    } finally {
      stalls.closeAllConnections();
      stalls.close();
    }
  }, 60_000);
});
