import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAdapterConfig } from '@linkboard/core';
import { createSubmission, registerModel } from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRunner } from '../../src/worker/runner';
import { testPlatform } from '../helpers';

let platform: Awaited<ReturnType<typeof testPlatform>>;
/** Every request body the endpoint received, parsed. */
const seen: Record<string, unknown>[] = [];
let endpoint: string;
let server: ReturnType<typeof createServer>;

const ANSWER = 'there is "x" in the image.';

beforeAll(async () => {
  platform = await testPlatform();
  // A real OpenAI-compatible endpoint that thinks out loud: every reply carries reasoning.
  server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    seen.push(JSON.parse(body));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        choices: [
          {
            message: {
              role: 'assistant',
              content: ANSWER,
              reasoning_content: 'Thinking it over: "y", perhaps?',
            },
            finish_reason: 'stop',
          },
        ],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await platform.shutdown();
});

async function runSubmission(name: string, config: Record<string, unknown>) {
  seen.length = 0;
  const modelId = await registerModel(platform.database.db, { name });
  const created = await createSubmission(platform.database.db, {
    modelId,
    benchmarkVersionId: platform.benchmarkVersionId,
    // As it is stored: a config without generation settings reads back with the defaults.
    adapterConfig: parseAdapterConfig({ adapter: 'openai', endpoint, model: 'thinker', ...config }),
    shots: [2],
    policies: ['lcl'],
    shardSize: 3,
  });
  await runRunner(
    platform.database,
    platform.env,
    { concurrency: 2, gpus: 'none', once: true, log: () => {} },
    new AbortController().signal,
  );
  const { rows } = await platform.database.pool.query(
    'SELECT status, provenance FROM submissions WHERE id = $1',
    [created.submissionId],
  );
  const results = await platform.database.pool.query(
    'SELECT raw_answer FROM results WHERE submission_id = $1',
    [created.submissionId],
  );
  return { ...created, ...rows[0], answers: results.rows.map((r) => r.raw_answer as string) };
}

describe('generation settings through a runner job', () => {
  it('sends the official settings by default, records them, and counts replies with reasoning', async () => {
    const run = await runSubmission('default-settings', {});
    expect(run.status).toBe('done');
    // Every episode, and the preflight before them, with the same settings.
    expect(seen).toHaveLength(run.episodes + 1);
    for (const body of seen) {
      expect(body).toMatchObject({ model: 'thinker', temperature: 0, max_tokens: 1024 });
      expect(body).not.toHaveProperty('max_completion_tokens');
    }
    expect(run.provenance).toMatchObject({
      generation: { maxTokens: 1024, temperature: 0, tokenLimitField: 'max_tokens' },
      maxImageSide: null,
      reasoningAnswers: run.episodes,
    });
    // Only the content is stored and scored, never the reasoning.
    expect(run.answers).toHaveLength(run.episodes);
    expect(new Set(run.answers)).toEqual(new Set([ANSWER]));
  });

  it('sends the submission’s settings, the limit as max_completion_tokens when chosen', async () => {
    const run = await runSubmission('own-settings', {
      maxTokens: 4096,
      temperature: 0.5,
      tokenLimitField: 'max_completion_tokens',
      maxImageSide: 64,
    });
    expect(run.status).toBe('done');
    // Every episode, and the preflight before them, with the same settings.
    expect(seen).toHaveLength(run.episodes + 1);
    for (const body of seen) {
      expect(body).toMatchObject({ temperature: 0.5, max_completion_tokens: 4096 });
      expect(body).not.toHaveProperty('max_tokens');
    }
    expect(run.provenance).toMatchObject({
      generation: { maxTokens: 4096, temperature: 0.5, tokenLimitField: 'max_completion_tokens' },
      maxImageSide: 64,
      reasoningAnswers: run.episodes,
    });
  });
});
