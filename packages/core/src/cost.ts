/**
 * What a run will cost, before it is queued: tokens from the episodes' prompts (text and images),
 * dollars from a model card's prices, time from a measured rate. Pure: the caller supplies the
 * episodes (or a sample of them), the images' sizes and the prices.
 */
import { z } from 'zod';
import type { Episode } from './episode';

/**
 * The highest price a card may state: far above any published one, so that a figure over it is
 * almost certainly in the wrong unit (per token or per thousand) rather than a real price.
 */
export const MAX_USD_PER_MTOK = 10_000;

/**
 * One price, in US dollars per million tokens: the unit providers publish in, so a card copies
 * the figure as given.
 */
export const UsdPerMTokSchema = z
  .number({ error: 'a price must be a number of US dollars per million tokens' })
  .min(0, { error: 'a price cannot be negative' })
  .max(MAX_USD_PER_MTOK, {
    error: `a price must be at most ${MAX_USD_PER_MTOK.toLocaleString('en-US')} US dollars per million tokens (is it per token or per thousand?)`,
  });

/** A model's prices, as a model card states them. */
export const PricesSchema = z.object({
  /** Prompt tokens (text and images alike). */
  inputUsdPerMTok: UsdPerMTokSchema,
  /** Completion tokens, reasoning included where a model reasons. */
  outputUsdPerMTok: UsdPerMTokSchema,
});
export type Prices = z.infer<typeof PricesSchema>;

export interface TokenCounts {
  promptTokens: number;
  completionTokens: number;
}

/** What a run used, over its stored results (db's `submissionUsage`), as its page shows it. */
export interface RunUsage extends TokenCounts {
  /** Results stored, errors included: a request that failed may still have spent tokens. */
  answers: number;
  /**
   * Results whose reply stated its token counts: the token sums (and so the cost) cover these
   * only, so fewer than `answers` means the cost is a floor.
   */
  answersWithTokens: number;
  /** Over the results that have a latency; null when none has. */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  /** US dollars at `prices` (`costOf`); null without prices. */
  costUsd: number | null;
  /** As stated with the submission; null unless both were. */
  prices: Prices | null;
  /** The cost at which the run is stopped; null: no cap. */
  maxCostUsd: number | null;
}

/**
 * US dollars for the tokens at the prices, or null without prices: the one formula both the
 * estimate before a run and the cost counted after it use, so that the two compare.
 */
export function costOf(tokens: TokenCounts, prices: Prices | null | undefined): number | null {
  if (!prices) return null;
  return (
    (tokens.promptTokens * prices.inputUsdPerMTok +
      tokens.completionTokens * prices.outputUsdPerMTok) /
    1_000_000
  );
}

// OpenAI's published rule for a high-detail image: scale it to fit within 2048 × 2048, then so
// that its shorter side is 768 px, and charge a base plus a fixed amount per 512-px tile covering
// it. Neither step enlarges an image, so a small one is a single tile.
const FIT_SIDE = 2048;
const SHORT_SIDE = 768;
const TILE_SIDE = 512;
const BASE_TOKENS = 85;
const TILE_TOKENS = 170;

/** Whole pixels, as an image scaler gives them, never below one. */
const pixels = (side: number) => Math.max(1, Math.round(side));

/**
 * The size an image has after being shrunk to fit within `maxSide` × `maxSide`, aspect kept, as
 * the runner's encoder shrinks it; unchanged when it already fits or there is no limit.
 */
export function fitWithin(
  width: number,
  height: number,
  maxSide: number | null | undefined,
): { width: number; height: number } {
  const longer = Math.max(width, height);
  if (!maxSide || longer <= maxSide) return { width, height };
  const scale = maxSide / longer;
  return { width: pixels(width * scale), height: pixels(height * scale) };
}

/**
 * Prompt tokens for one image under OpenAI's high-detail rule: 85 + 170 per 512-px tile, after
 * fitting the image within 2048 × 2048 and then shrinking its shorter side to 768 px. A 1024 ×
 * 1024 image is 765 tokens, a 512 × 512 one 255, anything within 512 × 512 also 255.
 */
export function openAiImageTokens(width: number, height: number): number {
  if (!(width > 0 && height > 0)) throw new RangeError(`no image is ${width} × ${height}`);
  let { width: w, height: h } = fitWithin(width, height, FIT_SIDE);
  const shorter = Math.min(w, h);
  if (shorter > SHORT_SIDE) {
    const scale = SHORT_SIDE / shorter;
    w = pixels(w * scale);
    h = pixels(h * scale);
  }
  return BASE_TOKENS + TILE_TOKENS * Math.ceil(w / TILE_SIDE) * Math.ceil(h / TILE_SIDE);
}

