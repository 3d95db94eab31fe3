import { setTimeout as delay } from 'node:timers/promises';
import {
  backoffDelay,
  DEFAULT_GENERATION,
  type Episode,
  MAX_ANSWER_CHARS,
  type TokenLimitField,
} from '@linkboard/core';
import { type Dispatcher, request } from 'undici';
import { chatRequestBody, type ImageEncoder } from './encode';
import type { Adapter, ErrorClass, ModelAnswer } from './types';

export interface OpenAIOptions {
  /** Base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1. */
  endpoint: string;
  model: string;
  /** Sent as a bearer token; never logged, never part of an error message. */
  apiKey?: string;
  timeoutMs?: number;
  /** Retries after the first attempt, for 429, 5xx, network errors and unreadable replies. */
  retries?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** New tokens per answer (default: core's DEFAULT_GENERATION, the official 1,024). */
  maxTokens?: number;
  /** Default 0. */
  temperature?: number;
  /** The request field that carries maxTokens (default `max_tokens`). */
  tokenLimitField?: TokenLimitField;
  /** Replies larger than this are cut off and count as bad responses. */
  maxResponseBytes?: number;
  /** Where connections go (a pinned address, see pinEndpoint); default: the URL's host. */
  dispatcher?: Dispatcher;
  /** For tests: the clock the backoff sleeps on. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

class AttemptError extends Error {
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

/**
 * What is kept of a model's answer: at most MAX_ANSWER_CHARS (as for uploads; a label comes in
 * the first words, and a 900,000-character answer would be stored per episode and shown on its
 * page), with NUL, which PostgreSQL text cannot hold, replaced.
 */
export function storedAnswer(content: string): { answer: string; truncated: boolean } {
  const clean = content.includes('\u0000') ? content.replaceAll('\u0000', '\uFFFD') : content;
  return clean.length > MAX_ANSWER_CHARS
    ? { answer: clean.slice(0, MAX_ANSWER_CHARS), truncated: true }
    : { answer: clean, truncated: false };
}

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
 * Whether a reply's message carries reasoning beside its content (`reasoning_content`: vLLM,
 * SGLang, DeepSeek; `reasoning`: Ollama, OpenRouter). Never scored, only counted.
 */
function hasReasoning(message: Record<string, unknown> | undefined): boolean {
  if (!message) return false;
  const text = (value: unknown) => typeof value === 'string' && value.trim() !== '';
  return text(message.reasoning_content) || text(message.reasoning);
}

/**
 * Any OpenAI-compatible chat endpoint (vLLM, SGLang, TGI, Ollama, LM Studio, OpenAI), with the
 * submission's generation settings (default: core's DEFAULT_GENERATION, the official LCL
 * evaluation's: temperature 0, up to 1,024 new tokens).
 */
export function openaiAdapter(options: OpenAIOptions, encoder: ImageEncoder): Adapter {
  const url = `${options.endpoint.replace(/\/+$/, '')}/chat/completions`;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const retries = options.retries ?? 6;
  const baseMs = options.backoffBaseMs ?? 500;
  const capMs = options.backoffCapMs ?? 30_000;
  const maxBytes = options.maxResponseBytes ?? 1 << 20;
  const sleep = options.sleep ?? defaultSleep;
  const generationFields = {
    model: options.model,
    temperature: options.temperature ?? DEFAULT_GENERATION.temperature,
    [options.tokenLimitField ?? DEFAULT_GENERATION.tokenLimitField]:
      options.maxTokens ?? DEFAULT_GENERATION.maxTokens,
  };

  async function attempt(body: Buffer, signal?: AbortSignal) {
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
    const combined = controller.signal;
    // undici's request rather than fetch: the same HTTP/1.1 client without the WHATWG stream
    // layers, which matter at hundreds of requests per second.
    let status: number;
    let headers: Record<string, string | string[] | undefined>;
    let text: string;
    try {
      const response = await request(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
        },
        body,
        signal: combined,
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
    const response = { status, headers: { get: (name: string) => header(headers[name]) } };
    if (response.status === 429) {
      throw new AttemptError(
        'rate-limited',
        'HTTP 429',
        true,
        parseRetryAfter(response.headers.get('retry-after')),
      );
    }
    if (response.status >= 500) {
      throw new AttemptError(
        'server-error',
        `HTTP ${response.status}`,
        true,
        parseRetryAfter(response.headers.get('retry-after')),
      );
    }
    if (response.status >= 300 && response.status < 400) {
      // Never followed: a redirect could point the request, and its key, at another host.
      throw new AttemptError(
        'client-error',
        `HTTP ${response.status}: redirects are not followed (to ${response.headers.get('location') ?? 'nowhere'})`,
        false,
      );
    }
    if (response.status >= 400) {
      // The server's own words help the submitter fix their request; a key never appears in them.
      let message = text.slice(0, 300);
      try {
        const parsed = JSON.parse(text) as { error?: { message?: string } | string };
        message =
          typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? message);
      } catch {}
      throw new AttemptError('client-error', `HTTP ${response.status}: ${message}`, false);
    }
    let json: {
      choices?: {
        message?: { content?: string | null; reasoning_content?: unknown; reasoning?: unknown };
        finish_reason?: string | null;
      }[];
      usage?: { prompt_tokens?: number; completion_tokens?: number };
    };
    try {
      json = JSON.parse(text);
    } catch {
      throw new AttemptError(
        'bad-response',
        'the reply is not valid JSON (truncated or malformed)',
        true,
      );
    }
    const choice = json.choices?.[0];
    const message = choice?.message;
    const reasoning = hasReasoning(message);
    // Only `content` is the answer. A reasoning model that spent its tokens thinking replies with
    // reasoning and no content: an empty answer, not an unreadable reply.
    const content = message?.content ?? (reasoning ? '' : undefined);
    if (typeof content !== 'string')
      throw new AttemptError('bad-response', 'the reply has no choices[0].message.content', true);
    return { content, usage: json.usage, reasoning, cutOff: choice?.finish_reason === 'length' };
  }

  return {
    label: `openai:${options.model}`,
    async answer(episode: Episode, signal?: AbortSignal): Promise<ModelAnswer> {
      const started = performance.now();
      const body = await chatRequestBody(episode, encoder, generationFields);
      let last: AttemptError | undefined;
      let attempts = 0;
      for (let i = 0; i <= retries; i++) {
        attempts++;
        try {
          const { content, usage, reasoning, cutOff } = await attempt(body, signal);
          // An empty reply at temperature 0 is usually a server hiccup: ask again, and keep it
          // as the answer (scored `empty`) only when every attempt says the same. One cut off at
          // the token limit is the model's own answer (it would say the same again).
          if (content.trim() === '' && !cutOff && i < retries) {
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
            usage: usage
              ? {
                  promptTokens: usage.prompt_tokens ?? 0,
                  completionTokens: usage.completion_tokens ?? 0,
                }
              : undefined,
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
