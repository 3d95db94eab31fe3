import { buildEpisodes, drawSeed, type Episode, indexBenchmark } from '@linkboard/core';
import { drawRanked, loadDataset } from '@linkboard/datasets';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinAdapter, familiarFromPairs } from '../../src/adapters/builtin';
import { ImageEncoder, toChatMessages } from '../../src/adapters/encode';
import { answerKeyOf, BUILTIN_MODELS, REFERENCE_MODELS } from '../../src/baselines';
import { rankedEncoder } from '../../src/ranked';
import { type RunningServer, startReferenceServer } from '../../src/server/reference-server';
import { smallSynth } from '../helpers';

let server: RunningServer;
let client: OpenAI;
let dataset: Awaited<ReturnType<typeof loadDataset>>;

beforeAll(async () => {
  dataset = await loadDataset(await smallSynth());
  server = await startReferenceServer({
    port: 0,
    familiarOf: familiarFromPairs(dataset.manifest.pairs),
  });
  // The official client, as a researcher's own harness would use it.
  client = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
});
afterAll(() => server.close());

describe('reference server', () => {
  it('lists the baselines as models', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([...REFERENCE_MODELS]);
  });

  it('answers through the official openai client exactly as the in-process baselines do', async () => {
    const index = indexBenchmark(dataset.manifest);
    const encoder = new ImageEncoder(dataset.store, dataset.manifest);
    const episodes = [
      ...buildEpisodes(index, { shots: [2, 8], policies: ['lcl', 'icl'], draws: 1 }),
    ];
    expect(episodes.length).toBe(32);
    for (const name of BUILTIN_MODELS) {
      const local = builtinAdapter(name, encoder, familiarFromPairs(dataset.manifest.pairs));
      for (const episode of episodes) {
        const messages = (await toChatMessages(
          episode,
          encoder,
        )) as OpenAI.ChatCompletionMessageParam[];
        const reply = await client.chat.completions.create({
          model: name,
          messages,
          temperature: 0,
          max_tokens: 32,
        });
        expect(reply.choices[0]?.message.content, `${name} on ${episode.id}`).toBe(
          (await local.answer(episode)).answer,
        );
      }
    }
  });

  it('streams when asked, as vLLM and OpenAI do', async () => {
    const index = indexBenchmark(dataset.manifest);
    const encoder = new ImageEncoder(dataset.store, dataset.manifest);
    const episode = buildEpisodes(index, { shots: [2], policies: ['lcl'], draws: 1 }).next().value!;
    const stream = await client.chat.completions.create({
      model: 'prototype',
      messages: (await toChatMessages(episode, encoder)) as OpenAI.ChatCompletionMessageParam[],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toMatch(/^there is ".+" in the image\.$/);
  });

  it('refuses an unknown model with 404 and a bad request with 400, as OpenAI does', async () => {
    await expect(
      client.chat.completions.create({
        model: 'gpt-9',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toMatchObject({
      status: 404,
      message: expect.stringMatching(/The model 'gpt-9' does not exist/),
    });
    await expect(
      client.chat.completions.create({
        model: 'random',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/the last user turn must hold the query image/),
    });
  });

  it('stands in for a model server: a checkpoint’s name for a baseline, and an image limit', async () => {
    const standIn = await startReferenceServer({
      port: 0,
      familiarOf: familiarFromPairs(dataset.manifest.pairs),
      servedAs: { 'Qwen/Qwen2-VL-7B-Instruct': 'prototype' },
      maxImagesPerPrompt: 5,
    });
    try {
      const other = new OpenAI({ baseURL: standIn.url, apiKey: 'unused', maxRetries: 0 });
      expect((await other.models.list()).data.map((m) => m.id)).toEqual([
        'Qwen/Qwen2-VL-7B-Instruct',
        ...REFERENCE_MODELS,
      ]);
      const index = indexBenchmark(dataset.manifest);
      const encoder = new ImageEncoder(dataset.store, dataset.manifest);
      const [small, large] = ['2', '8'].map((shots) =>
        [...buildEpisodes(index, { shots: [Number(shots)], policies: ['lcl'], draws: 1 })].at(0),
      );
      const prototype = builtinAdapter(
        'prototype',
        encoder,
        familiarFromPairs(dataset.manifest.pairs),
      );
      const ask = async (episode: typeof small) =>
        other.chat.completions.create({
          model: 'Qwen/Qwen2-VL-7B-Instruct',
          messages: (await toChatMessages(
            episode as NonNullable<typeof small>,
            encoder,
          )) as OpenAI.ChatCompletionMessageParam[],
        });
      // Under the checkpoint's name, the prototype answers; 3 images pass a limit of 5, 9 do not.
      expect((await ask(small)).choices[0]?.message.content).toBe(
        (await prototype.answer(small as NonNullable<typeof small>)).answer,
      );
      await expect(ask(large)).rejects.toMatchObject({
        status: 400,
        message: expect.stringMatching(
          /At most 5 image\(s\) may be provided in one prompt; this one has 9/,
        ),
      });
    } finally {
      await standIn.close();
    }
  });

  it('serves the lookup: right wherever its public answer key applies, a guess on a ranked draw', async () => {
    const keyed = await startReferenceServer({
      port: 0,
      familiarOf: familiarFromPairs(dataset.manifest.pairs),
      answerKey: answerKeyOf([dataset.manifest]),
    });
    try {
      const other = new OpenAI({ baseURL: keyed.url, apiKey: 'unused', maxRetries: 0 });
      const ask = async (episode: Episode, encoder: ImageEncoder) =>
        (
          await other.chat.completions.create({
            model: 'lookup',
            messages: (await toChatMessages(
              episode,
              encoder,
            )) as OpenAI.ChatCompletionMessageParam[],
          })
        ).choices[0]?.message.content ?? '';
      const publicEpisodes = [
        ...buildEpisodes(indexBenchmark(dataset.manifest), {
          shots: [2],
          policies: ['lcl'],
          draws: 1,
        }),
      ];
      const encoder = new ImageEncoder(dataset.store, dataset.manifest);
      for (const episode of publicEpisodes)
        expect(await ask(episode, encoder)).toBe(`there is "${episode.query.label}" in the image.`);
      // A ranked draw: no image is in the key; it answers one of the two names, as a guess.
      const draw = drawRanked({
        seed: drawSeed('4d'.repeat(32), 'lookup'),
        shots: [2],
        perPolicy: 10,
      });
      let right = 0;
      for (const episode of draw.episodes) {
        const answer = await ask(episode, rankedEncoder(draw));
        expect(
          [episode.query.label, episode.query.other].map((l) => `there is "${l}" in the image.`),
        ).toContain(answer);
        if (answer.includes(`"${episode.query.label}"`)) right++;
      }
      expect(right).toBeGreaterThan(0);
      expect(right).toBeLessThan(draw.episodes.length);
      // A hidden benchmark gives the key nothing.
      expect(
        answerKeyOf([
          { ...dataset.manifest, benchmark: { ...dataset.manifest.benchmark, split: 'hidden' } },
        ]).size,
      ).toBe(0);
    } finally {
      await keyed.close();
    }
  });

  it('fails about the given fraction of chat requests, in the ways real servers fail', async () => {
    const kinds: string[] = [];
    const faulty = await startReferenceServer({
      port: 0,
      faults: 0.5,
      stallMs: 20,
      familiarOf: () => undefined,
      log: (line) => kinds.push(line.replace('fault: ', '')),
    });
    try {
      const encoder = new ImageEncoder(dataset.store, dataset.manifest);
      const episode = buildEpisodes(indexBenchmark(dataset.manifest), {
        shots: [2],
        policies: ['lcl'],
        draws: 1,
      }).next().value!;
      const body = JSON.stringify({
        model: 'random',
        messages: await toChatMessages(episode, encoder),
      });
      let good = 0;
      for (let i = 0; i < 80; i++) {
        const outcome = await fetch(`${faulty.url}/chat/completions`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json' },
        })
          .then(async (r) => (r.ok ? JSON.parse(await r.text()).choices[0].message.content : null))
          .catch(() => null);
        if (outcome) good++;
      }
      expect(good).toBeGreaterThan(80 * 0.3);
      expect(good).toBeLessThan(80 * 0.7);
      expect(new Set(kinds).size).toBeGreaterThanOrEqual(6);
      await expect(client.models.list()).resolves.toBeDefined();
    } finally {
      await faulty.close();
    }
  });
});
