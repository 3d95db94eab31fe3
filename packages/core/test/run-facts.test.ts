import { describe, expect, it } from 'vitest';
import {
  mergeServedBy,
  POLICIES,
  PREFLIGHT_IMAGE_PREFIX,
  preflightPrompt,
  SERVED_BY_MAX_KEYS,
  ServedBySchema,
  ServedByTally,
} from '../src';

describe('preflightPrompt', () => {
  it('is the largest episode of the run’s own policy: its turns, shots + 1 images, no real name', () => {
    const { prompt, images } = preflightPrompt(['lcl'], [2, 16, 4]);
    expect(images).toHaveLength(17);
    expect(new Set(images).size).toBe(17);
    for (const id of images) expect(id.startsWith(PREFLIGHT_IMAGE_PREFIX)).toBe(true);
    const parts = prompt.messages.flatMap((m) => m.content);
    expect(parts.filter((p) => p.type === 'image')).toHaveLength(17);
    // The same turns as an lcl episode of 16 shots: instruction, 16 question/answer pairs, query.
    const episode = POLICIES.lcl.render({
      support: images.slice(0, 16).map((imageId, i) => ({ imageId, label: `x${i % 2}` })),
      query: { imageId: images[16] as string },
      candidates: ['x0', 'x1'],
    });
    expect(prompt.messages.map((m) => m.role)).toEqual(episode.messages.map((m) => m.role));
  });

  it('takes the query alone under zero-shot, and the policy that shows most at the largest count', () => {
    expect(preflightPrompt(['zero-shot'], [0]).images).toHaveLength(1);
    expect(preflightPrompt(['zero-shot', 'icl'], [0, 8]).images).toHaveLength(9);
  });
});

describe('ServedByTally', () => {
  it('counts names from outside as values, `__proto__` and `prototype` included', () => {
    const tally = new ServedByTally();
    for (const model of ['__proto__', 'prototype', 'constructor', '__proto__'])
      tally.note({ model, fingerprint: 'fp' });
    const stored = tally.toJSON();
    expect(stored.models).toEqual([
      { name: '__proto__', answers: 2 },
      { name: 'prototype', answers: 1 },
      { name: 'constructor', answers: 1 },
    ]);
    expect(ServedBySchema.parse(JSON.parse(JSON.stringify(stored)))).toEqual(stored);
    expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
  });

  it('merges the jobs of a run, keeps at most SERVED_BY_MAX_KEYS names, and the engine', () => {
    const a = new ServedByTally({ name: 'vllm', version: '0.10.1' });
    a.note({ model: 'm', fingerprint: 'f1' });
    const b = new ServedByTally();
    for (let i = 0; i < SERVED_BY_MAX_KEYS + 5; i++) b.note({ model: `m${i}` });
    b.note({ model: 'm', fingerprint: 'f2' });
    const merged = mergeServedBy(a.toJSON(), b.toJSON());
    expect(merged.engine).toEqual({ name: 'vllm', version: '0.10.1' });
    expect(merged.models).toHaveLength(SERVED_BY_MAX_KEYS);
    expect(merged.models.find((e) => e.name === 'm')).toEqual({ name: 'm', answers: 1 });
    expect(merged.fingerprints).toEqual([
      { name: 'f1', answers: 1 },
      { name: 'f2', answers: 1 },
    ]);
    expect(mergeServedBy(null, null)).toEqual({ models: [], fingerprints: [], engine: null });
  });

  it('refuses a stored tally naming a value twice or holding a negative count', () => {
    const twice = {
      models: [
        { name: 'm', answers: 1 },
        { name: 'm', answers: 2 },
      ],
      fingerprints: [],
      engine: null,
    };
    expect(ServedBySchema.safeParse(twice).success).toBe(false);
    const negative = { models: [{ name: 'm', answers: -1 }], fingerprints: [], engine: null };
    expect(ServedBySchema.safeParse(negative).success).toBe(false);
  });
});
