import {
  buildEpisodes,
  drawSeed,
  type Episode,
  estimateRun,
  type ImageSize,
  indexBenchmark,
  openAiImageTokens,
} from '@linkboard/core';
import { fixtureManifest } from '@linkboard/core/testing';
import { drawRanked, loadDataset } from '@linkboard/datasets';
import OpenAI from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinAdapter, familiarFromPairs } from '../../src/adapters/builtin';
import { ImageEncoder, toChatMessages } from '../../src/adapters/encode';
import { answerKeyOf, BUILTIN_MODELS, REFERENCE_MODELS } from '../../src/baselines';
import { rankedEncoder } from '../../src/ranked';
import {
  headerSize,
  type RunningServer,
  startReferenceServer,
  textTokens,
} from '../../src/server/reference-server';
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

/** A plain image of the given size and format, as its encoded bytes. */
const picture = (
  width: number,
  height: number,
  format: 'png' | 'jpeg' | 'webp' | 'gif',
  options: { alpha?: boolean; progressive?: boolean; lossless?: boolean } = {},
) =>
  sharp({
    create: {
      width,
      height,
      channels: options.alpha ? 4 : 3,
      background: options.alpha ? { r: 200, g: 90, b: 30, alpha: 0.5 } : '#c85a1e',
    },
  })
    .toFormat(format, { progressive: options.progressive, lossless: options.lossless })
    .toBuffer();
const dataUrl = (bytes: Buffer, type: string) =>
  `data:image/${type};base64,${bytes.toString('base64')}`;

