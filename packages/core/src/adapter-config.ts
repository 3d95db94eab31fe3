import { z } from 'zod';
import { parseEndpointUrl } from './endpoint';
import { oneLine } from './external-text';
import { ModelCardSchema } from './model-card';
import { POLICY_NAMES } from './policy';
import { DEFAULT_SCORER, isScorerName, scorerNames } from './scorer';
import { nameProblem } from './text';

/**
 * How a submission reaches its model: the typed form of `submissions.adapter_config` (the jsonb
 * holds everything here but `adapter`, which has its own column). Parsed where a submission is
 * written (site, CLI, `start`'s baselines) and where a runner reads it back. No secrets here: the
 * API key is stored encrypted apart, and uploaded answers live in their own table.
 */

/** What a baseline's config names instead of a URL: the platform's own reference server. */
export const REFERENCE_SERVER = 'reference-server';

/** The one validator of endpoint URLs (core's `parseEndpointUrl`), as a schema: its href. */
export const EndpointUrlSchema = checkedUrl('an endpoint URL is required');

/**
 * A submission's webhook: where the platform POSTs when it reaches a final state. The same rules
 * as an endpoint (no credentials, query string or fragment), and the same address policy, checked
 * at submission and again, pinned, at every delivery: a webhook is a URL the platform calls.
 */
export const WebhookUrlSchema = checkedUrl('a webhook URL is required');

