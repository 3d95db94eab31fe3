import { z } from 'zod';
import { BENCHMARK_NAME_EXAMPLE } from './benchmark-name';
import { RANKED_BOARD } from './ranked-draw';
import {
  ClaimBodySchema,
  ClaimReplySchema,
  CompleteReplySchema,
  FailBodySchema,
  FailReplySchema,
  HeartbeatBodySchema,
  JobStartReplySchema,
  LeaseBodySchema,
  OkReplySchema,
  PreflightBodySchema,
  ProvenanceBodySchema,
  ResultsBodySchema,
  ResultsReplySchema,
  RUNNER_API,
  type RunnerJobStep,
  ServedByBodySchema,
  SpentReplySchema,
  WaitBodySchema,
} from './runner-api';
import {
  AnswerLineSchema,
  ApiErrorSchema,
  BenchmarkListSchema,
  CreateSubmissionBodySchema,
  DEPRECATED_WEBHOOK_HEADERS,
  LeaderboardQuerySchema,
  LeaderboardReplySchema,
  RankedBoardReplySchema,
  SITE_API,
  SubmissionCreatedSchema,
  SubmissionEstimateSchema,
  SubmissionStatusSchema,
  TraitsQuerySchema,
  TraitsReplySchema,
  WEBHOOK_HEADERS,
  WEBHOOK_STATES,
  WebhookPayloadSchema,
} from './site-api';

type Json = Record<string, unknown>;

/** A zod schema as JSON Schema (2020-12, which OpenAPI 3.1 uses), as a component. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  // Transforms and refinements have no JSON Schema: they are checked by the site, not described.
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

/**
 * A query schema's fields as OpenAPI parameters, as clients send them. A field read through a
 * preprocess (a blank filter is no filter) has no input JSON Schema: it is described by what it
 * parses to.
 */
