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
import { type ImageEncoder, JsonBody, systemAndTurns, writeParts } from './encode';
import type { Adapter } from './types';

export interface GeminiOptions extends ChatApiOptions {
  /** Base URL with the API version: https://generativelanguage.googleapis.com/v1beta. */
  endpoint: string;
  /** `gemini-2.5-flash` (a leading `models/` is accepted). */
  model: string;
  /** `maxOutputTokens`. */
  maxTokens?: number;
  /** Default 0; null sends none. */
  temperature?: number | null;
  /** `thinkingConfig.thinkingBudget`; null or absent: the model's default. */
  thinkingBudget?: number | null;
}

interface GenerateContentResponse {
  /** The model version that answered (Gemini's counterpart of a fingerprint). */
  modelVersion?: unknown;
  candidates?: {
    content?: { parts?: { text?: unknown; thought?: unknown }[] };
    finishReason?: string;
  }[];
  promptFeedback?: { blockReason?: string };
  usageMetadata?: {
    promptTokenCount?: number;
    candidatesTokenCount?: number;
    thoughtsTokenCount?: number;
  };
}

/** Finish reasons where Google's rules, not the limit, stopped the answer: asking again gets the same. */
const STOPPED_BY_RULES = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'LANGUAGE',
]);

/** `"37s"` or `"0.5s"` (a protobuf Duration in JSON) as milliseconds. */
function durationMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
  return match ? Number(match[1]) * 1000 : undefined;
}

/**
 * Google's Gemini API (`models/{model}:generateContent`): the system text as
 * `systemInstruction`, the demonstrations as `user` and `model` turns, images as `inlineData`,
 * the key in `x-goog-api-key` (not the URL, where logs would keep it).
 */
export function geminiDialect(options: GeminiOptions): ChatDialect {
  const temperature = temperatureToSend(options.temperature);
  const thinking = options.thinkingBudget ?? null;
  const generationConfig = {
    maxOutputTokens: options.maxTokens ?? DEFAULT_GENERATION.maxTokens,
    ...(temperature === null ? {} : { temperature }),
    ...(thinking === null ? {} : { thinkingConfig: { thinkingBudget: thinking } }),
  };
  const model = options.model.replace(/^models\//, '');
  return {
    label: `gemini:${model}`,
    url: `${options.endpoint.replace(/\/+$/, '')}/models/${encodeURIComponent(model)}:generateContent`,
    headers: {
      'content-type': 'application/json',
      ...(options.apiKey ? { 'x-goog-api-key': options.apiKey } : {}),
    },
    async body(episode, encoder: ImageEncoder) {
      const { system, turns } = systemAndTurns(episode);
      const body = new JsonBody().raw('{"contents":[');
      for (const [i, turn] of turns.entries()) {
        if (i > 0) body.raw(',');
        body.raw(`{"role":${turn.role === 'user' ? '"user"' : '"model"'},"parts":[`);
        await writeParts(body, turn.content, encoder, 'gemini', (text) => ({ text }));
        body.raw(']}');
      }
      body.raw(']');
      return body
        .fields({
          ...(system === null ? {} : { systemInstruction: { parts: [{ text: system }] } }),
          generationConfig,
        })
        .raw('}')
        .done();
    },
    // `{"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": …, "details": […]}}`
    errorMessage: (text) => errorWords(errorObject(text), 'status'),
    retryDelayMs(text) {
      const details = errorObject(text)?.details;
      if (!Array.isArray(details)) return undefined;
      const info = (details as { '@type'?: unknown; retryDelay?: unknown }[]).find(
        (d) => typeof d?.['@type'] === 'string' && d['@type'].endsWith('google.rpc.RetryInfo'),
      );
      return durationMs(info?.retryDelay);
    },
    reply(json) {
      const response = json as GenerateContentResponse;
      const usage = response.usageMetadata;
      const counted = usage
        ? {
            promptTokens: tokens(usage.promptTokenCount),
            // Thinking tokens are billed as output, and the limit counts apart from them.
            completionTokens: tokens(usage.candidatesTokenCount) + tokens(usage.thoughtsTokenCount),
          }
        : undefined;
      const candidate = response.candidates?.[0];
      if (!candidate) {
        // A prompt blocked outright has no candidate, only the reason: the model's (empty) answer.
        if (response.promptFeedback?.blockReason)
          return { content: '', reasoning: false, cutOff: false, settled: true, usage: counted };
        throw badReply('the reply has no candidates');
      }
      const parts = candidate.content?.parts ?? [];
      const content = parts
        .filter((part) => part.thought !== true && typeof part.text === 'string')
        .map((part) => part.text as string)
        .join('');
      const reasoning =
        tokens(usage?.thoughtsTokenCount) > 0 || parts.some((part) => part.thought === true);
      return {
        content,
        reasoning,
        cutOff: candidate.finishReason === 'MAX_TOKENS',
        settled: STOPPED_BY_RULES.has(candidate.finishReason ?? ''),
        usage: counted,
        servedBy: servedByReply(response.modelVersion),
      };
    },
  };
}

/** Gemini through Google's generateContent API. */
export function geminiAdapter(options: GeminiOptions, encoder: ImageEncoder): Adapter {
  return chatApiAdapter(geminiDialect(options), options, encoder);
}