/** The usual rule of thumb for English text under GPT-style tokenizers. */
export const CHARS_PER_TOKEN = 4;

/** Text tokens by the rule of thumb: a quarter of the characters, rounded up. */
export function approximateTextTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/**
 * What a chat API adds around each message (role and separators), and once to open the reply,
 * beside the message's own content: the figures OpenAI documents for its chat models. Small next
 * to the images, but a 16-shot prompt has 33 messages.
 */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_REPLY = 3;

/**
 * Completion tokens per answer unless told otherwise: an answer names a concept, at most in a
 * short sentence (`there is "okapi" in the image.` is about ten tokens), so 16 allows some slack.
 * A model that reasons before answering spends far more; say so with `completionTokensPerAnswer`.
 */
export const DEFAULT_COMPLETION_TOKENS = 16;

export interface ImageSize {
  width: number;
  height: number;
}

/** Image sizes by image id: a map (from a manifest's images) or a lookup. */
export type ImageSizes =
  | ReadonlyMap<string, ImageSize>
  | ((imageId: string) => ImageSize | undefined);

export interface RunEstimateInput {
  /**
   * The episodes to be asked, or a representative sample of them when `total` says how many there
   * are (a run may have 100k; their prompts differ only in shots and labels, so a few hundred
   * drawn across the run's settings estimate it well).
   */
  episodes: readonly Pick<Episode, 'prompt'>[];
  /** How many episodes the run has; the sample's figures are scaled to it. Default: the sample's size. */
  total?: number;
  /** Needed unless `tokensPerImage` is given. */
  imageSizes?: ImageSizes;
  /** The adapter's `maxImageSide`: images whose longer side exceeds it are shrunk before sending. */
  maxImageSide?: number | null;
  /** A flat count per image, for models whose rule is not OpenAI's (e.g. fixed-size patch grids). */
  tokensPerImage?: number;
  /** Default `DEFAULT_COMPLETION_TOKENS`. */
  completionTokensPerAnswer?: number;
  prices?: Prices | null;
  /** A measured rate (a connection test, an earlier run), for the time; none: time unknown. */
  episodesPerSecond?: number | null;
  /** A real tokenizer, where the caller has one; default `approximateTextTokens`. */
  countTextTokens?: (text: string) => number;
}

export interface RunEstimate {
  episodes: number;
  images: number;
  promptTokens: number;
  completionTokens: number;
  /** Null without prices. */
  costUsd: number | null;
  /** Null without a rate. */
  seconds: number | null;
  /** What the figures rest on, one sentence each, for whoever reads the estimate. */
  assumptions: string[];
}

export class CostEstimateError extends Error {
  override name = 'CostEstimateError';
}

const isCount = (n: number) => Number.isInteger(n) && n >= 0;
const count = (n: number) => n.toLocaleString('en-US');

/**
 * Tokens, dollars and seconds for a run, from its episodes' prompts. An estimate, not a quote: it
 * counts one request per episode (no retries), text by `countTextTokens`, images by OpenAI's
 * high-detail rule on their sizes after `maxImageSide` (or `tokensPerImage` each), and a fixed
 * completion per answer. `assumptions` says which of these applied.
 */
