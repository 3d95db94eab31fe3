import { z } from 'zod';
import { ENDPOINT_API_NAMES, TOKEN_LIMIT_FIELDS } from './adapter-config';
import { POLICY_NAMES } from './policy';

/**
 * A submission's provenance: what ran it, on what, with which settings. The runner records it at
 * the start of every job (each job's facts are merged into the stored object), the platform adds
 * the runner token's name and counts replies with reasoning, and the submission's page shows it.
 *
 * The shape carries its version in `schema` (the name a manifest gives its own, `schema:
 * 'linkboard.manifest/1'`; a number here, so a reader compares it): not `version`, which the
 * benchmark and the runner each have a field of already. Rows written before the field existed
 * are version 0 and read through `readProvenance`.
 *
 * Strict: a field of the wrong type, and a key the schema does not know, are refused (not
 * stripped), so a forged or misspelt fact is an error that names it, never silently dropped
 * from a record whose point is to say exactly what ran.
 */
export const PROVENANCE_SCHEMA = 1;

const text = (max: number) => z.string().max(max);
const count = z.number().int().min(0);

const BenchmarkFactsSchema = z.strictObject({
  name: text(200),
  version: text(200),
  manifestHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex SHA-256'),
});

/** The runner process: its package version, git commit (null outside a checkout), host and Node.js. */
export const RunnerFactsSchema = z.strictObject({
  version: text(100),
  commit: text(100).nullable(),
  host: text(255),
  node: text(100),
});
export type RunnerFacts = z.infer<typeof RunnerFactsSchema>;

/** How the model generated: the settings sent with every request (core's `GenerationSettings`). */
const GenerationFactsSchema = z.strictObject({
  maxTokens: z.number().int().min(1),
  temperature: z.number().min(0).nullable(),
  tokenLimitField: z.enum([...TOKEN_LIMIT_FIELDS, 'maxOutputTokens']),
  thinkingBudget: count.nullable(),
});

/**
 * Generation settings and image size of a model the runner asked. Null: not recorded (a run
 * from before they were, see `readProvenance`); a runner today always records them.
 */
const settings = {
  generation: GenerationFactsSchema.nullable(),
  maxImageSide: z.number().int().min(1).nullable(),
};

/** What each adapter records of itself (never an API key): told apart by `adapter`. */
const adapterFacts = {
  builtin: { adapter: z.literal('builtin'), name: text(200) },
  endpoint: {
    adapter: z.enum(ENDPOINT_API_NAMES),
    /** The endpoint without query or credentials, or `reference-server` for the platform's own. */
    endpoint: text(2000),
    model: text(200),
    /** The address every request went to, resolved once and pinned. */
    address: text(100),
    ...settings,
  },
  predictions: {
    adapter: z.literal('predictions'),
    /** How many answers were uploaded. */
    predictions: count,
  },
  serve: {
    adapter: z.literal('serve'),
    profile: text(200),
    model: text(200),
    gpus: z.array(count).max(64),
    ...settings,
  },
} as const;

/** What a runner records of a job: the same for every runner, on the database or the site. */
const runFacts = {
  schema: z.literal(PROVENANCE_SCHEMA),
  benchmark: BenchmarkFactsSchema,
  shots: z.array(count).max(100),
  policies: z.array(z.enum(POLICY_NAMES)).max(POLICY_NAMES.length),
  draws: z.number().int().min(1),
  /** Each registered scorer's version. */
  scorers: z.record(text(64), z.number().int().min(0)),
  /** How episodes were drawn: the public formula, or that a ranked draw's keyed PRF fixed them. */
  episodeSeed: text(500),
  runner: RunnerFactsSchema,
};

/** What the platform adds, never a runner: a runner's facts that carry either are refused. */
const platformFacts = {
  /** The runner token's name, for a job run through the site's runner API. */
  runnerToken: text(200).optional(),
  /** Replies that came with reasoning (never scored), counted as answers are written. */
  reasoningAnswers: count.optional(),
};

