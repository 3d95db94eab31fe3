import { DEFAULT_GENERATION, storedAnswer, type TokenLimitField } from '@linkboard/core';
import {
  badReply,
  type ChatApiOptions,
  type ChatDialect,
  chatApiAdapter,
  errorObject,
  errorWords,
  parseRetryAfter,
  servedByReply,
  temperatureToSend,
  tokens,
} from './chat-api';
import { chatRequestBody, type ImageEncoder } from './encode';
import type { Adapter } from './types';

export { parseRetryAfter, storedAnswer };

export interface OpenAIOptions extends ChatApiOptions {
  /** Base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1. */
  endpoint: string;
  model: string;
  /** New tokens per answer (default: core's DEFAULT_GENERATION, the official 1,024). */
  maxTokens?: number;
  /** Default 0; null sends none (OpenAI's reasoning models refuse any but their own). */
  temperature?: number | null;
  /** The request field that carries maxTokens (default `max_tokens`). */
  tokenLimitField?: TokenLimitField;
}

/**
 * Whether a reply's message carries reasoning beside its content (`reasoning_content`: vLLM,
 * SGLang, DeepSeek; `reasoning`: Ollama, OpenRouter), or its usage counts reasoning tokens that
 * were not shown (OpenAI's o-series and GPT-5). Never scored, only counted.
 */
function hasReasoning(
  message: Record<string, unknown> | undefined,
  usage: { completion_tokens_details?: { reasoning_tokens?: unknown } } | undefined,
): boolean {
  const text = (value: unknown) => typeof value === 'string' && value.trim() !== '';
  if (message && (text(message.reasoning_content) || text(message.reasoning))) return true;
  return tokens(usage?.completion_tokens_details?.reasoning_tokens) > 0;
}

interface ChatCompletion {
  model?: unknown;
  system_fingerprint?: unknown;
  choices?: {
    message?: { content?: string | null; reasoning_content?: unknown; reasoning?: unknown };
    finish_reason?: string | null;
  }[];
  usage?: {
    prompt_tokens?: number;
    completion_tokens?: number;
    completion_tokens_details?: { reasoning_tokens?: unknown };
  };
}

/** OpenAI's chat completions, as vLLM, SGLang, TGI, Ollama, LM Studio and OpenAI serve them. */
export function openaiDialect(options: OpenAIOptions): ChatDialect {
  const temperature = temperatureToSend(options.temperature);
  const fields = {
    model: options.model,
    ...(temperature === null ? {} : { temperature }),
    [options.tokenLimitField ?? (DEFAULT_GENERATION.tokenLimitField as TokenLimitField)]:
      options.maxTokens ?? DEFAULT_GENERATION.maxTokens,
  };
  return {
    label: `openai:${options.model}`,
    url: `${options.endpoint.replace(/\/+$/, '')}/chat/completions`,
    headers: {
      'content-type': 'application/json',
      ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    },
    body: (episode, encoder) => chatRequestBody(episode, encoder, fields),
    // `{"error": {"message": …}}`, or (some servers) `{"error": "…"}`, or (vLLM before its
    // OpenAI-shaped errors) `{"object": "error", "message": …}`.
    errorMessage(body) {
      try {
        const { error, object, message } = JSON.parse(body) as {
          error?: unknown;
          object?: unknown;
          message?: unknown;
        };
        if (typeof error === 'string') return error;
        if (error === undefined && object === 'error' && typeof message === 'string')
          return message;
      } catch {
        return undefined;
      }
      return errorWords(errorObject(body));
    },
    reply(json) {
      const completion = json as ChatCompletion;
      const choice = completion.choices?.[0];
      const message = choice?.message;
      const reasoning = hasReasoning(message, completion.usage);
      // Only `content` is the answer. A reasoning model that spent its tokens thinking replies with
      // reasoning and no content: an empty answer, not an unreadable reply.
      const content = message?.content ?? (reasoning ? '' : undefined);
      if (typeof content !== 'string')
        throw badReply('the reply has no choices[0].message.content');
      return {
        content,
        reasoning,
        cutOff: choice?.finish_reason === 'length',
        settled: choice?.finish_reason === 'content_filter',
        usage: completion.usage
          ? {
              promptTokens: tokens(completion.usage.prompt_tokens),
              completionTokens: tokens(completion.usage.completion_tokens),
            }
          : undefined,
        servedBy: servedByReply(completion.model, completion.system_fingerprint),
      };
    },
  };
}

/**
 * Any OpenAI-compatible chat endpoint (vLLM, SGLang, TGI, Ollama, LM Studio, OpenAI), with the
 * submission's generation settings (default: core's DEFAULT_GENERATION, the official LCL
 * evaluation's: temperature 0, up to 1,024 new tokens).
 */
export function openaiAdapter(options: OpenAIOptions, encoder: ImageEncoder): Adapter {
  return chatApiAdapter(openaiDialect(options), options, encoder);
}
