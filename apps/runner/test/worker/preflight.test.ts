import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { costOf, parseAdapterConfig } from '@linkboard/core';
import { createSubmission, registerModel } from '@linkboard/db';
import { estimate } from '@linkboard/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { familiarFromPairs } from '../../src/adapters/builtin';
import { SYSTEM_FINGERPRINT, startReferenceServer } from '../../src/server/reference-server';
import { runRunner } from '../../src/worker/runner';
import { testPlatform } from '../helpers';

let platform: Awaited<ReturnType<typeof testPlatform>>;
beforeAll(async () => {
  platform = await testPlatform();
});
afterAll(() => platform.shutdown());

const query = async (text: string, params: unknown[]) =>
  (await platform.database.pool.query(text, params)).rows;

async function submitTo(
  name: string,
  endpoint: string,
  options: {
    shots?: number[];
    prices?: { inputUsdPerMTok: number; outputUsdPerMTok: number };
    maxCostUsd?: number;
    model?: string;
  } = {},
) {
  return createSubmission(platform.database.db, {
    modelId: await registerModel(platform.database.db, { name }),
    benchmarkVersionId: platform.benchmarkVersionId,
    adapterConfig: parseAdapterConfig({
      adapter: 'openai',
      endpoint,
      model: options.model ?? 'prototype',
      timeoutMs: 5_000,
    }),
    shots: options.shots ?? [2, 4],
    policies: ['lcl'],
    draws: 2,
    shardSize: 10,
    maxAttempts: 3,
    prices: options.prices,
    maxCostUsd: options.maxCostUsd,
  });
}

async function drain(options: { concurrency?: number; jobs?: number } = {}) {
  const log: string[] = [];
  await runRunner(
    platform.database,
    platform.env,
    {
      concurrency: options.concurrency ?? 4,
      jobs: options.jobs,
      gpus: 'none',
      once: true,
      log: (l) => log.push(l),
    },
    new AbortController().signal,
  );
  return log;
}

/** A chat endpoint made of a handler, on a free loopback port; it counts the images it is sent. */
async function endpointOf(
  handle: (req: IncomingMessage, res: ServerResponse, request: { images: number }) => void,
) {
  const seen: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const images = (text.match(/"type":"image_url"/g) ?? []).length;
      seen.push(images);
      handle(req, res, { images });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const reply = (res: ServerResponse, content: string) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      model: 'served-model',
      system_fingerprint: 'fp_test',
      choices: [{ message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 100, completion_tokens: 2 },
    }),
  );
};

const outcome = async (submissionId: number) => {
  const [sub] = await query(
    `SELECT status, last_error, preflight, served_by, extract(epoch FROM finished_at - started_at) AS seconds,
            (SELECT count(*)::int FROM results r WHERE r.submission_id = s.id) AS results
     FROM submissions s WHERE id = $1`,
    [submissionId],
  );
  return sub;
};