function queryParameters(schema: z.ZodObject | z.ZodType): Json[] {
  type Described = { properties?: Record<string, Json>; required?: string[] };
  const input = jsonSchema(schema, 'input') as Described;
  const output = jsonSchema(schema, 'output') as Described;
  return Object.entries(input.properties ?? {}).map(([name, described]) => ({
    name,
    in: 'query',
    ...(input.required?.includes(name) ? { required: true } : {}),
    schema: Object.keys(described).length > 0 ? described : (output.properties?.[name] ?? {}),
  }));
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * What a board read says of the older way to name a version, kept for one release: a separate
 * `version` beside a `benchmark` that names none is read as `benchmark=name@version`.
 */
const BOARD_NAMING = `The benchmark version is named name@version in \`benchmark\` (${BENCHMARK_NAME_EXAMPLE}); the name alone is its newest public version. Deprecated, accepted until the next release: a separate \`version\` beside a \`benchmark\` that names none.`;

/** What a submission body says of the older way to name a version, kept for one release. */
const SUBMISSION_NAMING = `The benchmark version is named name@version in \`benchmark\` (${BENCHMARK_NAME_EXAMPLE}). Deprecated, accepted until the next release: \`benchmarkVersionId\`, a database id, in its place.`;
const json = (name: string) => ({ content: { 'application/json': { schema: ref(name) } } });
const refusal = (description: string) => ({ description, ...json('ApiError') });
const reply = (name: string, description = 'OK') => ({ description, ...json(name) });

/** Inputs are described as clients send them, replies as the site sends them. */
const SCHEMAS: Record<string, [z.ZodType, 'input' | 'output']> = {
  ApiError: [ApiErrorSchema, 'output'],
  BenchmarkList: [BenchmarkListSchema, 'output'],
  LeaderboardReply: [LeaderboardReplySchema, 'output'],
  TraitsReply: [TraitsReplySchema, 'output'],
  RankedBoardReply: [RankedBoardReplySchema, 'output'],
  CreateSubmissionBody: [CreateSubmissionBodySchema, 'input'],
  SubmissionCreated: [SubmissionCreatedSchema, 'output'],
  SubmissionEstimate: [SubmissionEstimateSchema, 'output'],
  SubmissionStatus: [SubmissionStatusSchema, 'output'],
  AnswerLine: [AnswerLineSchema, 'output'],
  WebhookPayload: [WebhookPayloadSchema, 'output'],
  ClaimBody: [ClaimBodySchema, 'input'],
  ClaimReply: [ClaimReplySchema, 'output'],
  WaitBody: [WaitBodySchema, 'input'],
  LeaseBody: [LeaseBodySchema, 'input'],
  HeartbeatBody: [HeartbeatBodySchema, 'input'],
  JobStartReply: [JobStartReplySchema, 'output'],
  ResultsBody: [ResultsBodySchema, 'input'],
  ResultsReply: [ResultsReplySchema, 'output'],
  ProvenanceBody: [ProvenanceBodySchema, 'input'],
  FailBody: [FailBodySchema, 'input'],
  FailReply: [FailReplySchema, 'output'],
  CompleteReply: [CompleteReplySchema, 'output'],
  OkReply: [OkReplySchema, 'output'],
  PreflightBody: [PreflightBodySchema, 'input'],
  ServedByBody: [ServedByBodySchema, 'input'],
  SpentReply: [SpentReplySchema, 'output'],
};

/** Each step of a claimed job: what it takes and what it answers. */
const JOB_STEPS: Record<RunnerJobStep, { body: string; reply: string; summary: string }> = {
  start: {
    body: 'LeaseBody',
    reply: 'JobStartReply',
    summary: "The job's submission and its answered episodes; errored ones are cleared",
  },
  heartbeat: { body: 'HeartbeatBody', reply: 'OkReply', summary: 'Renew the lease' },
  results: {
    body: 'ResultsBody',
    reply: 'ResultsReply',
    summary: 'Raw answers; the site scores them (idempotent per episode)',
  },
  provenance: { body: 'ProvenanceBody', reply: 'OkReply', summary: 'What ran the job' },
  complete: {
    body: 'LeaseBody',
    reply: 'CompleteReply',
    summary: 'Finish the job once every episode has a result',
  },
  fail: { body: 'FailBody', reply: 'FailReply', summary: 'Fail this attempt with an error class' },
  release: { body: 'LeaseBody', reply: 'OkReply', summary: 'Give the job back untouched' },
  preflight: {
    body: 'PreflightBody',
    reply: 'OkReply',
    summary: 'The run’s preflight passed: its facts; the run moves on to running',
  },
  'served-by': {
    body: 'ServedByBody',
    reply: 'OkReply',
    summary: 'What answered the job’s requests (reply models, fingerprints, engine)',
  },
  spent: {
    body: 'LeaseBody',
    reply: 'SpentReply',
    summary: 'Tokens the run’s stored answers used, for its cost cap',
  },
};

/**
 * The site's versioned HTTP API as an OpenAPI 3.1 document, made from the zod schemas the site
 * validates with and the clients parse with: it cannot describe a field the site does not take.
 */
export function siteOpenApiDocument(options: { version: string }): Json {
  const apiToken = [{ apiToken: [] }];
  const runnerToken = [{ runnerToken: [] }];
  const jobId = {
    name: 'jobId',
    in: 'path',
    required: true,
    schema: { type: 'integer', minimum: 1 },
  };
  const runnerPaths: Json = {
    [RUNNER_API.claim]: {
      post: {
        tags: ['runners'],
        summary: 'Claim a job (only jobs a runner without the database can run)',
        security: runnerToken,
        requestBody: { required: true, ...json('ClaimBody') },
        responses: {
          200: reply('ClaimReply'),
          400: refusal('Bad body'),
          401: refusal('No runner token'),
        },
      },
    },
    [RUNNER_API.wait]: {
      post: {
        tags: ['runners'],
        summary: 'Long poll until the queue announces work, or the wait is up',
        security: runnerToken,
        requestBody: { required: true, ...json('WaitBody') },
        responses: { 200: reply('OkReply'), 401: refusal('No runner token') },
      },
    },
    ...Object.fromEntries(
      Object.entries(JOB_STEPS).map(([step, spec]) => [
        `${RUNNER_API.base}/jobs/{jobId}/${step}`,
        {
          post: {
            tags: ['runners'],
            summary: spec.summary,
            security: runnerToken,
            parameters: [jobId],
            requestBody: { required: true, ...json(spec.body) },
            responses: {
              200: reply(spec.reply),
              400: refusal('Bad body, or an episode outside the job'),
              401: refusal('No runner token'),
              409: refusal('LEASE_LOST, or RESULTS_INCOMPLETE for complete'),
            },
          },
        },
      ]),
    ),
    [`${RUNNER_API.base}/benchmarks/{benchmarkVersionId}/manifest`]: {
      get: {
        tags: ['runners'],
        summary: "A benchmark version's manifest (immutable)",
        security: runnerToken,
        parameters: [{ ...jobId, name: 'benchmarkVersionId' }],
        responses: {
          200: {
            description: 'The manifest (linkboard.manifest/1)',
            content: { 'application/json': {} },
          },
          404: refusal('No such version'),
        },
      },
    },
    [`${RUNNER_API.base}/images/{sha256}`]: {
      get: {
        tags: ['runners'],
        summary: 'An image by the SHA-256 of its bytes',
        security: runnerToken,
        parameters: [
          {
            name: 'sha256',
            in: 'path',
            required: true,
            schema: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          },
        ],
        responses: {
          200: { description: 'The bytes', content: { 'application/octet-stream': {} } },
          404: refusal('No such image'),
        },
      },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'linkboard API',
      version: options.version,
      description:
        'Plain JSON in and out; every error is { "error": { "code", "message" } } with its HTTP status. Users authenticate with an API token (made on /tokens), runners with a runner token (made by an operator).',
    },
    tags: [
      { name: 'board', description: 'Benchmarks and leaderboards: anyone' },
      { name: 'submissions', description: 'Submit and follow models' },
      { name: 'runners', description: 'Runners on hosts without database credentials' },
    ],
    paths: {
      [SITE_API.benchmarks]: {
        get: {
          tags: ['board'],
          summary: 'The benchmark versions this site holds',
          responses: { 200: reply('BenchmarkList') },
        },
      },
      [SITE_API.leaderboard]: {
        get: {
          tags: ['board'],
          summary: "A benchmark's leaderboard (its latest version unless one is named)",
          description: BOARD_NAMING,
          parameters: queryParameters(LeaderboardQuerySchema),
          responses: {
            200: reply('LeaderboardReply'),
            400: refusal('A parameter that does not parse'),
            404: refusal('No such benchmark or version'),
          },
        },
      },
      [SITE_API.traits]: {
        get: {
          tags: ['board'],
          summary:
            "Accuracy by trait family and by trait, per model, with clustered intervals (isekai-synth v3's public versions)",
          description: BOARD_NAMING,
          parameters: queryParameters(TraitsQuerySchema),
          responses: {
            200: reply('TraitsReply'),
            400: refusal('A parameter that does not parse'),
            404: refusal('No such benchmark or version, or none whose pairs have traits on record'),
          },
        },
      },
      [SITE_API.ranked]: {
        get: {
          tags: ['board'],
          summary: `The ranked board (${RANKED_BOARD}): one row per model pooling its ended ranked runs, each on a fresh draw of its own, by score (the mean of lcl and flip accuracy)`,
          responses: { 200: reply('RankedBoardReply') },
        },
      },
      [SITE_API.submissions]: {
        post: {
          tags: ['submissions'],
          summary: 'Queue a submission as the token’s user',
          description: SUBMISSION_NAMING,
          security: apiToken,
          requestBody: { required: true, ...json('CreateSubmissionBody') },
          responses: {
            201: reply('SubmissionCreated', 'Queued'),
            400: refusal('A field that does not parse, or an endpoint the site refuses'),
            401: refusal('No valid token'),
            404: refusal('No such benchmark version (the message lists those there are)'),
            409: refusal('A model name taken by another account'),
            429: refusal('The daily quota is used up'),
          },
        },
      },
      [SITE_API.estimate]: {
        post: {
          tags: ['submissions'],
          summary:
            'What a submission would use (episodes, images, tokens, cost at the card’s prices, time), before it is queued; nothing is stored',
          description: SUBMISSION_NAMING,
          security: apiToken,
          requestBody: { required: true, ...json('CreateSubmissionBody') },
          responses: {
            200: reply('SubmissionEstimate'),
            400: refusal('A field that does not parse, or a run the site would refuse'),
            401: refusal('No valid token'),
            404: refusal('No such benchmark version (the message lists those there are)'),
          },
        },
      },
      [`${SITE_API.submissions}/{id}`]: {
        get: {
          tags: ['submissions'],
          summary:
            'Where a submission is: state, queue position, progress, rate and ETA; what it used (tokens, latency, cost at its stated prices) and what answered (models, fingerprints, engine)',
          parameters: [{ ...jobId, name: 'id' }],
          responses: {
            200: reply('SubmissionStatus'),
            400: refusal('Not an id'),
            404: refusal('No such submission, or not yours to see'),
          },
        },
      },
      [`${SITE_API.submissions}/{id}/answers.jsonl`]: {
        get: {
          tags: ['submissions'],
          summary:
            'Every answered episode of a submission, one JSON object a line (streamed), in episode id order',
          parameters: [{ ...jobId, name: 'id' }],
          responses: {
            200: {
              description:
                'JSON Lines: one AnswerLine per answered episode; the query label and verdicts are null where withheld',
              // OpenAPI 3.1 has no schema for a stream's items (3.2's itemSchema): by convention
              // the schema of a line-delimited media type is that of one line.
              content: { 'application/x-ndjson': { schema: ref('AnswerLine') } },
            },
            400: refusal('Not an id'),
            404: refusal('No such submission, or not yours to see'),
          },
        },
      },
      ...runnerPaths,
    },
    // What the platform sends to a submission's webhook (OpenAPI 3.1's outgoing requests).
    webhooks: {
      submissionFinal: {
        post: {
          tags: ['submissions'],
          summary: `A submission reached a final state (${WEBHOOK_STATES.join(', ')})`,
          description:
            'Sent by a runner on the database, retried with backoff on no reply, 408, 429 and 5xx, and signed per the Standard Webhooks specification (standardwebhooks.com): verify it with a `standardwebhooks` library and the webhook secret (`new Webhook(secret).verify(rawBody, headers)`), which checks `webhook-signature` (HMAC-SHA256 keyed with the bytes the base64 after `whsec_` encodes, over `<webhook-id>.<webhook-timestamp>.<raw body>`) in constant time and refuses a timestamp more than 5 minutes off. The `x-linkboard-*` headers are deprecated, sent for one release only. Redirects are not followed.',
          parameters: [
            {
              name: WEBHOOK_HEADERS.id,
              in: 'header',
              required: true,
              description: "The same on every retry of one delivery (the body's `delivery_id`)",
              schema: { type: 'string', format: 'uuid' },
            },
            {
              name: WEBHOOK_HEADERS.timestamp,
              in: 'header',
              required: true,
              description: 'Unix seconds when this attempt was sent, signed with the body',
              schema: { type: 'string', pattern: '^[0-9]+$' },
            },
            {
              name: WEBHOOK_HEADERS.signature,
              in: 'header',
              required: true,
              description: 'Space-separated `v1,<base64 HMAC-SHA256>` signatures (one)',
              schema: {
                type: 'string',
                pattern: '^v1,[A-Za-z0-9+/]{43}=( v1,[A-Za-z0-9+/]{43}=)*$',
              },
            },
            ...Object.values(DEPRECATED_WEBHOOK_HEADERS).map((name) => ({
              name,
              in: 'header',
              required: false,
              deprecated: true,
              description: 'Deprecated, sent for one release: use the webhook-* headers',
              schema: { type: 'string' },
            })),
          ],
          requestBody: { required: true, ...json('WebhookPayload') },
          responses: { 200: { description: 'Any 2xx: delivered' } },
        },
      },
    },
    components: {
      securitySchemes: {
        apiToken: {
          type: 'http',
          scheme: 'bearer',
          description:
            "An API key (lb_…) from the site's /tokens page. Its scopes: `read` for GET, `submit` for anything that changes something (else 403); an expired or revoked key is a 401 saying which.",
        },
        runnerToken: { type: 'http', scheme: 'bearer', description: 'A runner token (lbr_…)' },
      },
      schemas: Object.fromEntries(
        Object.entries(SCHEMAS).map(([name, [schema, io]]) => [name, jsonSchema(schema, io)]),
      ),
    },
  };
}