/** A URL the platform will call, canonicalised by core's one URL validator (`parseEndpointUrl`). */
function checkedUrl(required: string) {
  return z
    .string()
    .trim()
    .min(1, { message: required })
    .max(2000)
    .transform((value, ctx) => {
      // The URL parser drops tabs and newlines silently: refused here, not reinterpreted.
      const problem = nameProblem(value);
      if (problem) {
        ctx.addIssue({ code: 'custom', message: problem });
        return z.NEVER;
      }
      try {
        return parseEndpointUrl(value).href;
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    });
}

/** One line of visible text: no control characters (and, `visible`, no invisible ones). */
const line = (max: number, options: { visible?: boolean } = {}) => oneLine(max, options).min(1);

/** A model name at an endpoint or for a serve profile. */
const modelAtEndpoint = line(200);

/** Request tuning an openai or serve submission may carry. */
const tuning = {
  /** Per request, milliseconds (default 60 s). */
  timeoutMs: z.number().int().min(1).max(600_000).optional(),
  /** Attempts after the first, per episode (default 6). */
  retries: z.number().int().min(0).max(20).optional(),
  /** Images larger than this (pixels, longer side) are shrunk before sending. */
  maxImageSide: z.number().int().min(16).max(8192).optional(),
};

/** Which request field carries the token limit: some APIs (OpenAI's reasoning models) refuse `max_tokens`. */
export const TOKEN_LIMIT_FIELDS = ['max_tokens', 'max_completion_tokens'] as const;
export type TokenLimitField = (typeof TOKEN_LIMIT_FIELDS)[number];

/** The chat APIs an endpoint submission can speak (its `adapter`). */
export const ENDPOINT_API_NAMES = ['openai', 'anthropic', 'gemini'] as const;
export type EndpointApi = (typeof ENDPOINT_API_NAMES)[number];

/**
 * Each chat API with the base URL it defaults to and the request field its token limit travels
 * in (fixed by the provider, except on OpenAI-compatible servers, where a submission may choose).
 */
export const ENDPOINT_APIS = {
  openai: {
    label: 'OpenAI-compatible',
    title: 'OpenAI-compatible chat completions (vLLM, SGLang, TGI, Ollama, OpenAI…)',
    defaultEndpoint: null,
    tokenLimitField: null,
  },
  anthropic: {
    label: 'Anthropic (Claude)',
    title: "Anthropic's Messages API (Claude)",
    defaultEndpoint: 'https://api.anthropic.com/v1',
    tokenLimitField: 'max_tokens',
  },
  gemini: {
    label: 'Google (Gemini)',
    title: "Google's Gemini API (generateContent)",
    defaultEndpoint: 'https://generativelanguage.googleapis.com/v1beta',
    tokenLimitField: 'maxOutputTokens',
  },
} as const satisfies Record<
  EndpointApi,
  { label: string; title: string; defaultEndpoint: string | null; tokenLimitField: string | null }
>;
export const EndpointApiSchema = z.enum(ENDPOINT_API_NAMES, {
  error: (issue) =>
    `unknown adapter ${JSON.stringify(issue.input)}; choose ${ENDPOINT_API_NAMES.join(', ')}`,
});

/** The field a request's token limit was sent in: a choice on OpenAI-compatible servers, fixed elsewhere. */
export type SentTokenLimitField = TokenLimitField | 'maxOutputTokens';

/**
 * How a model generates its answer, the one place these defaults live: the official LCL
 * evaluation's 1,024 new tokens (a verbose or reasoning model names its label late), greedy
 * decoding, the limit sent as `max_tokens`, no thinking budget (the provider's default).
 */
export const DEFAULT_GENERATION: Readonly<GenerationSettings> = Object.freeze({
  maxTokens: 1024,
  temperature: 0,
  tokenLimitField: 'max_tokens',
  thinkingBudget: null,
});

export interface GenerationSettings {
  /** New tokens the model may generate per answer (reasoning included where the API counts it so). */
  maxTokens: number;
  /**
   * Null: none is sent, the model's own default. OpenAI's reasoning models refuse any temperature
   * but their own, and Claude's extended thinking takes none.
   */
  temperature: number | null;
  tokenLimitField: SentTokenLimitField;
  /**
   * Tokens the model may think before answering (Claude's extended thinking, Gemini's
   * `thinkingBudget`); null: not sent, the provider's default.
   */
  thinkingBudget: number | null;
}

/** The most new tokens a submission may ask for per answer. */
export const MAX_GENERATION_TOKENS = 65_536;
/** Claude's extended thinking takes a budget of at least this many tokens (Anthropic's documented floor). */
export const MIN_ANTHROPIC_THINKING_BUDGET = 1024;

const maxTokensField = z.number().int().min(1).max(MAX_GENERATION_TOKENS);
const temperatureField = z.number().min(0).max(2).nullable();
const tokenLimitFieldField = z.enum(TOKEN_LIMIT_FIELDS, {
  error: (issue) =>
    `unknown token limit field ${JSON.stringify(issue.input)}; choose ${TOKEN_LIMIT_FIELDS.join(' or ')}`,
});
const thinkingBudgetField = z.number().int().min(0).max(MAX_GENERATION_TOKENS).nullable();

/** Generation settings as a person gives them (absent: the defaults): the CLI's and the site's. */
export const GenerationInputSchema = z.strictObject({
  maxTokens: maxTokensField.optional(),
  temperature: temperatureField.optional(),
  tokenLimitField: tokenLimitFieldField.optional(),
  thinkingBudget: thinkingBudgetField.optional(),
});

/**
 * Generation settings an openai or serve submission carries; a stored config without them (made
 * before they existed) parses with the defaults.
 */
const generation = {
  maxTokens: maxTokensField.default(DEFAULT_GENERATION.maxTokens),
  temperature: temperatureField.default(DEFAULT_GENERATION.temperature),
  tokenLimitField: tokenLimitFieldField.default(
    DEFAULT_GENERATION.tokenLimitField as TokenLimitField,
  ),
  thinkingBudget: thinkingBudgetField.optional(),
};

/** A provider's fixed token-limit field (ENDPOINT_APIS): a config may restate it, never change it. */
const fixedTokenLimitField = <A extends 'anthropic' | 'gemini'>(api: A) => {
  const field = ENDPOINT_APIS[api].tokenLimitField;
  return z
    .literal(field, {
      error: (issue) =>
        `the ${api} API takes its limit as ${field}, not ${JSON.stringify(issue.input)}`,
    })
    .default(field);
};

/**
 * An OpenAI-compatible endpoint: a URL, or (the baselines `start` seeds) the platform's reference
 * server by its internal name, which no site submission can give.
 */
export const OpenAIConfigSchema = z
  .strictObject({
    adapter: z.literal('openai'),
    endpoint: EndpointUrlSchema.optional(),
    internal: z.literal(REFERENCE_SERVER).optional(),
    model: modelAtEndpoint,
    ...tuning,
    ...generation,
  })
  .superRefine((config, ctx) => {
    if ((config.endpoint === undefined) === (config.internal === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message: `give exactly one of endpoint (a URL) and internal ("${REFERENCE_SERVER}")`,
      });
    refuseThinkingBudget(config, ctx, 'an OpenAI-compatible endpoint');
  });

/** A thinking budget only where the API has one (OpenAI-compatible servers each name it their own way). */
function refuseThinkingBudget(
  config: { thinkingBudget?: number | null },
  ctx: z.core.$RefinementCtx,
  what: string,
) {
  if (config.thinkingBudget != null)
    ctx.addIssue({
      code: 'custom',
      path: ['thinkingBudget'],
      message: `${what} takes no thinking budget (the anthropic and gemini adapters do)`,
    });
}

/**
 * Claude through Anthropic's Messages API. Extended thinking (a budget) is Anthropic's documented
 * way to let Claude reason first: its budget counts inside max_tokens, and it takes no temperature.
 */
export const AnthropicConfigSchema = z
  .strictObject({
    adapter: z.literal('anthropic'),
    endpoint: EndpointUrlSchema.default(ENDPOINT_APIS.anthropic.defaultEndpoint),
    model: modelAtEndpoint,
    ...tuning,
    ...generation,
    tokenLimitField: fixedTokenLimitField('anthropic'),
  })
  .superRefine((config, ctx) => {
    // Anthropic's temperature runs from 0 to 1 (OpenAI's and Google's to 2).
    if (config.temperature !== null && config.temperature > 1)
      ctx.addIssue({
        code: 'custom',
        path: ['temperature'],
        message: `the anthropic API takes a temperature from 0 to 1, not ${config.temperature}`,
      });
    if (config.thinkingBudget == null) return;
    if (config.thinkingBudget < MIN_ANTHROPIC_THINKING_BUDGET)
      ctx.addIssue({
        code: 'custom',
        path: ['thinkingBudget'],
        message: `Claude's extended thinking takes a budget of at least ${MIN_ANTHROPIC_THINKING_BUDGET} tokens`,
      });
    if (config.thinkingBudget >= config.maxTokens)
      ctx.addIssue({
        code: 'custom',
        path: ['thinkingBudget'],
        message: `the thinking budget (${config.thinkingBudget}) must be less than maxTokens (${config.maxTokens}), which it counts inside; raise maxTokens`,
      });
    if (config.temperature !== null)
      ctx.addIssue({
        code: 'custom',
        path: ['temperature'],
        message:
          "Claude's extended thinking takes no temperature; give none (null, --temperature none)",
      });
  });

/** Gemini through Google's generateContent API; thinking tokens count apart from maxOutputTokens. */
export const GeminiConfigSchema = z.strictObject({
  adapter: z.literal('gemini'),
  endpoint: EndpointUrlSchema.default(ENDPOINT_APIS.gemini.defaultEndpoint),
  model: modelAtEndpoint,
  ...tuning,
  ...generation,
  tokenLimitField: fixedTokenLimitField('gemini'),
});

/** A model the runner launches from one of its operator's serve profiles. */
export const ServeConfigSchema = z
  .strictObject({
    adapter: z.literal('serve'),
    profile: line(100),
    model: modelAtEndpoint,
    ...tuning,
    ...generation,
  })
  .superRefine((config, ctx) => refuseThinkingBudget(config, ctx, 'a served model'));

/** Uploaded answers (stored in the `predictions` table, not here). */
export const PredictionsConfigSchema = z.strictObject({
  adapter: z.literal('predictions'),
  /** The uploaded file's name, as given. */
  file: z.string().max(1000).optional(),
  /** How many answers were uploaded. */
  count: z.number().int().min(0),
});

/** A built-in baseline, run in the runner itself. */
export const BuiltinConfigSchema = z.strictObject({
  adapter: z.literal('builtin'),
  name: line(100),
});

export const AdapterConfigSchema = z.discriminatedUnion('adapter', [
  OpenAIConfigSchema,
  AnthropicConfigSchema,
  GeminiConfigSchema,
  ServeConfigSchema,
  PredictionsConfigSchema,
  BuiltinConfigSchema,
]);

export type AdapterConfig = z.infer<typeof AdapterConfigSchema>;
/** An adapter config before parsing: generation settings may be absent (the defaults). */
export type AdapterConfigInput = z.input<typeof AdapterConfigSchema>;
export type AdapterName = AdapterConfig['adapter'];
export const ADAPTER_NAMES = [
  'openai',
  'anthropic',
  'gemini',
  'serve',
  'predictions',
  'builtin',
] as const satisfies readonly AdapterName[];

/**
 * Adapters whose runs ask no model (answers uploaded or computed in process): they need no
 * preflight, and a runner works them in a lane of their own, never behind a slow model.
 */
export const ADAPTERS_WITHOUT_MODEL_CALLS = [
  'predictions',
  'builtin',
] as const satisfies readonly AdapterName[];

/** A config that does not parse, with each problem's field named. */
export class AdapterConfigError extends Error {
  override name = 'AdapterConfigError';
  constructor(
    message: string,
    /** The fields at fault (`endpoint`, `timeoutMs`, `(config)` for the whole). */
    readonly fields: string[],
  ) {
    super(message);
  }
}

const describeIssues = (issues: readonly z.core.$ZodIssue[]) =>
  issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(config)',
    message: issue.message,
  }));