export function estimateRun(input: RunEstimateInput): RunEstimate {
  const sample = input.episodes;
  const total = input.total ?? sample.length;
  if (!isCount(total))
    throw new CostEstimateError(`total must be a whole number of episodes, got ${total}`);
  if (total > 0 && sample.length === 0)
    throw new CostEstimateError(
      `no episodes to estimate ${total.toLocaleString('en-US')} from: give a sample`,
    );
  const perAnswer = input.completionTokensPerAnswer ?? DEFAULT_COMPLETION_TOKENS;
  if (!isCount(perAnswer))
    throw new CostEstimateError(
      `completionTokensPerAnswer must be a whole number, got ${perAnswer}`,
    );
  const flat = input.tokensPerImage;
  if (flat !== undefined && !isCount(flat))
    throw new CostEstimateError(`tokensPerImage must be a whole number, got ${flat}`);
  const maxSide = input.maxImageSide ?? null;
  if (maxSide !== null && !(Number.isInteger(maxSide) && maxSide > 0))
    throw new CostEstimateError(`maxImageSide must be a positive whole number, got ${maxSide}`);
  const rate = input.episodesPerSecond ?? null;
  if (rate !== null && !(rate > 0 && Number.isFinite(rate)))
    throw new CostEstimateError(`episodesPerSecond must be a positive number, got ${rate}`);

  const sizes = input.imageSizes;
  const sizeOf: (id: string) => ImageSize | undefined =
    typeof sizes === 'function' ? sizes : (id) => sizes?.get(id);
  // Images recur across episodes (support pools are small): each id's count is worked out once.
  const imageTokenCache = new Map<string, number>();
  const imageTokens = (imageId: string): number => {
    if (flat !== undefined) return flat;
    let tokens = imageTokenCache.get(imageId);
    if (tokens === undefined) {
      const size = sizeOf(imageId);
      if (!size)
        throw new CostEstimateError(
          sizes
            ? `no size for image ${imageId.slice(0, 12)}`
            : 'image sizes are needed unless tokensPerImage is given',
        );
      const sent = fitWithin(size.width, size.height, maxSide);
      tokens = openAiImageTokens(sent.width, sent.height);
      imageTokenCache.set(imageId, tokens);
    }
    return tokens;
  };
  const textTokens = input.countTextTokens ?? approximateTextTokens;

  let images = 0;
  let prompt = 0;
  for (const { prompt: rendered } of sample) {
    prompt += TOKENS_PER_REPLY;
    for (const message of rendered.messages) {
      prompt += TOKENS_PER_MESSAGE;
      // A turn's text parts (before and after its image) are counted together, so that rounding
      // a rule of thumb up is paid once per message rather than once per fragment.
      let text = '';
      for (const part of message.content) {
        if (part.type === 'text') text += part.text;
        else {
          images++;
          prompt += imageTokens(part.imageId);
        }
      }
      if (text) prompt += textTokens(text);
    }
  }

  const scale = sample.length > 0 ? total / sample.length : 0;
  const promptTokens = Math.round(prompt * scale);
  const completionTokens = total * perAnswer;
  const tokens = { promptTokens, completionTokens };
  const assumptions = [
    total === sample.length
      ? `${count(total)} episodes, one request each (retries not counted).`
      : `${count(total)} episodes, one request each (retries not counted), scaled from a sample of ${count(sample.length)}.`,
    input.countTextTokens
      ? `Text counted with the tokenizer given, plus ${TOKENS_PER_MESSAGE} tokens per message and ${TOKENS_PER_REPLY} per reply.`
      : `Text at about ${CHARS_PER_TOKEN} characters per token, plus ${TOKENS_PER_MESSAGE} tokens per message and ${TOKENS_PER_REPLY} per reply.`,
    flat !== undefined
      ? `${count(flat)} tokens per image, as given for this model.`
      : `Images by OpenAI's high-detail rule (${BASE_TOKENS} + ${TILE_TOKENS} per ${TILE_SIDE}-px tile)${maxSide ? `, after shrinking to fit ${maxSide} × ${maxSide} px` : ''}.`,
    `${count(perAnswer)} completion tokens per answer${input.completionTokensPerAnswer === undefined ? ' (a concept name in a short sentence; more if the model reasons)' : ''}.`,
  ];
  if (!input.prices) assumptions.push('No prices given: cost unknown.');
  if (rate === null) assumptions.push('No measured rate: time unknown.');
  else assumptions.push(`Time at the measured ${rate} episodes per second.`);
  return {
    episodes: total,
    images: Math.round(images * scale),
    promptTokens,
    completionTokens,
    costUsd: costOf(tokens, input.prices),
    seconds: rate === null ? null : total / rate,
    assumptions,
  };
}

const compact = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${Math.round(n / 1e3)}k` : count(n);

/** A duration in words at the precision an estimate has: "about 40 s", "about 3 min", "about 2.5 h". */
export function aboutDuration(seconds: number): string {
  if (seconds < 90) return `about ${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 90 * 60) return `about ${Math.round(seconds / 60)} min`;
  return `about ${(seconds / 3600).toFixed(1)} h`;
}

/**
 * US dollars, to the cent, or to two significant figures under a cent: a short run costs
 * fractions of one and "$0.00" would say it was free. '–' for unknown.
 */
export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (value === 0) return '$0.00';
  if (Math.abs(value) < 0.01) return `$${value.toPrecision(2)}`;
  return `$${value.toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/**
 * An estimate in one line, as the CLI prints it and the form shows it: episodes, images, tokens,
 * cost (or why there is none) and time (or why there is none).
 */
export function describeEstimate(estimate: RunEstimate & { maxCostUsd?: number | null }): string {
  const parts = [
    `${count(estimate.episodes)} episodes`,
    `${count(estimate.images)} images`,
    `${compact(estimate.promptTokens)} prompt + ${compact(estimate.completionTokens)} completion tokens`,
    estimate.costUsd === null ? 'cost unknown (the card states no prices)' : usd(estimate.costUsd),
    estimate.seconds === null ? 'time unknown (no measured rate)' : aboutDuration(estimate.seconds),
  ];
  if (estimate.maxCostUsd != null) parts.push(`stops at ${usd(estimate.maxCostUsd)}`);
  return parts.join(' · ');
}
