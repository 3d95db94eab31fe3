import { parseAdapterConfig } from '@linkboard/core';
import { createSubmission, encryptSecret, loadSecretKey, registerModel } from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRunner } from '../../src/worker/runner';
import { testPlatform } from '../helpers';
import { anthropic, gemini, providerServer } from '../provider-apis';

let platform: Awaited<ReturnType<typeof testPlatform>>;
beforeAll(async () => {
  platform = await testPlatform();
});
afterAll(async () => {
  await platform.shutdown();
});

/**
 * One whole submission through a runner job, as a site or `submit` would queue it: the key stored
 * encrypted, the runner decrypting it, pinning the endpoint, and speaking the provider's API.
 */
async function runSubmission(name: string, config: Record<string, unknown>) {
  const { db, pool } = platform.database;
  const key = await loadSecretKey({ dataDir: platform.env.dataDir });
  const modelId = await registerModel(db, { name });
  const created = await createSubmission(db, {
    modelId,
    benchmarkVersionId: platform.benchmarkVersionId,
    adapterConfig: parseAdapterConfig(config),
    secret: encryptSecret(key, 'test-key'),
    shots: [2, 4],
    policies: ['lcl', 'icl'],
    shardSize: 5,
  });
  await runRunner(
    platform.database,
    platform.env,
    { concurrency: 2, gpus: 'none', once: true, log: () => {} },
    new AbortController().signal,
  );
  const { rows } = await pool.query(
    'SELECT status, adapter, provenance, last_error FROM submissions WHERE id = $1',
    [created.submissionId],
  );
  const results = await pool.query(
    `SELECT raw_answer, error_class, prompt_tokens, completion_tokens
       FROM results WHERE submission_id = $1`,
    [created.submissionId],
  );
  return { ...created, ...rows[0], results: results.rows };
}

describe.each([
  ['anthropic', anthropic, 'claude-test'],
  ['gemini', gemini, 'gemini-test'],
] as const)('a %s submission through a runner', (provider, replies, model) => {
  it('runs every episode through the provider’s API and stores its answers, tokens and facts', async () => {
    // A rate limit and an overload on the way: retried, never stored as errors.
    const server = await providerServer(
      provider,
      provider === 'anthropic'
        ? [
            anthropic.error(429, 'rate_limit_error', 'slow down', { 'retry-after': '0' }),
            anthropic.error(529, 'overloaded_error', 'Overloaded'),
          ]
        : [
            gemini.error(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded', [
              { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '0s' },
            ]),
            gemini.error(503, 'UNAVAILABLE', 'overloaded'),
          ],
    );
    try {
      const run = await runSubmission(`${provider}-whole`, {
        adapter: provider,
        endpoint: server.url,
        model,
      });
      expect(run.last_error).toBeNull();
      expect(run.status).toBe('done');
      expect(run.adapter).toBe(provider);
      expect(run.results).toHaveLength(run.episodes);
      for (const result of run.results) {
        expect(result.error_class).toBeNull();
        expect(result.raw_answer).toMatch(/^there is ".+" in the image\.$/);
        expect(result.prompt_tokens).toBeGreaterThan(0);
      }
      // Every valid request was answered (the episodes and the preflight before them); two more
      // were the scripted rate limit and overload.
      expect(server.seen).toHaveLength(run.episodes + 3);
      expect(run.provenance).toMatchObject({
        adapter: provider,
        model,
        generation: {
          maxTokens: 1024,
          temperature: 0,
          tokenLimitField: provider === 'anthropic' ? 'max_tokens' : 'maxOutputTokens',
          thinkingBudget: null,
        },
      });
      expect(JSON.stringify(run.provenance)).not.toContain('test-key');
    } finally {
      await server.close();
    }
  });

  it('stores an answer lost to reasoning as reasoning-exhausted, each episode asked once', async () => {
    const exhausted = replies.thoughtOut(4096);
    // The first goes to the preflight (a reply lost to reasoning still took the request).
    const server = await providerServer(provider, [exhausted, exhausted, exhausted, exhausted]);
    try {
      const run = await runSubmission(`${provider}-thinker`, {
        adapter: provider,
        endpoint: server.url,
        model,
        maxTokens: 4096,
        temperature: null,
        thinkingBudget: 3072,
      });
      expect(run.status).toBe('done');
      expect(run.results).toHaveLength(run.episodes);
      const classes = run.results.map((r: { error_class: string | null }) => r.error_class);
      expect(classes.filter((c: string | null) => c === 'reasoning-exhausted')).toHaveLength(3);
      expect(classes.filter((c: string | null) => c === null)).toHaveLength(run.episodes - 3);
      // Not asked again: each episode once, after the preflight.
      expect(server.seen).toHaveLength(run.episodes + 1);
      expect(run.provenance).toMatchObject({
        generation: { temperature: null, thinkingBudget: 3072 },
      });
    } finally {
      await server.close();
    }
  });

  it('fails a run whose every answer is lost to reasoning, saying why (a setting to change)', async () => {
    const exhausted = replies.thoughtOut(2048);
    const server = await providerServer(provider, Array(64).fill(exhausted));
    try {
      const run = await runSubmission(`${provider}-overthinker`, {
        adapter: provider,
        endpoint: server.url,
        model,
        maxTokens: 2048,
        temperature: null,
        thinkingBudget: 1024,
      });
      expect(run.status).toBe('failed');
      expect(run.last_error).toMatch(/reasoned until its token limit .*gave no answer/);
    } finally {
      await server.close();
    }
  });
});
