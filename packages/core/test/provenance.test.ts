import { describe, expect, it } from 'vitest';
import {
  PROVENANCE_SCHEMA,
  ProvenanceError,
  type ProvenanceFacts,
  ProvenanceFactsSchema,
  ProvenanceSchema,
  readProvenance,
} from '../src/provenance';
import { ProvenanceBodySchema } from '../src/runner-api';
import { fixtureManifest, fixtureProvenanceFacts } from '../src/testing';

const HASH = 'ab'.repeat(32);

/** What every job records, whatever its adapter: as job.ts builds it. */
const shared = {
  schema: PROVENANCE_SCHEMA,
  benchmark: { name: 'isekai-synth', version: '3.1', manifestHash: HASH },
  shots: [0, 2, 4],
  policies: ['lcl', 'flip'],
  draws: 2,
  scorers: { official: 1, strict: 2 },
  episodeSeed: 'SHA-256("<manifest hash>|<query image id>|<shots>|<draw>")',
  runner: {
    version: '0.1.0',
    commit: 'c0ffee'.repeat(6).slice(0, 40),
    host: 'lab-1',
    node: 'v20.20.2',
  },
} satisfies Partial<ProvenanceFacts>;

const generation = {
  maxTokens: 1024,
  temperature: 0,
  tokenLimitField: 'max_tokens',
  thinkingBudget: null,
} as const;

/** A job's facts for each kind of adapter, as the runner records them today. */
const FACTS = {
  builtin: { ...shared, adapter: 'builtin', name: 'prototype' },
  openai: {
    ...shared,
    adapter: 'openai',
    endpoint: 'https://models.example/v1',
    model: 'qwen2.5-vl',
    address: '203.0.113.7',
    generation,
    maxImageSide: null,
  },
  anthropic: {
    ...shared,
    adapter: 'anthropic',
    endpoint: 'https://api.anthropic.com/v1',
    model: 'claude-test',
    address: '203.0.113.8',
    generation: {
      maxTokens: 4096,
      temperature: null,
      tokenLimitField: 'max_tokens',
      thinkingBudget: 3072,
    },
    maxImageSide: 768,
  },
  reference: {
    ...shared,
    adapter: 'openai',
    endpoint: 'reference-server',
    model: 'prototype',
    address: '127.0.0.1',
    generation,
    maxImageSide: null,
  },
  predictions: { ...shared, adapter: 'predictions', predictions: 96 },
  serve: {
    ...shared,
    adapter: 'serve',
    profile: 'reference-cpu',
    model: 'prototype',
    gpus: [0, 1],
    generation,
    maxImageSide: 1024,
  },
} satisfies Record<string, ProvenanceFacts>;

/** The same facts as stored for a run through the site's runner API, with reasoning counted. */
const stored = { ...FACTS.openai, runnerToken: 'lab-a', reasoningAnswers: 12 };

/** Copies a value and sets one field, by dotted path (`benchmark.name`); undefined removes it. */
function withField(value: object, field: string, to: unknown): Record<string, unknown> {
  const copy = structuredClone(value) as Record<string, unknown>;
  const keys = field.split('.');
  const last = keys.pop() as string;
  let at = copy;
  for (const key of keys) at = at[key] as Record<string, unknown>;
  if (to === undefined) delete at[last];
  else at[last] = to;
  return copy;
}

function problemOf(value: unknown): ProvenanceError {
  try {
    readProvenance(value);
  } catch (error) {
    if (error instanceof ProvenanceError) return error;
    throw error;
  }
  throw new Error(`read without a problem: ${JSON.stringify(value)}`);
}

describe('a current provenance', () => {
  it.each(Object.entries(FACTS))('reads as recorded: %s', (_, facts) => {
    expect(ProvenanceFactsSchema.parse(facts)).toEqual(facts);
    expect(readProvenance(facts)).toEqual(facts);
  });

  it('reads with what the platform adds: the runner token and the replies with reasoning', () => {
    expect(readProvenance(stored)).toEqual(stored);
    expect(ProvenanceSchema.parse(stored)).toEqual(stored);
  });

  it('reads as it went through the database: jsonb orders keys its own way', () => {
    const reordered = Object.fromEntries(Object.entries(stored).reverse());
    expect(readProvenance(JSON.parse(JSON.stringify(reordered)))).toEqual(stored);
  });

  it('is nothing yet for a submission whose first job has not started', () => {
    expect(readProvenance({})).toBeNull();
  });
});

describe('a provenance from before `schema` (version 0)', () => {
  it('reads as the current shape, version 1, when it recorded everything today’s does', () => {
    const { schema: _, ...legacy } = stored;
    expect(readProvenance(legacy)).toEqual(stored);
    const { schema: __, ...builtin } = FACTS.builtin;
    expect(readProvenance(builtin)).toEqual(FACTS.builtin);
  });

  it('reads a run from before thinking budgets were recorded with none', () => {
    const { schema: _, ...legacy } = FACTS.openai;
    const { thinkingBudget: __, ...older } = generation;
    expect(readProvenance({ ...legacy, generation: older })).toEqual(FACTS.openai);
  });

  it('reads a run from before generation settings were recorded with them unknown (null)', () => {
    // The first runner's facts: no generation settings and no image size.
    const { schema: _, generation: __, maxImageSide: ___, ...legacy } = FACTS.openai;
    expect(readProvenance(legacy)).toEqual({
      ...FACTS.openai,
      generation: null,
      maxImageSide: null,
    });
    const { schema: s, generation: g, maxImageSide: m, ...serve } = FACTS.serve;
    expect(readProvenance(serve)).toEqual({ ...FACTS.serve, generation: null, maxImageSide: null });
  });

  it('is held to the same types, the field named', () => {
    const { schema: _, ...legacy } = FACTS.openai;
    const error = problemOf(withField(legacy, 'benchmark.name', 42));
    expect(error.fields).toEqual(['benchmark.name']);
    expect(error.message).toMatch(/^provenance: field benchmark\.name: .*expected string/);
    expect(problemOf({ ...legacy, gpu: 'H200' }).fields).toEqual(['gpu']);
  });
});

