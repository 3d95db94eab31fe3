import { setTimeout as delay } from 'node:timers/promises';
import { backoffDelay, DEFAULT_GENERATION, storedAnswer } from '@linkboard/core';
import { type Dispatcher, request } from 'undici';
import type { ImageEncoder } from './encode';
import type { Adapter, ErrorClass, ModelAnswer, ModelEpisode, ServedByReply } from './types';

/**
 * What the openai, anthropic and gemini adapters share: one HTTP attempt (timeout, cancellation,
 * a capped read, no redirects, the pinned dispatcher), one retry policy (backoff with jitter, the
 * server's own delay honoured), one reading of answers (stored capped, reasoning counted, an
 * answer lost to reasoning classed as such). A provider differs only in what its dialect says:
 * the URL, the headers, the request body, how an error reply reads, and where the answer is in a
 * reply. The official SDKs were not used for this: see docs/providers.md.
 */

/** Request settings every chat API adapter takes. */
export interface ChatApiOptions {
  /** Sent as the provider's key header; never logged, never part of an error message. */
  apiKey?: string;
  timeoutMs?: number;
  /** Retries after the first attempt, for 429, 5xx, network errors and unreadable replies. */
  retries?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Replies larger than this are cut off and count as bad responses. */
  maxResponseBytes?: number;
  /** Where connections go (a pinned address, see pinEndpoint); default: the URL's host. */
  dispatcher?: Dispatcher;
  /** For tests: the clock the backoff sleeps on. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** A reply's answer, as a dialect reads it. */
export interface DialectReply {
  /** The final text: never reasoning. */
  content: string;
  /** The reply carried reasoning (shown or only counted) beside its answer. */
  reasoning: boolean;
  /** The model stopped at the token limit. */
  cutOff: boolean;
  /**
   * The answer is the model's own even when empty (a safety stop or refusal): asking again at
   * temperature 0 would get the same.
   */
  settled?: boolean;
  usage?: { promptTokens: number; completionTokens: number };
  /** What the reply says answered (its model, its system fingerprint), where it says. */
  servedBy?: ServedByReply;
}

/** What answered, as one reply names it: only strings the reply holds, never a guess. */
export function servedByReply(model: unknown, fingerprint?: unknown): ServedByReply | undefined {
  const named = (value: unknown) =>
    typeof value === 'string' && value.trim() !== '' ? value.slice(0, 200) : undefined;
  const reply = { model: named(model), fingerprint: named(fingerprint) };
  return reply.model || reply.fingerprint ? reply : undefined;
}

/** How one provider's API is spoken. */
export interface ChatDialect {
  /** `anthropic:claude-…`: names the adapter in logs and facts. */
  label: string;
  url: string;
  /** The headers every request carries, the key among them (never logged). */
  headers: Record<string, string>;
  body(episode: ModelEpisode, encoder: ImageEncoder): Promise<Buffer>;
  /** The provider's own words in an error reply's body, if it has any. */
  errorMessage(body: string): string | undefined;
  /** How long the provider asks a client to wait, where it says so in the body (Gemini). */
  retryDelayMs?(body: string): number | undefined;
  /** A 2xx reply's JSON, read; throws AttemptError('bad-response') when the answer is not where the API puts it. */
  reply(json: unknown): DialectReply;
}

export class AttemptError extends Error {
  constructor(
    readonly errorClass: ErrorClass,
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

// Node's own abortable sleep removes its abort listener when the time is up; one written by hand
// that did not left a listener per retry on the job's signal for the rest of the job.
const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  delay(ms, undefined, { signal });

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

async function readCapped(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) {
      (body as { destroy?: () => void }).destroy?.();
      throw new AttemptError('bad-response', `reply larger than ${limit} bytes`, false);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const header = (value: string | string[] | undefined) =>
  (Array.isArray(value) ? value[0] : value) ?? null;

function classifyNetworkError(error: unknown, timedOut: boolean): AttemptError {
  if (timedOut) return new AttemptError('timeout', 'no reply before the timeout', true);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (error as Error).message;
  return new AttemptError('network', `connection failed (${detail})`, true);
}

/**
 * The `error` object of an error reply's JSON body (OpenAI's, Anthropic's and Google's all have
 * one), or undefined when the body is not such JSON.
 */
export function errorObject(body: string): Record<string, unknown> | undefined {
  try {
    const { error } = JSON.parse(body) as { error?: unknown };
    return error !== null && typeof error === 'object'
      ? (error as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `kind: message` from an error object's kind field (Anthropic's `type`, Google's `status`) and message. */
export function errorWords(error: Record<string, unknown> | undefined, kindField?: string) {
  const message = error?.message;
  if (typeof message !== 'string' || message === '') return undefined;
  const kind = kindField === undefined ? undefined : error?.[kindField];
  return typeof kind === 'string' && kind !== '' ? `${kind}: ${message}` : message;
}

/** A reply the API's reference does not describe: retried, as a truncated body would be. */
export const badReply = (what: string) => new AttemptError('bad-response', what, true);

/** The temperature a request carries: the submission's, the default (0) when unstated, none for null. */
export const temperatureToSend = (temperature: number | null | undefined): number | null =>
  temperature === undefined ? DEFAULT_GENERATION.temperature : temperature;

/** A value as a finite count of tokens, 0 when absent. */
export const tokens = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) ? value : 0;

/**
 * An adapter speaking one dialect: one request per attempt, retried as the dialect's provider
 * documents (429 and 5xx, the provider's delay honoured up to the backoff cap), every exit
 * releasing its timer and listener.
 */
export function chatApiAdapter(
  dialect: ChatDialect,
  options: ChatApiOptions,
  encoder: ImageEncoder,
): Adapter {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const retries = options.retries ?? 6;
  const baseMs = options.backoffBaseMs ?? 500;
  const capMs = options.backoffCapMs ?? 30_000;
  const maxBytes = options.maxResponseBytes ?? 1 << 20;
  const sleep = options.sleep ?? defaultSleep;

  async function attempt(body: Buffer, signal?: AbortSignal): Promise<DialectReply> {
    // One controller for both the timeout and the caller's signal, released when the attempt ends:
    // AbortSignal.any and AbortSignal.timeout cost a composite signal and a timer that outlive
    // the request, which adds up at hundreds of requests per second.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('timeout'));
    }, timeoutMs);
    const forward = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', forward, { once: true });
    // undici's request rather than fetch: the same HTTP/1.1 client without the WHATWG stream
    // layers, which matter at hundreds of requests per second.
    let status: number;
    let headers: Record<string, string | string[] | undefined>;
    let text: string;
    try {
      const response = await request(dialect.url, {
        method: 'POST',
        headers: dialect.headers,
        body,
        signal: controller.signal,
        dispatcher: options.dispatcher,
      });
      status = response.statusCode;
      headers = response.headers;
      text = await readCapped(response.body, maxBytes);
    } catch (error) {
      if (error instanceof AttemptError) throw error;
      if (signal?.aborted) throw new AttemptError('aborted', 'cancelled', false);
      throw classifyNetworkError(error, timedOut);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forward);
    }
    const waitMs = () =>
      parseRetryAfter(header(headers['retry-after'])) ?? dialect.retryDelayMs?.(text);
    // The server's own words help the submitter fix their request; a key never appears in them.
    // A refusal (4xx) says them, raw if need be; a transient failure only as the API's error
    // object gives them (Anthropic's `overloaded_error`), never a proxy's HTML page.
    const words = () => dialect.errorMessage(text) ?? text.slice(0, 300);
    const transient = (what: string) => {
      const message = dialect.errorMessage(text);
      return message ? `${what}: ${message}` : what;
    };
    if (status === 429)
      throw new AttemptError('rate-limited', transient('HTTP 429'), true, waitMs());
    // 5xx: Anthropic's 529 (overloaded) and Google's 503 (unavailable) among them.
    if (status >= 500)
      throw new AttemptError('server-error', transient(`HTTP ${status}`), true, waitMs());
    if (status >= 300 && status < 400) {
      // Never followed: a redirect could point the request, and its key, at another host.
      throw new AttemptError(
        'client-error',
        `HTTP ${status}: redirects are not followed (to ${header(headers.location) ?? 'nowhere'})`,
        false,
      );
    }
    if (status >= 400) throw new AttemptError('client-error', `HTTP ${status}: ${words()}`, false);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw badReply('the reply is not valid JSON (truncated or malformed)');
    }
    return dialect.reply(json);
  }

  return {
    label: dialect.label,
    async answer(episode: ModelEpisode, signal?: AbortSignal): Promise<ModelAnswer> {
      const started = performance.now();
      const body = await dialect.body(episode, encoder);
      let last: AttemptError | undefined;
      let attempts = 0;
      for (let i = 0; i <= retries; i++) {
        attempts++;
        try {
          const { content, usage, reasoning, cutOff, settled, servedBy } = await attempt(
            body,
            signal,
          );
          const empty = content.trim() === '';
          if (empty && cutOff && reasoning) {
            // The model thought until the limit and never answered: not a wrong answer but a
            // setting to change, and asking again would spend the same tokens on the same end.
            return {
              answer: null,
              errorClass: 'reasoning-exhausted',
              error: `the model reasoned until its token limit${usage ? ` (${usage.completionTokens} tokens)` : ''} and gave no answer`,
              reasoning: true,
              attempts,
              latencyMs: performance.now() - started,
              usage,
              servedBy,
            };
          }
          // An empty reply at temperature 0 is usually a server hiccup: ask again, and keep it
          // as the answer (scored `empty`) only when every attempt says the same. One cut off at
          // the token limit, or stopped by the provider's safety rules, is the model's own answer
          // (it would say the same again).
          if (empty && !cutOff && !settled && i < retries) {
            last = undefined;
            await sleep(backoffDelay(i, { baseMs, capMs, random: Math.random }), signal);
            continue;
          }
          const kept = storedAnswer(content);
          return {
            answer: kept.answer,
            truncated: kept.truncated || undefined,
            reasoning: reasoning || undefined,
            attempts,
            latencyMs: performance.now() - started,
            usage,
            servedBy,
          };
        } catch (error) {
          last =
            error instanceof AttemptError
              ? error
              : new AttemptError('network', (error as Error).message, true);
          if (!last.retryable || i === retries) break;
          const wait =
            last.retryAfterMs !== undefined
              ? Math.min(last.retryAfterMs, capMs)
              : backoffDelay(i, { baseMs, capMs, random: Math.random });
          try {
            await sleep(wait, signal);
          } catch {
            last = new AttemptError('aborted', 'cancelled', false);
            break;
          }
        }
      }
      return {
        answer: null,
        errorClass: last?.errorClass ?? 'bad-response',
        error: last?.message,
        attempts,
        latencyMs: performance.now() - started,
      };
    },
  };
}
