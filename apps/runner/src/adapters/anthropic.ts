import { DEFAULT_GENERATION } from '@linkboard/core';
import {
  badReply,
  type ChatApiOptions,
  type ChatDialect,
  chatApiAdapter,
  errorObject,
  errorWords,
  servedByReply,
  temperatureToSend,
  tokens,
} from './chat-api';
import { type ImageEncoder, JsonBody, systemAndTurns, textOf, writeParts } from './encode';
import type { Adapter } from './types';

/** The API version every request names (Anthropic's current one; its reference requires the header). */
export const ANTHROPIC_VERSION = '2023-06-01';

export interface AnthropicOptions extends ChatApiOptions {
  /** Base URL of the Messages API, with its version path: https://api.anthropic.com/v1. */
  endpoint: string;
  model: string;
  /** `max_tokens`, which Anthropic requires; with thinking on, the budget counts inside it. */
  maxTokens?: number;
  /** Default 0; null sends none (extended thinking takes none). */
  temperature?: number | null;
  /** Extended thinking's `budget_tokens`; null or absent: thinking off. */
  thinkingBudget?: number | null;
}

interface Message {
  /** The model that answered (a dated snapshot where an alias was asked). */
  model?: unknown;
  content?: { type?: string; text?: unknown }[];
  stop_reason?: string | null;
  usage?: {
    input_tokens?: number;
    output_tokens?: number;
    cache_creation_input_tokens?: number;
    cache_read_input_tokens?: number;
  };
}

/**
 * Anthropic's Messages API: the system text as the top-level `system`, the demonstrations as
 * alternating user and assistant turns, images as base64 `image` blocks, the key in `x-api-key`.
 */
export function anthropicDialect(options: AnthropicOptions): ChatDialect {
  const temperature = temperatureToSend(options.temperature);
  const thinking = options.thinkingBudget ?? null;
  const fields = {
    model: options.model,
    max_tokens: options.maxTokens ?? DEFAULT_GENERATION.maxTokens,
    ...(temperature === null ? {} : { temperature }),
    ...(thinking === null ? {} : { thinking: { type: 'enabled', budget_tokens: thinking } }),
  };
  return {
    label: `anthropic:${options.model}`,
    url: `${options.endpoint.replace(/\/+$/, '')}/messages`,
    headers: {
      'content-type': 'application/json',
      'anthropic-version': ANTHROPIC_VERSION,
      ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}),
    },
    async body(episode, encoder: ImageEncoder) {
      const { system, turns } = systemAndTurns(episode);
      const body = new JsonBody().raw('{"messages":[');
      for (const [i, turn] of turns.entries()) {
        if (i > 0) body.raw(',');
        if (turn.role === 'assistant') {
          body.value({ role: 'assistant', content: textOf(turn.content) });
          continue;
        }
        body.raw('{"role":"user","content":[');
        await writeParts(body, turn.content, encoder, 'anthropic', (text) => ({
          type: 'text',
          text,
        }));
        body.raw(']}');
      }
      body.raw(']');
      return body
        .fields({ ...fields, ...(system === null ? {} : { system }) })
        .raw('}')
        .done();
    },
    // `{"type": "error", "error": {"type": "overloaded_error", "message": …}}`
    errorMessage: (text) => errorWords(errorObject(text), 'type'),
    reply(json) {
      const message = json as Message;
      if (!Array.isArray(message.content)) throw badReply('the reply has no content blocks');
      // Only text blocks are the answer; thinking and redacted thinking blocks are counted.
      const content = message.content
        .filter((block) => block.type === 'text' && typeof block.text === 'string')
        .map((block) => block.text as string)
        .join('');
      const reasoning = message.content.some(
        (block) => block.type === 'thinking' || block.type === 'redacted_thinking',
      );
      const usage = message.usage;
      return {
        content,
        reasoning,
        cutOff: message.stop_reason === 'max_tokens',
        settled: message.stop_reason === 'refusal',
        usage: usage
          ? {
              promptTokens:
                tokens(usage.input_tokens) +
                tokens(usage.cache_creation_input_tokens) +
                tokens(usage.cache_read_input_tokens),
              completionTokens: tokens(usage.output_tokens),
            }
          : undefined,
        servedBy: servedByReply(message.model),
      };
    },
  };
}

/** Claude through Anthropic's Messages API. */
export function anthropicAdapter(options: AnthropicOptions, encoder: ImageEncoder): Adapter {
  return chatApiAdapter(anthropicDialect(options), options, encoder);
}