describe('a malformed provenance', () => {
  // Each field set wrong on an otherwise good one: the error names that field, and only it.
  it.each([
    ['benchmark.name', 42, stored],
    ['benchmark.version', undefined, stored],
    ['benchmark.manifestHash', 'not-a-hash', stored],
    ['shots', [2, '4'], stored, 'shots.1'],
    ['shots', 4, stored],
    ['policies', ['lcl', 'guess'], stored, 'policies.1'],
    ['draws', 0, stored],
    ['draws', 1.5, stored],
    ['scorers', { strict: 'two' }, stored, 'scorers.strict'],
    ['episodeSeed', 7, stored],
    ['runner', 'lab-1', stored],
    ['runner.commit', 5, stored],
    ['runner.host', undefined, stored],
    ['adapter', 'telepathy', stored],
    ['adapter', undefined, stored],
    ['endpoint', null, stored],
    ['model', 3, stored],
    ['address', undefined, stored],
    ['generation', 'greedy', stored],
    ['generation.temperature', '0', stored],
    ['generation.tokenLimitField', 'tokens', stored],
    ['generation.thinkingBudget', -1, stored],
    ['maxImageSide', 0, stored],
    ['runnerToken', 5, stored],
    ['reasoningAnswers', 1.5, stored],
    ['name', undefined, FACTS.builtin],
    ['predictions', -1, FACTS.predictions],
    ['gpus', [0, '1'], FACTS.serve, 'gpus.1'],
    ['profile', undefined, FACTS.serve],
  ] as const)('names %s (set to %j)', (field: string, to: unknown, valid: object, at?: string) => {
    const named = at ?? field;
    const error = problemOf(withField(valid, field, to));
    expect(error.fields).toEqual([named]);
    expect(error.message).toContain(`field ${named}: `);
  });

  it('names a key it does not know, at the top or inside a fact', () => {
    expect(problemOf({ ...stored, gpu: 'H200' }).message).toBe(
      'provenance: field gpu: not a provenance field',
    );
    expect(problemOf(withField(stored, 'runner.pid', 12)).fields).toEqual(['runner.pid']);
    expect(problemOf(withField(stored, 'benchmark.rankedDraw', true)).fields).toEqual([
      'benchmark.rankedDraw',
    ]);
    // A fact of another adapter is unknown to this one.
    expect(problemOf({ ...FACTS.builtin, gpus: [0] }).fields).toEqual(['gpus']);
  });

  it('names every field at fault at once', () => {
    const error = problemOf(withField({ ...stored, draws: '2' }, 'benchmark.name', 42));
    expect(error.fields.sort()).toEqual(['benchmark.name', 'draws']);
  });

  it('names a version it does not know, and says whose it is', () => {
    expect(() => readProvenance({ ...stored, schema: 2 }, "submission 12's provenance")).toThrow(
      "submission 12's provenance: field schema: 2 is not a version this reads (1, or none for a row from before it)",
    );
    expect(problemOf({ ...stored, schema: '1' }).fields).toEqual(['schema']);
  });

  it.each([null, [], 'facts', 3])('is refused when not an object: %j', (value) => {
    expect(problemOf(value).fields).toEqual(['(provenance)']);
  });
});

it('the test fixture is a runner’s facts for the manifest it names', () => {
  const manifest = fixtureManifest({ name: 'named' });
  const facts = fixtureProvenanceFacts(manifest);
  expect(ProvenanceFactsSchema.parse(facts)).toEqual(facts);
  expect(facts.benchmark).toEqual({
    name: 'named',
    version: '1',
    manifestHash: manifest.manifestHash,
  });
});

describe('the runner API’s provenance step', () => {
  const body = (facts: unknown) => ProvenanceBodySchema.safeParse({ token: 't', facts });

  it('takes a runner’s facts as they are', () => {
    for (const facts of Object.values(FACTS))
      expect(body(facts)).toMatchObject({ success: true, data: { facts } });
  });

  it('refuses a forged field, an unknown key and a missing version, naming each', () => {
    const paths = (facts: unknown) => {
      const parsed = body(facts);
      return parsed.success ? [] : parsed.error.issues.map((i) => [i.path.join('.'), i.code]);
    };
    expect(paths(withField(FACTS.openai, 'benchmark.name', 42))).toEqual([
      ['facts.benchmark.name', 'invalid_type'],
    ]);
    expect(paths({ ...FACTS.openai, gpu: 'H200' })).toEqual([['facts', 'unrecognized_keys']]);
    expect(paths(withField(FACTS.openai, 'schema', undefined))).toEqual([
      ['facts.schema', 'invalid_value'],
    ]);
  });

  it('refuses the fields only the platform writes', () => {
    // The site names the token itself, and counts reasoning as answers are written.
    for (const extra of [{ runnerToken: 'someone-else' }, { reasoningAnswers: 0 }]) {
      const parsed = body({ ...FACTS.openai, ...extra });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]).toMatchObject({
        code: 'unrecognized_keys',
        keys: Object.keys(extra),
      });
    }
  });
});
