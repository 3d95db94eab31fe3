import { z } from 'zod';
import { UsdPerMTokSchema } from './cost';
import { oneLine } from './external-text';
import { nameProblem } from './text';

/**
 * A model card: what a submitter says of the model behind a submission. Every field is optional
 * (a card is shown, never required), and the same schema checks it in the site's form, the public
 * API, `linkboard submit` and the OpenAPI document.
 *
 * Where it is stored: `revision` is the submission's (two submissions of one model may run
 * different checkpoints, and each row of the board is one submission); every other field is the
 * model's (`models`), and the latest submission that states a field sets it, since the model's
 * size or licence is one fact about the model, and the newest statement of it is the best one.
 * A submission that leaves a field out keeps what the model had.
 */

/** Whether anyone can download the weights. */
export const WEIGHTS = ['open', 'closed'] as const;
export type Weights = (typeof WEIGHTS)[number];

/** Parameter counts are in billions; 100,000 B (100 T) is far past any model that exists. */
export const MAX_PARAMS_B = 100_000;

const visibleLine = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .superRefine((value, ctx) => {
      const problem = nameProblem(value, { visible: true });
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

/**
 * An SPDX identifier or a model hub's licence tag (`apache-2.0`, `MIT`, `llama3.1`,
 * `cc-by-nc-4.0`, `proprietary`, `other`): one token, so the board can show and compare it.
 */
const LICENCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$/;

export const LicenceSchema = z.string().trim().regex(LICENCE_PATTERN, {
  message:
    'a licence identifier such as apache-2.0, mit, llama3.1, cc-by-nc-4.0 or proprietary (letters, digits and . + _ -, at most 64 characters)',
});

/** A link to the model's page: http or https only (the board renders it as a link). */
export const ModelUrlSchema = z
  .string()
  .trim()
  .max(500)
  .superRefine((value, ctx) => {
    const problem = nameProblem(value);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return;
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a URL; give an https:// link` });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      ctx.addIssue({
        code: 'custom',
        message: `a link must be http:// or https://, not ${url.protocol}`,
      });
    else if (url.username || url.password)
      ctx.addIssue({ code: 'custom', message: 'a link takes no user name or password' });
  });

export const ParamsBSchema = z
  .number({ message: 'a number of billions of parameters, such as 7 or 0.5' })
  .positive({ message: 'must be more than 0 (billions of parameters)' })
  .max(MAX_PARAMS_B, { message: `at most ${MAX_PARAMS_B} (billions of parameters)` });