const withAdapters = <S extends z.ZodRawShape>(shared: S) =>
  z.discriminatedUnion('adapter', [
    z.strictObject({ ...shared, ...adapterFacts.builtin }),
    z.strictObject({ ...shared, ...adapterFacts.endpoint }),
    z.strictObject({ ...shared, ...adapterFacts.predictions }),
    z.strictObject({ ...shared, ...adapterFacts.serve }),
  ]);

/**
 * A job's facts as a runner records them (the runner API's `provenance` step takes these): every
 * field but the platform's own.
 */
export const ProvenanceFactsSchema = withAdapters(runFacts);
export type ProvenanceFacts = z.infer<typeof ProvenanceFactsSchema>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** The part of a job's facts its adapter gives (one of `adapterFacts`). */
export type AdapterFacts = DistributiveOmit<ProvenanceFacts, keyof typeof runFacts>;

/** A submission's provenance as stored: a runner's facts and what the platform adds. */
export const ProvenanceSchema = withAdapters({ ...runFacts, ...platformFacts });
export type Provenance = z.infer<typeof ProvenanceSchema>;

/** A provenance that does not read: the message and `fields` name the fields at fault. */
export class ProvenanceError extends Error {
  override name = 'ProvenanceError';
  constructor(
    message: string,
    /** The fields at fault, dotted (`benchmark.name`, `scorers.strict`; `(provenance)` for the whole). */
    readonly fields: string[],
  ) {
    super(message);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A row from before `schema` (version 0), as the current shape: the same fields, less what was
 * not recorded yet, which reads as null. Runs from before generation settings were recorded
 * have no `generation` or `maxImageSide`, and from before thinking budgets no
 * `generation.thinkingBudget`.
 */
function fromVersion0(row: Record<string, unknown>): Record<string, unknown> {
  const current: Record<string, unknown> = { schema: PROVENANCE_SCHEMA, ...row };
  if (row.adapter === 'serve' || ENDPOINT_API_NAMES.some((api) => api === row.adapter)) {
    current.generation = row.generation ?? null;
    current.maxImageSide = row.maxImageSide ?? null;
    if (isRecord(row.generation) && !('thinkingBudget' in row.generation))
      current.generation = { ...row.generation, thinkingBudget: null };
  }
  return current;
}

/** Each problem of a failed parse by field; an unknown key is named as a field of its own. */
export function provenanceProblems(error: z.ZodError): { field: string; message: string }[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({
        field: [...path, key].join('.'),
        message: 'not a provenance field',
      }));
    return [{ field: path.join('.') || '(provenance)', message: issue.message }];
  });
}

/**
 * A stored provenance, typed: the current shape as it is, a row from before `schema` upgraded
 * (see `fromVersion0`). Null when nothing is recorded yet (`{}`: a submission whose first job has
 * not started). Throws a ProvenanceError naming each field that does not read, or the version
 * it does not know; `source` says whose, for the message ("submission 12's provenance").
 */
export function readProvenance(value: unknown, source = 'provenance'): Provenance | null {
  const fail = (problems: { field: string; message: string }[]) =>
    new ProvenanceError(
      `${source}: ${problems.map((p) => `field ${p.field}: ${p.message}`).join('; ')}`,
      problems.map((p) => p.field),
    );
  if (!isRecord(value)) throw fail([{ field: '(provenance)', message: 'not an object' }]);
  if (Object.keys(value).length === 0) return null;
  const legacy = !('schema' in value);
  if (!legacy && value.schema !== PROVENANCE_SCHEMA)
    throw fail([
      {
        field: 'schema',
        message: `${JSON.stringify(value.schema) ?? 'undefined'} is not a version this reads (${PROVENANCE_SCHEMA}, or none for a row from before it)`,
      },
    ]);
  const parsed = ProvenanceSchema.safeParse(legacy ? fromVersion0(value) : value);
  if (!parsed.success) throw fail(provenanceProblems(parsed.error));
  return parsed.data;
}
