import { describe, expect, it } from 'vitest';
import { buildEpisodes, indexBenchmark } from '../src/episode';
import { MAX_ANSWER_CHARS } from '../src/predictions';
import {
  FailBodySchema,
  JobStartReplySchema,
  PreparedEpisodeSchema,
  preparedEpisode,
  RawAnswerSchema,
  ResultsBodySchema,
} from '../src/runner-api';
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

describe('a raw answer on the wire', () => {
  it('is kept as the endpoint adapters keep one: cut at MAX_ANSWER_CHARS and marked truncated', () => {
    expect(MAX_ANSWER_CHARS).toBe(8_000);
    const long = RawAnswerSchema.parse({ episodeId: 'e', rawAnswer: 'x'.repeat(1_000_000) });
    expect(long.rawAnswer).toBe('x'.repeat(MAX_ANSWER_CHARS));
    expect(long.answerTruncated).toBe(true);
    // At the cap it is whole, and what the runner said of it stands.
    const atCap = RawAnswerSchema.parse({
      episodeId: 'e',
      rawAnswer: 'y'.repeat(MAX_ANSWER_CHARS),
    });
    expect(atCap).toEqual({ episodeId: 'e', rawAnswer: 'y'.repeat(MAX_ANSWER_CHARS) });
    const said = RawAnswerSchema.parse({ episodeId: 'e', rawAnswer: 'a', answerTruncated: true });
    expect(said.answerTruncated).toBe(true);
    // NUL, which PostgreSQL text cannot hold, is replaced as the adapters replace it.
    expect(RawAnswerSchema.parse({ episodeId: 'e', rawAnswer: 'a\u0000b' }).rawAnswer).toBe(
      'a\uFFFDb',
    );
    expect(RawAnswerSchema.parse({ episodeId: 'e', rawAnswer: null }).rawAnswer).toBeNull();
    // A body of them gets the same cut; past what one request may carry it is refused by name.
    const body = ResultsBodySchema.parse({
      token: 't',
      answers: [{ episodeId: 'e', rawAnswer: 'z'.repeat(MAX_ANSWER_CHARS + 1) }],
    });
    expect(body.answers[0]?.rawAnswer).toHaveLength(MAX_ANSWER_CHARS);
    const tooBig = ResultsBodySchema.safeParse({
      token: 't',
      answers: [{ episodeId: 'e', rawAnswer: 'z'.repeat(1_000_001) }],
    });
    expect(tooBig.success).toBe(false);
    expect(tooBig.error?.issues[0]?.path).toEqual(['answers', 0, 'rawAnswer']);
  });
});

describe('a failure a runner reports', () => {
  it('keeps its lines and replaces other control characters, so the report always lands', () => {
    const parsed = FailBodySchema.parse({
      token: 't',
      error: 'HTTP 400: \u001b[31mbad\u0000\u001b[0m\nnext line\ttab',
      errorClass: 'client-error',
    });
    expect(parsed.error).toBe('HTTP 400: \uFFFD[31mbad\uFFFD\uFFFD[0m\nnext line\ttab');
  });
});