export const ModelCardSchema = z.object({
  /** Who made it. */
  organisation: z
    .string()
    .trim()
    .max(120)
    .superRefine((value, ctx) => {
      const problem = nameProblem(value, { visible: true });
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  /** Parameter count in billions. */
  paramsB: ParamsBSchema.optional(),
  weights: z.enum(WEIGHTS).optional(),
  licence: LicenceSchema.optional(),
  /** The model it was fine-tuned or distilled from. */
  baseModel: visibleLine(200).optional(),
  /** The model's page (a model hub, a paper, a vendor's documentation). */
  modelUrl: ModelUrlSchema.optional(),
  /** The checkpoint this submission ran (a commit, a hub revision, a dated snapshot). */
  revision: visibleLine(120).optional(),
  /**
   * Its prices in US dollars per million tokens, prompt (images included) and completion, where
   * the model is paid for: each run is estimated and costed at the prices stated with it (a
   * submission's, like the revision: prices change).
   */
  inputUsdPerMTok: UsdPerMTokSchema.optional(),
  outputUsdPerMTok: UsdPerMTokSchema.optional(),
});

/** The prices a card states, or null where it states neither (one alone is taken as the other free). */
export function cardPrices(card: Pick<ModelCard, 'inputUsdPerMTok' | 'outputUsdPerMTok'>) {
  if (card.inputUsdPerMTok === undefined && card.outputUsdPerMTok === undefined) return null;
  return {
    inputUsdPerMTok: card.inputUsdPerMTok ?? 0,
    outputUsdPerMTok: card.outputUsdPerMTok ?? 0,
  };
}
export type ModelCard = z.infer<typeof ModelCardSchema>;

/** The card as the board shows a row: unknown fields are null. */
export interface CardFacts {
  organisation: string | null;
  paramsB: number | null;
  weights: Weights | null;
}

/**
 * Filters of the board. They choose which rows are shown, after ranking: a row keeps the rank it
 * has on the whole board, so that a filter never changes a model's rank.
 */
export const BoardFilterSchema = z
  .object({
    paramsMin: z.number().min(0).max(MAX_PARAMS_B).optional(),
    paramsMax: z.number().min(0).max(MAX_PARAMS_B).optional(),
    weights: z.enum(WEIGHTS).optional(),
    organisation: oneLine(120).min(1).optional(),
  })
  .refine(
    (f) => f.paramsMin === undefined || f.paramsMax === undefined || f.paramsMin <= f.paramsMax,
    {
      path: ['paramsMax'],
      message: 'the largest size must be at least the smallest',
    },
  );
export type BoardFilter = z.infer<typeof BoardFilterSchema>;

/** An empty URL parameter (a form's blank field) is no filter. */
const blank = (value: unknown) => (value === '' ? undefined : value);
const billions = z.preprocess(
  blank,
  z.coerce
    .number({ message: 'a number of billions of parameters' })
    .min(0)
    .max(MAX_PARAMS_B)
    .optional(),
);

/**
 * The board's filters as URL parameters (the page, `GET /api/v1/leaderboard`, `/api/export`):
 * `params_min`, `params_max` (billions), `weights` (open|closed), `organisation` (exact, any case).
 * A shape, so that the API's query schema can take it in; `boardFilterOf` reads it.
 */
export const boardFilterQueryShape = {
  params_min: billions,
  params_max: billions,
  weights: z.preprocess(blank, z.enum(WEIGHTS).optional()),
  organisation: z.preprocess(blank, oneLine(120).min(1).optional()),
};

type BoardFilterQuery = {
  params_min?: number;
  params_max?: number;
  weights?: Weights;
  organisation?: string;
};

/** Refuses a size range whose ends are the wrong way round, naming `params_max`. */
export function checkSizeRange(f: BoardFilterQuery, ctx: z.RefinementCtx): void {
  if (f.params_min !== undefined && f.params_max !== undefined && f.params_min > f.params_max)
    ctx.addIssue({
      code: 'custom',
      path: ['params_max'],
      message: `the largest size (${f.params_max}) must be at least the smallest (${f.params_min})`,
    });
}

/** The filter a parsed query states. */
export function boardFilterOf(f: BoardFilterQuery): BoardFilter {
  return {
    ...(f.params_min !== undefined ? { paramsMin: f.params_min } : {}),
    ...(f.params_max !== undefined ? { paramsMax: f.params_max } : {}),
    ...(f.weights ? { weights: f.weights } : {}),
    ...(f.organisation ? { organisation: f.organisation } : {}),
  };
}

/** The filter parameters alone (the page's). */
export const BoardFilterQuerySchema = z
  .object(boardFilterQueryShape)
  .superRefine(checkSizeRange)
  .transform(boardFilterOf);

/** The filter as URL parameters again (for the page's links and the export link). */
export function boardFilterParams(filter: BoardFilter): Record<string, string> {
  return {
    ...(filter.paramsMin !== undefined ? { params_min: String(filter.paramsMin) } : {}),
    ...(filter.paramsMax !== undefined ? { params_max: String(filter.paramsMax) } : {}),
    ...(filter.weights ? { weights: filter.weights } : {}),
    ...(filter.organisation ? { organisation: filter.organisation } : {}),
  };
}

const organisationKey = (value: string) => value.normalize('NFKC').trim().toLowerCase();

/**
 * Whether a row's card passes the filter. A row whose card does not say (no size, no weights, no
 * organisation) is left out by a filter on that field: the board cannot claim it matches.
 */
export function matchesBoardFilter(card: CardFacts, filter: BoardFilter): boolean {
  if (filter.paramsMin !== undefined || filter.paramsMax !== undefined) {
    if (card.paramsB === null) return false;
    if (filter.paramsMin !== undefined && card.paramsB < filter.paramsMin) return false;
    if (filter.paramsMax !== undefined && card.paramsB > filter.paramsMax) return false;
  }
  if (filter.weights && card.weights !== filter.weights) return false;
  if (
    filter.organisation &&
    (card.organisation === null ||
      organisationKey(card.organisation) !== organisationKey(filter.organisation))
  )
    return false;
  return true;
}

/** A parameter count as the board shows it: `7B`, `0.5B`, `1.8T`. */
export function formatParams(paramsB: number | null): string {
  if (paramsB === null) return '–';
  if (paramsB >= 1000) return `${Number((paramsB / 1000).toPrecision(3))}T`;
  return `${Number(paramsB.toPrecision(3))}B`;
}

/**
 * A card in one line (`Acme · 7B parameters · open weights · licence mit · revision r1`), for the
 * board's hover text and `linkboard status`; null when it states nothing.
 */
export function cardSummary(card: {
  organisation: string | null;
  paramsB: number | null;
  weights: string | null;
  licence: string | null;
  baseModel: string | null;
  revision: string | null;
}): string | null {
  const parts = [
    card.organisation,
    card.paramsB !== null ? `${formatParams(card.paramsB)} parameters` : null,
    card.weights ? `${card.weights} weights` : null,
    card.licence ? `licence ${card.licence}` : null,
    card.baseModel ? `based on ${card.baseModel}` : null,
    card.revision ? `revision ${card.revision}` : null,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : null;
}
