import { describe, expect, it } from 'vitest';
import { buildEpisodes, indexBenchmark } from '../src/episode';
import { JobStartReplySchema, PreparedEpisodeSchema, preparedEpisode } from '../src/runner-api';
import { fixtureManifest } from '../src/testing';

const episodes = () => [
  ...buildEpisodes(indexBenchmark(fixtureManifest()), {
    shots: [2, 4],
    policies: ['lcl', 'flip'],
    draws: 1,
  }),
];

describe('a prepared episode', () => {
  it('carries the id, the shot count and the prompt the model is sent, and nothing that scores it', () => {
    for (const episode of episodes()) {
      const prepared = preparedEpisode(episode);
      expect(Object.keys(prepared).sort()).toEqual(['id', 'prompt', 'shots']);
      expect(Object.keys(prepared.prompt).sort()).toEqual(['messages', 'text']);
      // The prompt is the episode's own, part for part: the model is asked exactly the same.
      expect(prepared.prompt).toEqual(episode.prompt);
      expect(PreparedEpisodeSchema.parse(prepared)).toEqual(prepared);
      // Neither the answer nor the query's class is anywhere in it, the names the prompt shows aside.
      const sent = JSON.stringify(prepared);
      for (const field of ['label', 'other', 'queryClass', 'conceptId', 'pairId', 'demoHash'])
        expect(sent).not.toContain(`"${field}"`);
      expect(sent).not.toContain(episode.query.conceptId);
      expect(sent).not.toContain(episode.demoHash);
      expect(sent).not.toContain(`"${episode.policy}"`);
    }
  });

  it('refuses a part that is neither text nor an image id', () => {
    const [episode] = episodes();
    const prepared = preparedEpisode(episode as NonNullable<typeof episode>);
    const bad = {
      ...prepared,
      prompt: {
        ...prepared.prompt,
        messages: [{ role: 'user', content: [{ type: 'image', imageId: 'not-a-hash' }] }],
      },
    };
    expect(PreparedEpisodeSchema.safeParse(bad).success).toBe(false);
  });

  it('reads a start reply of an older site as a job built from its manifest', () => {
    const reply = JobStartReplySchema.parse({
      submission: {
        id: 1,
        benchmarkVersionId: 2,
        adapter: 'openai',
        adapterConfig: {},
        shots: [2],
        policies: ['lcl'],
        draws: 1,
      },
      answered: [],
    });
    expect(reply.prepared).toBe(false);
    expect(reply.benchmark).toBeUndefined();
  });
});