/**
 * Parses an adapter config (`source` says whose, for the message: "submission 12"). `adapter`
 * comes from the row's column where the jsonb does not carry it. Throws AdapterConfigError.
 */
export function parseAdapterConfig(
  value: unknown,
  source = 'adapter config',
  adapter?: string,
): AdapterConfig {
  const input =
    adapter !== undefined && value !== null && typeof value === 'object' && !Array.isArray(value)
      ? { ...(value as Record<string, unknown>), adapter }
      : value;
  const parsed = AdapterConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = describeIssues(parsed.error.issues);
  throw new AdapterConfigError(
    `${source}: ${problems.map((p) => `field ${p.field}: ${p.message}`).join('; ')}`,
    problems.map((p) => p.field),
  );
}

/** The config as the jsonb column stores it: everything but `adapter`. */
export function storedAdapterConfig(config: AdapterConfig): Record<string, unknown> {
  const { adapter: _adapter, ...rest } = config;
  return rest;
}

const unique = <T>(items: readonly T[]) => new Set(items).size === items.length;

/** Shot counts a submission asks for. */
/** A scorer of the registry (checked when parsed, so a scorer registered later is accepted). */
export const ScorerNameSchema = z.string().refine(isScorerName, {
  error: (issue) => `unknown scorer "${issue.input}"; choose ${scorerNames().join(', ')}`,
});

