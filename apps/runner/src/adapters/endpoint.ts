import type { EndpointApi, SentTokenLimitField } from '@linkboard/core';
import { anthropicAdapter } from './anthropic';
import type { ChatApiOptions } from './chat-api';
import type { ImageEncoder } from './encode';
import { geminiAdapter } from './gemini';
import { openaiAdapter } from './openai';
import type { Adapter } from './types';

/** What an endpoint adapter of any API takes: where, which model, how it generates. */
export interface EndpointAdapterOptions extends ChatApiOptions {
  endpoint: string;
  model: string;
  maxTokens?: number;
  temperature?: number | null;
  /** The openai adapter's choice of limit field; the others' is fixed by their API. */
  tokenLimitField?: SentTokenLimitField;
  thinkingBudget?: number | null;
}

/** The adapter registry for models reached at an endpoint: one per API a submission may name. */
export function endpointAdapter(
  api: EndpointApi,
  options: EndpointAdapterOptions,
  encoder: ImageEncoder,
): Adapter {
  switch (api) {
    case 'openai': {
      const { tokenLimitField, thinkingBudget: _none, ...rest } = options;
      return openaiAdapter(
        {
          ...rest,
          tokenLimitField:
            tokenLimitField === 'max_completion_tokens' ? tokenLimitField : undefined,
        },
        encoder,
      );
    }
    case 'anthropic':
      return anthropicAdapter(options, encoder);
    case 'gemini':
      return geminiAdapter(options, encoder);
  }
}
