import { buildEpisodes, type Episode, indexBenchmark } from '@linkboard/core';
import { loadDataset } from '@linkboard/datasets';
import { afterEach, beforeAll } from 'vitest';
import { ImageEncoder } from '../../src/adapters/encode';
import { smallSynth } from '../helpers';
import { providerServer, type Reply } from '../provider-apis';

/**
 * What a provider adapter's tests share: a 4-shot LCL episode of the small isekai-synth with its
 * encoder, stand-ins of the provider closed after each test, and a backoff clock that records.
 */
export function providerFixture(provider: 'anthropic' | 'gemini') {
  const fixture = {
    episode: undefined as unknown as Episode,
    encoder: undefined as unknown as ImageEncoder,
    /** Every backoff wait asked for, in milliseconds. */
    sleeps: [] as number[],
    sleep: async (ms: number) => {
      fixture.sleeps.push(ms);
    },
    async server(script: Reply[] = []) {
      const s = await providerServer(provider, script);
      servers.push(s);
      return s;
    },
  };
  const servers: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    const dataset = await loadDataset(await smallSynth());
    fixture.encoder = new ImageEncoder(dataset.store, dataset.manifest);
    fixture.episode = buildEpisodes(indexBenchmark(dataset.manifest), {
      shots: [4],
      policies: ['lcl'],
      draws: 1,
    }).next().value as Episode;
  });
  afterEach(async () => {
    fixture.sleeps.length = 0;
    for (const s of servers.splice(0)) await s.close();
  });
  return fixture;
}