describe('reference server usage', () => {
  it('reads sizes from PNG, JPEG and WebP headers, and nothing from what is none of them', async () => {
    const cases: [Promise<Buffer>, number, number][] = [
      [picture(1024, 700, 'png'), 1024, 700],
      [picture(333, 2000, 'jpeg'), 333, 2000],
      [picture(640, 480, 'jpeg', { progressive: true }), 640, 480],
      [picture(1920, 1080, 'webp'), 1920, 1080],
      [picture(301, 17, 'webp', { lossless: true }), 301, 17],
      [picture(500, 400, 'webp', { alpha: true }), 500, 400],
    ];
    for (const [bytes, width, height] of cases)
      expect(headerSize(await bytes)).toEqual({ width, height });
    expect(headerSize(await picture(10, 10, 'gif'))).toBeNull();
    expect(headerSize(Buffer.from('not an image at all, though long enough'))).toBeNull();
    expect(headerSize((await picture(64, 64, 'jpeg')).subarray(0, 12))).toBeNull();
  });

  it('counts text by words, numbers and symbols, long words in pieces', () => {
    expect(textTokens('there is "cat" in the image.')).toBe(9);
    // "photographed" is two pieces; 2024 is "202" and "4".
    expect(textTokens('And this one, photographed in 2024?')).toBe(10);
    expect(textTokens('')).toBe(0);
  });

  it('reports the tokens a vision model would for a request with known images', async () => {
    const [png, jpeg, webp] = await Promise.all([
      picture(1024, 1024, 'png'),
      picture(300, 200, 'jpeg'),
      picture(1920, 1080, 'webp'),
    ]);
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this? ' },
          { type: 'image_url', image_url: { url: dataUrl(png, 'png') } },
        ],
      },
      { role: 'assistant', content: 'there is "cat" in the image.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'And this one, photographed in 2024?' },
          { type: 'image_url', image_url: { url: dataUrl(jpeg, 'jpeg') } },
        ],
      },
      { role: 'assistant', content: 'there is "dog" in the image.' },
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: dataUrl(webp, 'webp') } },
          { type: 'text', text: 'Cat or dog?' },
        ],
      },
    ];
    const reply = await client.chat.completions.create({ model: 'random', messages });
    // Images: 1024² is 2 × 2 tiles after its short side goes to 768, 300 × 200 one tile, and
    // 1920 × 1080 becomes 1365 × 768, 3 × 2 tiles. Text: 4 + 9 + 10 + 9 + 4 pieces. Framing: 3 per
    // message and 3 for the reply.
    const prompt = 765 + 255 + 1105 + 36 + 5 * 3 + 3;
    expect(reply.choices[0]?.message.content).toMatch(/^there is "(cat|dog)" in the image\.$/);
    expect(reply.usage).toEqual({
      prompt_tokens: prompt,
      completion_tokens: 9,
      total_tokens: prompt + 9,
    });
    // Streamed, it reports the same in a last chunk when asked to, as OpenAI does.
    const stream = await client.chat.completions.create({
      model: 'random',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage).toEqual(reply.usage);
  });

  it('refuses an image it cannot read, as a vision model’s server does', async () => {
    await expect(
      client.chat.completions.create({
        model: 'random',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in the image?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAAAAAA' } },
            ],
          },
        ],
      }),
    ).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/image 1 could not be read/),
    });
  });

  it('reports about what core estimates for a benchmark’s episodes', async () => {
    const index = indexBenchmark(dataset.manifest);
    const episodes = [
      ...buildEpisodes(index, { shots: [2, 8], policies: ['lcl', 'icl'], draws: 1 }),
      ...buildEpisodes(index, { shots: [0], policies: ['zero-shot'], draws: 1 }),
    ];
    const encoder = new ImageEncoder(dataset.store, dataset.manifest);
    let actual = 0;
    for (const episode of episodes) {
      const reply = await client.chat.completions.create({
        model: 'random',
        messages: (await toChatMessages(episode, encoder)) as OpenAI.ChatCompletionMessageParam[],
      });
      actual += reply.usage?.prompt_tokens ?? 0;
    }
    const estimate = estimateRun({
      episodes,
      imageSizes: new Map(dataset.manifest.images.map((i) => [i.id, i])),
    });
    // The images are counted alike; only the text is counted differently (characters over four
    // against words and symbols), and it is a small share of each prompt.
    expect(Math.abs(estimate.promptTokens - actual) / actual).toBeLessThan(0.05);
  });

  it('counts the images as sent: maxImageSide shrinks them as core’s estimate expects', async () => {
    // A benchmark of names whose images are made here, at sizes that span the tile rule.
    const manifest = fixtureManifest({ pairs: 1, supportPerConcept: 4, queriesPerConcept: 1 });
    const shapes: ImageSize[] = [
      { width: 1600, height: 1200 },
      { width: 900, height: 900 },
      { width: 3000, height: 500 },
      { width: 400, height: 1300 },
      { width: 2500, height: 2500 },
    ];
    const sizes = new Map(
      manifest.images.map((image, i) => [image.id, shapes[i % shapes.length]!]),
    );
    const bytes = new Map(
      await Promise.all(
        manifest.images.map(
          async (image) =>
            [
              image.id,
              await picture(sizes.get(image.id)!.width, sizes.get(image.id)!.height, 'png'),
            ] as const,
        ),
      ),
    );
    const store = { read: async (id: string) => bytes.get(id)! };
    const episodes = [
      ...buildEpisodes(indexBenchmark(manifest), { shots: [2, 8], policies: ['lcl'], draws: 2 }),
    ];
    const reported = async (maxSide?: number) => {
      const encoder = new ImageEncoder(store, manifest, maxSide);
      let tokens = 0;
      for (const episode of episodes) {
        const reply = await client.chat.completions.create({
          model: 'random',
          messages: (await toChatMessages(episode, encoder)) as OpenAI.ChatCompletionMessageParam[],
        });
        tokens += reply.usage?.prompt_tokens ?? 0;
      }
      return tokens;
    };
    const estimated = (maxImageSide?: number) =>
      estimateRun({ episodes, imageSizes: sizes, maxImageSide }).promptTokens;
    const [whole, shrunk] = [await reported(), await reported(512)];
    // The same prompts' text either way: what shrinking saves is all in the images, and the
    // estimate saves exactly what the server stops counting.
    expect(estimated() - estimated(512)).toBe(whole - shrunk);
    expect(whole - shrunk).toBeGreaterThan(0);
    expect(Math.abs(estimated() - whole) / whole).toBeLessThan(0.05);
    // At 512 px or less every image is one tile.
    const images = estimateRun({ episodes, tokensPerImage: 0 }).images;
    expect(
      shrunk -
        estimateRun({ episodes, tokensPerImage: 0, countTextTokens: textTokens }).promptTokens,
    ).toBe(images * openAiImageTokens(512, 512));
  });
});
