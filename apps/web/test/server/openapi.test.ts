import { existsSync } from 'node:fs';
import path from 'node:path';
import { RUNNER_API, SITE_API } from '@linkboard/core';
import { validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { GET } from '../../src/app/api/openapi.json/route';

const APP = path.resolve(import.meta.dirname, '../../src/app');

describe('/api/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document of every v1 route, each of which exists', async () => {
    const response = GET();
    expect(response.status).toBe(200);
    const document = await response.json();
    const result = await validate(structuredClone(document));
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(document.openapi).toBe('3.1.0');

    const paths = Object.keys(document.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        SITE_API.benchmarks,
        SITE_API.leaderboard,
        SITE_API.submissions,
        `${SITE_API.submissions}/{id}`,
        `${SITE_API.submissions}/{id}/answers.jsonl`,
        RUNNER_API.claim,
        RUNNER_API.wait,
        `${RUNNER_API.base}/jobs/{jobId}/results`,
      ]),
    );
    // Every documented route is served: a route file for it, or the runner API's catch-all.
    for (const route of paths) {
      const folder = route.startsWith(RUNNER_API.base)
        ? path.join(APP, 'api/v1/runner/[...path]')
        : path.join(APP, route.replace(/\{(\w+)\}/g, '[$1]'));
      expect(existsSync(path.join(folder, 'route.ts')), route).toBe(true);
    }
    // Made from the schemas the routes validate with: a field the site takes is described. A
    // version is named `name@version`; the deprecated database id is said to be so, not described.
    expect(document.components.schemas.CreateSubmissionBody.properties.benchmark).toMatchObject({
      type: 'string',
      examples: ['isekai-synth@3.1'],
    });
    for (const route of [SITE_API.submissions, SITE_API.estimate])
      expect(document.paths[route].post.description, route).toMatch(
        /Deprecated, accepted until the next release: `benchmarkVersionId`/,
      );
    // The download's lines are described by the schema its clients parse them with.
    expect(
      document.paths[`${SITE_API.submissions}/{id}/answers.jsonl`].get.responses[200].content,
    ).toEqual({ 'application/x-ndjson': { schema: { $ref: '#/components/schemas/AnswerLine' } } });
    expect(document.components.schemas.AnswerLine.required).toContain('verdicts');
    // The webhook: the field that asks for one, the secret answered once, and what is sent.
    expect(document.components.schemas.CreateSubmissionBody.properties.webhook).toMatchObject({
      type: 'string',
    });
    expect(document.components.schemas.SubmissionCreated.properties.webhookSecret).toBeDefined();
    const hook = document.webhooks.submissionFinal.post;
    expect(hook.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/WebhookPayload',
    });
    // Standard Webhooks' headers; linkboard's own are deprecated, sent for one release.
    expect(
      hook.parameters
        .filter((p: { deprecated?: boolean }) => !p.deprecated)
        .map((p: { name: string }) => p.name),
    ).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
    expect(
      hook.parameters
        .filter((p: { deprecated?: boolean }) => p.deprecated)
        .map((p: { name: string }) => p.name),
    ).toEqual([
      'x-linkboard-signature',
      'x-linkboard-timestamp',
      'x-linkboard-delivery',
      'x-linkboard-event',
    ]);
    expect(Object.keys(document.components.schemas.WebhookPayload.properties)).toEqual(
      expect.arrayContaining(['submission_id', 'status', 'benchmark', 'model', 'accuracy', 'url']),
    );
    // The model card, as the submit form, the CLI and the API take it (core's ModelCardSchema).
    const body = document.components.schemas.CreateSubmissionBody.properties;
    expect(body.paramsB).toMatchObject({ type: 'number', maximum: 100_000 });
    expect(body.weights).toMatchObject({ enum: ['open', 'closed'] });
    for (const field of ['licence', 'baseModel', 'modelUrl', 'revision', 'organisation'])
      expect(body[field], field).toMatchObject({ type: 'string' });
    const row = document.components.schemas.LeaderboardReply.properties.rows.items.properties;
    for (const field of ['params_b', 'weights', 'licence', 'base_model', 'model_url', 'revision'])
      expect(row[field], field).toBeDefined();
    // The board's query parameters are made from its query schema, filters included.
    const parameters = document.paths[SITE_API.leaderboard].get.parameters as {
      name: string;
      required?: boolean;
      schema: Record<string, unknown>;
    }[];
    const byName = Object.fromEntries(parameters.map((p) => [p.name, p]));
    expect(Object.keys(byName)).toEqual([
      'benchmark',
      'policy',
      'scorer',
      'self_reported',
      'params_min',
      'params_max',
      'weights',
      'organisation',
    ]);
    expect(byName.benchmark?.required).toBe(true);
    expect(byName.benchmark?.schema).toMatchObject({ type: 'string' });
    expect(byName.params_min?.schema).toMatchObject({ type: 'number', minimum: 0 });
    expect(byName.weights?.schema).toMatchObject({ enum: ['open', 'closed'] });
  });
});
