import { LCL_INSTRUCTION } from '@linkboard/core';
import { describe, expect, it } from 'vitest';
import { geminiAdapter } from '../../src/adapters/gemini';
import { type GeminiRequest, gemini } from '../provider-apis';
import { providerFixture } from './fixture';

const fx = providerFixture('gemini');
const server = fx.server;

const sleeps = fx.sleeps;
const adapter = (url: string, extra = {}) =>
  geminiAdapter(
    {
      endpoint: url,
      model: 'gemini-test',
      apiKey: 'test-key',
      retries: 3,
      sleep: fx.sleep,
      ...extra,
    },
    fx.encoder,
  );

describe('geminiAdapter', () => {
  it('sends the episode as generateContent takes it: systemInstruction, user and model turns, inlineData', async () => {
    const s = await server();
    const result = await adapter(s.url).answer(fx.episode);
    expect(result.errorClass).toBeUndefined();
    expect(result).toMatchObject({
      attempts: 1,
      usage: { promptTokens: 1300, completionTokens: 8 },
    });
    const [request] = s.seen;
    expect(request?.path).toBe('/v1beta/models/gemini-test:generateContent');
    // The key in its header, never in the URL (where access logs keep it).
    expect(request?.headers['x-goog-api-key']).toBe('test-key');
    expect(request?.path).not.toContain('key=');
    const body = request?.body as GeminiRequest;
    expect(body.systemInstruction).toEqual({ parts: [{ text: LCL_INSTRUCTION }] });
    expect(body.generationConfig).toEqual({ maxOutputTokens: 1024, temperature: 0 });
    expect(body.contents.map((c) => c.role)).toEqual([
      ...Array(4).fill(['user', 'model']).flat(),
      'user',
    ]);
    const images = body.contents.flatMap((c) => c.parts.filter((p) => 'inlineData' in p));
    expect(images).toHaveLength(5);
  });

  it('is checked by a stand-in that refuses what the reference refuses (an assistant role)', async () => {
    const s = await server();
    const reply = await fetch(`${s.url}/models/gemini-test:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'test-key' },
      body: JSON.stringify({ contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] }),
    });
    expect(reply.status).toBe(400);
    expect(await reply.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
  });

  it('sends a thinking budget and no temperature when told, and scores only non-thought text', async () => {
    const s = await server([
      gemini.text('', {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [
                { text: 'Perhaps "cactihog"…', thought: true },
                { text: 'there is "hedgehog" in the image.' },
              ],
            },
            finishReason: 'STOP',
          },
        ],
        usageMetadata: { promptTokenCount: 1300, candidatesTokenCount: 8, thoughtsTokenCount: 200 },
      }),
    ]);
    const result = await adapter(s.url, {
      model: 'models/gemini-test',
      temperature: null,
      thinkingBudget: 512,
    }).answer(fx.episode);
    expect(result).toMatchObject({
      answer: 'there is "hedgehog" in the image.',
      reasoning: true,
      // Thoughts are billed as output: counted with the answer's tokens.
      usage: { completionTokens: 208 },
    });
    expect(s.seen[0]?.path).toBe('/v1beta/models/gemini-test:generateContent');
    expect((s.seen[0]?.body as GeminiRequest | undefined)?.generationConfig).toEqual({
      maxOutputTokens: 1024,
      thinkingConfig: { thinkingBudget: 512 },
    });
  });

  it('classes thinking that reached maxOutputTokens with no text as reasoning-exhausted, asked once', async () => {
    const s = await server([gemini.thoughtOut(1024)]);
    expect(await adapter(s.url).answer(fx.episode)).toMatchObject({
      answer: null,
      errorClass: 'reasoning-exhausted',
      attempts: 1,
    });
    expect(s.seen).toHaveLength(1);
  });

  it('retries RESOURCE_EXHAUSTED after its RetryInfo delay and UNAVAILABLE with backoff', async () => {
    const s = await server([
      gemini.error(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded', [
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' },
      ]),
      gemini.error(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'),
    ]);
    const result = await adapter(s.url).answer(fx.episode);
    expect(result).toMatchObject({ attempts: 3, answer: expect.stringContaining('there is') });
    expect(sleeps[0]).toBe(7000);
    expect(sleeps).toHaveLength(2);
  });

  it('fails fast on INVALID_ARGUMENT with Google’s words, never the key', async () => {
    const s = await server([
      gemini.error(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.'),
    ]);
    const result = await adapter(s.url).answer(fx.episode);
    expect(result).toMatchObject({
      errorClass: 'client-error',
      error: 'HTTP 400: INVALID_ARGUMENT: API key not valid. Please pass a valid API key.',
      attempts: 1,
    });
    expect(JSON.stringify(result)).not.toContain('test-key');
  });

  it('keeps a prompt blocked by safety rules as an empty answer, without asking again', async () => {
    const s = await server([
      { status: 200, body: { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: {} } },
    ]);
    expect(await adapter(s.url).answer(fx.episode)).toMatchObject({ answer: '', attempts: 1 });
  });
});