export const ShotsSchema = z
  .array(z.number().int().min(0).max(64))
  .min(1)
  .max(10)
  .refine(unique, { message: 'each shot count once' });

export const PoliciesSchema = z
  .array(z.enum(POLICY_NAMES))
  .min(1)
  .max(POLICY_NAMES.length)
  .refine(unique, { message: 'each policy once' });

/**
 * What every submission states besides how its model is reached: its name and model card, the
 * episodes it asks for, the scorer it is ranked by, and whether it starts private.
 */
export const SubmissionSpecSchema = z.object({
  /** The model's name on the leaderboard. */
  name: line(120, { visible: true }),
  /** Its model card (core's `ModelCardSchema`), flat: organisation, size, weights, licence… */
  ...ModelCardSchema.shape,
  shots: ShotsSchema,
  policies: PoliciesSchema,
  draws: z.number().int().min(1).max(20).default(1),
  scorer: ScorerNameSchema.default(DEFAULT_SCORER),
  private: z.boolean().default(false),
});

export type SubmissionSpec = z.infer<typeof SubmissionSpecSchema>;

/**
 * A submission request: what the site's `submissions.create` takes and what `linkboard submit`
 * builds (to send to a site, or to check before writing to the database). The model is reached by
 * `kind`: an endpoint (with an optional API key, stored encrypted), a serve profile, or uploaded
 * predictions (JSONL text). Built-in baselines run on the platform only: `submit --builtin` states
 * the spec alone.
 */