describe('the preflight', () => {
  it('fails a run whose endpoint takes one image per prompt, in its own words, before any episode', async () => {
    // vLLM started without a multi-image limit answers a request of several images so.
    const vllm = await endpointOf((_req, res, { images }) => {
      if (images > 1) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            object: 'error',
            message: `At most 1 image(s) may be provided in one request. You provided ${images}.`,
            type: 'BadRequestError',
          }),
        );
      } else reply(res, 'a guess');
    });
    try {
      const { submissionId } = await submitTo('one-image-vllm', vllm.url, { shots: [2, 8] });
      const log = await drain();
      const sub = await outcome(submissionId);
      expect(sub.status).toBe('failed');
      expect(sub.last_error).toMatch(
        /^preflight-failed: a request with 9 images \(the run's largest episode: 8 shots and the query\) got client-error: HTTP 400: At most 1 image\(s\) may be provided in one request\. You provided 9\./,
      );
      // One request (the preflight, 8 shots and the query), not retried, and no episode sent.
      expect(vllm.seen).toEqual([9]);
      expect(sub.results).toBe(0);
      expect(sub.preflight).toBeNull();
      expect(log.join('\n')).toMatch(/preflight: one request with 9 images/);
    } finally {
      await vllm.close();
    }
  }, 60_000);

  it('fails a dead port within a minute, naming the refused connection', async () => {
    const gone = await endpointOf(() => {});
    await gone.close();
    const { submissionId } = await submitTo('dead-port', gone.url);
    await drain();
    const sub = await outcome(submissionId);
    expect(sub.status).toBe('failed');
    expect(sub.last_error).toMatch(
      /^preflight-failed: .* got network: connection failed \(connect ECONNREFUSED/,
    );
    expect(sub.results).toBe(0);
    // The preflight's retries (3, backoff capped at 5 s) bound it to seconds.
    expect(Number(sub.seconds)).toBeLessThan(60);
  }, 90_000);

  it('fails an endpoint that answers HTML within a minute, saying it is not JSON', async () => {
    const html = await endpointOf((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><html><body>Welcome to nginx!</body></html>');
    });
    try {
      const { submissionId } = await submitTo('html-endpoint', html.url);
      await drain();
      const sub = await outcome(submissionId);
      expect(sub.status).toBe('failed');
      expect(sub.last_error).toMatch(
        /^preflight-failed: .* got bad-response: the reply is not valid JSON/,
      );
      expect(sub.results).toBe(0);
      expect(Number(sub.seconds)).toBeLessThan(60);
      // Retried as an unreadable reply may be, a few times, never on an episode.
      expect(html.seen.length).toBe(4);
    } finally {
      await html.close();
    }
  }, 90_000);

  it('shows `preflight` while it is sent, then runs, keeping its facts and what answered', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let first = true;
    const slow = await endpointOf((_req, res) => {
      if (first) {
        first = false;
        void held.then(() => reply(res, 'preflight-alpha'));
      } else reply(res, 'a guess');
    });
    try {
      const { submissionId, episodes } = await submitTo('held-preflight', slow.url);
      const running = drain();
      let seen = '';
      for (let i = 0; i < 200 && seen !== 'preflight'; i++) {
        seen = (await outcome(submissionId)).status;
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(seen).toBe('preflight');
      release();
      await running;
      const sub = await outcome(submissionId);
      expect(sub.status).toBe('done');
      expect(sub.results).toBe(episodes);
      expect(slow.seen[0]).toBe(5);
      expect(sub.preflight).toMatchObject({
        images: 5,
        promptTokens: 100,
        model: 'served-model',
        fingerprint: 'fp_test',
      });
      expect(sub.served_by).toEqual({
        models: [{ name: 'served-model', answers: episodes }],
        fingerprints: [{ name: 'fp_test', answers: episodes }],
        engine: null,
      });
    } finally {
      release();
      await slow.close();
    }
  }, 60_000);

  it('stops a run whose answers all fail one systematic way after the preflight passed', async () => {
    let answered = 0;
    const breaks = await endpointOf((_req, res) => {
      if (answered++ === 0) return reply(res, 'ok');
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html>Not Found</html>');
    });
    try {
      const { submissionId } = await submitTo('breaks-after-preflight', breaks.url);
      const log = await drain();
      const sub = await outcome(submissionId);
      expect(sub.status).toBe('failed');
      expect(sub.last_error).toMatch(
        /^endpoint-failing: its first \d+ requests all failed with client-error: HTTP 404/,
      );
      expect(log.join('\n')).toMatch(/every episode failed \(endpoint-failing\); failed/);
    } finally {
      await breaks.close();
    }
  }, 60_000);
});

