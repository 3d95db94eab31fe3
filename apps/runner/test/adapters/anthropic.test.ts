import { LCL_INSTRUCTION } from '@linkboard/core';
import { describe, expect, it } from 'vitest';
import { anthropicAdapter } from '../../src/adapters/anthropic';
import { type AnthropicRequest, anthropic } from '../provider-apis';
import { providerFixture } from './fixture';

const fx = providerFixture('anthropic');
const server = fx.server;

const sleeps = fx.sleeps;
const adapter = (url: string, extra = {}) =>
  anthropicAdapter(
    {
      endpoint: url,
      model: 'claude-test',
      apiKey: 'test-key',
      retries: 3,
      sleep: fx.sleep,
      ...extra,
    },
    fx.encoder,
  );

describe('anthropicAdapter', () => {
  it('sends the episode as the Messages API takes it: system apart, alternating turns, base64 image blocks', async () => {
    const s = await server();
    const result = await adapter(s.url).answer(fx.episode);
    // The stand-in answers 400 to anything its reference refuses; an answer means it was accepted.
    expect(result.errorClass).toBeUndefined();
    expect(result).toMatchObject({
      attempts: 1,
      usage: { promptTokens: 1200, completionTokens: 9 },
    });
    const [request] = s.seen;
    expect(request?.headers).toMatchObject({
      'anthropic-version': '2023-06-01',
      'x-api-key': 'test-key',
    });
    const body = request?.body as AnthropicRequest;
    expect(body).toMatchObject({
      model: 'claude-test',
      max_tokens: 1024,
      temperature: 0,
      system: LCL_INSTRUCTION,
    });
    expect(body).not.toHaveProperty('thinking');
    // 4 shots: 4 demonstrations (user, assistant) and the question, images in the user turns.
    expect(body.messages.map((m) => m.role)).toEqual([
      ...Array(4).fill(['user', 'assistant']).flat(),
      'user',
    ]);
    const images = body.messages.flatMap((m) =>
      typeof m.content === 'string' ? [] : m.content.filter((b) => b.type === 'image'),
    );
    expect(images).toHaveLength(5);
    expect(body.messages[1]?.content).toBe(
      `there is "${fx.episode.support[0]?.label}" in the image. [END EXAMPLE]`,
    );
  });

  it('is checked by a stand-in that refuses what the reference refuses (an OpenAI-shaped body)', async () => {
    // Why: the test above means something only if the stand-in says no to a wrong request.
    const s = await server();
    const reply = await fetch(`${s.url}/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
        'x-api-key': 'test-key',
      },
      body: JSON.stringify({
        model: 'claude-test',
        max_tokens: 10,
        messages: [
          { role: 'system', content: 'x' },
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } }],
          },
        ],
      }),
    });
    expect(reply.status).toBe(400);
    expect(await reply.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error' },
    });
  });

  it('turns extended thinking on with its budget, sends no temperature, and scores only the text', async () => {
    const s = await server([
      anthropic.text('there is "hedgehog" in the image.', {
        content: [
          { type: 'thinking', thinking: 'maybe "cactihog"?', signature: 'c2ln' },
          { type: 'redacted_thinking', data: 'b3BhcXVl' },
          { type: 'text', text: 'there is "hedgehog" in the image.' },
        ],
      }),
    ]);
    const result = await adapter(s.url, {
      maxTokens: 4096,
      temperature: null,
      thinkingBudget: 2048,
    }).answer(fx.episode);
    expect(result).toMatchObject({ answer: 'there is "hedgehog" in the image.', reasoning: true });
    expect(s.seen[0]?.body).toMatchObject({
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
    });
    expect(s.seen[0]?.body).not.toHaveProperty('temperature');
  });

  it('classes thinking that used max_tokens before any text as reasoning-exhausted, asked once', async () => {
    const s = await server([anthropic.thoughtOut(4096)]);
    const result = await adapter(s.url, {
      maxTokens: 4096,
      temperature: null,
      thinkingBudget: 3000,
    }).answer(fx.episode);
    expect(result).toMatchObject({
      answer: null,
      errorClass: 'reasoning-exhausted',
      attempts: 1,
      usage: { completionTokens: 4096 },
    });
    expect(s.seen).toHaveLength(1);
  });

  it('retries rate limits after retry-after and overload (529) with backoff, and recovers', async () => {
    const s = await server([
      anthropic.error(429, 'rate_limit_error', 'Number of requests has exceeded your rate limit', {
        'retry-after': '3',
      }),
      anthropic.error(529, 'overloaded_error', 'Overloaded'),
      anthropic.error(500, 'api_error', 'Internal server error'),
    ]);
    const result = await adapter(s.url).answer(fx.episode);
    expect(result).toMatchObject({ attempts: 4, answer: expect.stringContaining('there is') });
    expect(sleeps[0]).toBe(3000);
    expect(sleeps).toHaveLength(3);
  });

  it('gives up on lasting overload naming the provider’s error type', async () => {
    const s = await server(Array(4).fill(anthropic.error(529, 'overloaded_error', 'Overloaded')));
    expect(await adapter(s.url).answer(fx.episode)).toMatchObject({
      answer: null,
      errorClass: 'server-error',
      error: 'HTTP 529: overloaded_error: Overloaded',
      attempts: 4,
    });
  });

  it('fails fast on a refused request with Anthropic’s words, never the key', async () => {
    const s = await server([
      anthropic.error(404, 'not_found_error', 'model: claude-nope'),
      anthropic.error(401, 'authentication_error', 'invalid x-api-key'),
    ]);
    const missing = await adapter(s.url).answer(fx.episode);
    expect(missing).toMatchObject({
      errorClass: 'client-error',
      error: 'HTTP 404: not_found_error: model: claude-nope',
      attempts: 1,
    });
    const denied = await adapter(s.url).answer(fx.episode);
    expect(denied.error).toBe('HTTP 401: authentication_error: invalid x-api-key');
    expect(JSON.stringify([missing, denied])).not.toContain('test-key');
  });

  it('keeps a refusal as the model’s (empty) answer without asking again', async () => {
    const s = await server([anthropic.text('', { content: [], stop_reason: 'refusal' })]);
    expect(await adapter(s.url).answer(fx.episode)).toMatchObject({ answer: '', attempts: 1 });
  });

  it('retries a reply without content blocks as a bad response', async () => {
    const s = await server([{ status: 200, body: { type: 'message' } }]);
    expect(await adapter(s.url).answer(fx.episode)).toMatchObject({ attempts: 2 });
  });
});