export const SubmissionRequestSchema = SubmissionSpecSchema.extend({
  kind: z.enum(['endpoint', 'serve', 'predictions']),
  /**
   * Which API an endpoint speaks (default openai). Anthropic's and Google's have a default
   * endpoint, their public one, so `endpoint` may be left out for them.
   */
  adapter: EndpointApiSchema.optional(),
  endpoint: EndpointUrlSchema.optional(),
  model: modelAtEndpoint.optional(),
  apiKey: z
    .string()
    .max(500)
    .superRefine((value, ctx) => {
      const problem = nameProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  profile: line(100).optional(),
  /** JSONL `{"episode_id","answer"}`, up to 50 MB. */
  predictions: z.string().max(50_000_000).optional(),
  /**
   * Announce the final state (done, failed, cancelled) with a signed POST here; the signing key
   * is generated by the platform and shown once, in the reply that creates the submission.
   */
  webhook: WebhookUrlSchema.optional(),
  maxImageSide: tuning.maxImageSide,
  /**
   * Stop the run once its answers have cost this much (US dollars, at the card's prices, which it
   * then needs): checked before each request, so what is in flight still lands.
   */
  maxCostUsd: z
    .number({ message: 'a cost cap is a number of US dollars' })
    .positive({ message: 'a cost cap must be more than 0 US dollars' })
    .max(1_000_000, { message: 'a cost cap must be at most 1,000,000 US dollars' })
    .optional(),
  /** Generation settings (endpoint and serve submissions; absent: DEFAULT_GENERATION's). */
  ...GenerationInputSchema.shape,
});

export type SubmissionRequest = z.infer<typeof SubmissionRequestSchema>;
export type SubmissionRequestInput = z.input<typeof SubmissionRequestSchema>;

/** Each problem of a failed parse as `field <path>: <message>`, for a person to act on. */
export function issueList(error: z.ZodError): string {
  return describeIssues(error.issues)
    .map((p) => `field ${p.field}: ${p.message}`)
    .join('; ');
}

/**
 * The adapter config a request names (predictions: their count, given by the caller that parsed
 * them). Throws AdapterConfigError naming the missing field.
 */
export function requestAdapterConfig(
  request: Pick<
    SubmissionRequest,
    | 'kind'
    | 'adapter'
    | 'endpoint'
    | 'model'
    | 'profile'
    | 'maxImageSide'
    | 'maxTokens'
    | 'temperature'
    | 'tokenLimitField'
    | 'thinkingBudget'
  >,
  predictions?: { count: number; file?: string },
): AdapterConfig {
  const generation = {
    maxTokens: request.maxTokens,
    temperature: request.temperature,
    tokenLimitField: request.tokenLimitField,
    thinkingBudget: request.thinkingBudget,
  };
  if (request.kind !== 'endpoint' && request.adapter !== undefined)
    throw new AdapterConfigError(
      `a ${request.kind} submission: field adapter: only endpoint submissions name the API they speak`,
      ['adapter'],
    );
  switch (request.kind) {
    case 'endpoint': {
      const api = request.adapter ?? 'openai';
      return parseAdapterConfig(
        {
          adapter: api,
          endpoint: request.endpoint,
          model: request.model,
          maxImageSide: request.maxImageSide,
          ...generation,
        },
        `an endpoint submission (${api})`,
      );
    }
    case 'serve':
      return parseAdapterConfig(
        {
          adapter: 'serve',
          profile: request.profile,
          model: request.model,
          maxImageSide: request.maxImageSide,
          ...generation,
        },
        'a serve submission',
      );
    case 'predictions': {
      // Uploaded answers were generated elsewhere: settings for generating them would be a claim
      // nothing here checks.
      const given = Object.entries(generation).filter(([, v]) => v !== undefined);
      if (given.length > 0)
        throw new AdapterConfigError(
          `a predictions submission: ${given.map(([field]) => `field ${field}: generation settings apply to endpoint and serve submissions only`).join('; ')}`,
          given.map(([field]) => field),
        );
      return parseAdapterConfig(
        { adapter: 'predictions', count: predictions?.count, file: predictions?.file },
        'a predictions submission',
      );
    }
  }
}

/**
 * The settings of a stored submission that shape its answers besides shots and draws: how it
 * generates (null for uploads and built-in baselines) and the image size it sends. A config that
 * does not parse gives nulls.
 */
export function runSettings(
  adapter: string,
  storedConfig: unknown,
): { generation: GenerationSettings | null; maxImageSide: number | null } {
  let config: AdapterConfig;
  try {
    config = parseAdapterConfig(storedConfig, 'adapter config', adapter);
  } catch {
    return { generation: null, maxImageSide: null };
  }
  const generation = generationOf(config);
  if (!generation) return { generation: null, maxImageSide: null };
  return { generation, maxImageSide: ('maxImageSide' in config && config.maxImageSide) || null };
}

/** How a config's model generates: null for uploads and built-in baselines (not run by a model here). */
export function generationOf(config: AdapterConfig): GenerationSettings | null {
  if (config.adapter === 'predictions' || config.adapter === 'builtin') return null;
  return {
    maxTokens: config.maxTokens,
    temperature: config.temperature,
    tokenLimitField: config.tokenLimitField,
    thinkingBudget: config.thinkingBudget ?? null,
  };
}