describe('cost', () => {
  const prices = { inputUsdPerMTok: 2.5, outputUsdPerMTok: 10 };

  it('estimates within 20% of what the run then used, and costs it at the stated prices', async () => {
    const server = await startReferenceServer({
      port: 0,
      familiarOf: familiarFromPairs(platform.dataset.manifest.pairs),
    });
    try {
      const request = {
        kind: 'endpoint' as const,
        name: 'estimated-prototype',
        endpoint: server.url,
        model: 'prototype',
        benchmarkVersionId: platform.benchmarkVersionId,
        ranked: false,
        shots: [2, 4],
        policies: ['lcl' as const],
        draws: 2,
        scorer: 'strict',
        private: false,
        ...prices,
      };
      const estimated = await estimate(
        platform.database.db,
        platform.env.platform,
        { kind: 'operator' },
        request,
      );
      const { submissionId, episodes } = await submitTo('estimated-prototype', server.url, {
        prices,
      });
      expect(estimated.episodes).toBe(episodes);
      await drain();
      const [used] = await query(
        `SELECT sum(prompt_tokens)::int AS prompt, sum(completion_tokens)::int AS completion
         FROM results WHERE submission_id = $1`,
        [submissionId],
      );
      expect((await outcome(submissionId)).status).toBe('done');
      const ratio = estimated.promptTokens / used.prompt;
      console.log(
        `estimate ${estimated.promptTokens} prompt tokens, used ${used.prompt} (${ratio.toFixed(3)}×); cost $${estimated.costUsd?.toFixed(4)} estimated, $${costOf({ promptTokens: used.prompt, completionTokens: used.completion }, prices)?.toFixed(4)} spent`,
      );
      expect(ratio).toBeGreaterThan(0.8);
      expect(ratio).toBeLessThan(1.2);
      const spent = costOf(
        { promptTokens: used.prompt, completionTokens: used.completion },
        prices,
      );
      expect((estimated.costUsd as number) / (spent as number)).toBeGreaterThan(0.8);
      expect((estimated.costUsd as number) / (spent as number)).toBeLessThan(1.2);
      // What answered: the reference server names itself in every reply.
      // The model is called `prototype`: a name, never a property of what holds it.
      expect((await outcome(submissionId)).served_by).toEqual({
        models: [{ name: 'prototype', answers: episodes }],
        fingerprints: [{ name: SYSTEM_FINGERPRINT, answers: episodes }],
        engine: null,
      });
    } finally {
      await server.close();
    }
  }, 120_000);

  it('stops a run at its cost cap, keeping what it answered', async () => {
    const server = await startReferenceServer({
      port: 0,
      familiarOf: familiarFromPairs(platform.dataset.manifest.pairs),
    });
    try {
      // A cap at about a third of the run's cost (each answer costs about the same).
      const probe = await submitTo('cap-measure', server.url, { prices });
      await drain();
      const [whole] = await query(
        `SELECT sum(prompt_tokens)::int AS prompt, sum(completion_tokens)::int AS completion, count(*)::int AS n
         FROM results WHERE submission_id = $1`,
        [probe.submissionId],
      );
      const wholeCost = costOf(
        { promptTokens: whole.prompt, completionTokens: whole.completion },
        prices,
      ) as number;
      const cap = wholeCost / 3;
      const { submissionId, episodes } = await submitTo('capped', server.url, {
        prices,
        maxCostUsd: cap,
      });
      await drain({ concurrency: 2 });
      const sub = await outcome(submissionId);
      const [used] = await query(
        `SELECT sum(prompt_tokens)::int AS prompt, sum(completion_tokens)::int AS completion, count(*)::int AS n
         FROM results WHERE submission_id = $1`,
        [submissionId],
      );
      const spent = costOf(
        { promptTokens: used.prompt, completionTokens: used.completion },
        prices,
      ) as number;
      expect(sub.status).toBe('failed');
      expect(sub.last_error).toMatch(
        /^cost-cap: stopped at its cost cap of \$[\d.]+: \$[\d.]+ spent/,
      );
      expect(used.n).toBeLessThan(episodes);
      expect(spent).toBeGreaterThanOrEqual(cap);
      // Checked before each request: at most what was in flight (2) lands past the cap.
      const perAnswer = wholeCost / whole.n;
      expect(spent).toBeLessThan(cap + 3 * perAnswer);
    } finally {
      await server.close();
    }
  }, 120_000);
});
