import { describe, expect, it } from 'vitest';
import {
  type BoardRow,
  boardLinks,
  boardQuery,
  boardRows,
} from '../../src/app/_leaderboard/board-state';

const version = {
  id: 3,
  name: 'isekai-synth',
  version: '3.1',
  rankedSetting: { shots: [2, 4], draws: 2, policy: 'lcl', scorer: 'strict' },
} as Parameters<typeof boardQuery>[1];

const row = (id: number, fields: Partial<BoardRow>) =>
  ({
    submissionId: id,
    model: `model-${id}`,
    organisation: null,
    paramsB: null,
    weights: null,
    ranked: true,
    accuracy: 0.5,
    perShot: {},
    finishedAt: null,
    ...fields,
  }) as BoardRow;

describe('the public board’s query', () => {
  it('falls back to the version’s ranked setting, and names a filter it does not apply', () => {
    const query = boardQuery(
      { policy: 'nope', sort: 'nope', params_min: 'lots', q: 'QWEN' },
      version,
    );
    expect(query).toMatchObject({
      versionId: 3,
      benchmark: 'isekai-synth@3.1',
      policy: 'lcl',
      scorer: 'strict',
      sort: 'accuracy',
      q: 'qwen',
      filter: {},
      all: false,
    });
    expect(query.filterProblem).toMatch(/^params_min: /);
  });

  it('links keep what the page shows, the version by its name, never its id', () => {
    const query = boardQuery(
      {
        benchmark: 'isekai-synth@3.1',
        sort: 'size',
        q: 'Org',
        self: '1',
        weights: 'open',
        scorer: 'official',
      },
      version,
    );
    const links = boardLinks(query);
    expect(links.link({ sort: 'model' })).toBe(
      '/?benchmark=isekai-synth%403.1&policy=lcl&scorer=official&sort=model&q=org&self=1&weights=open',
    );
    expect(links.link({ all: '1' })).toBe(
      '/?benchmark=isekai-synth%403.1&policy=lcl&scorer=official&sort=size&q=org&self=1&weights=open&all=1',
    );
    expect(links.exportLink('csv')).toBe(
      '/api/export?benchmark=isekai-synth%403.1&policy=lcl&scorer=official&format=csv&self=1&weights=open',
    );
    expect(links.clearFilters).toBe(
      '/?benchmark=isekai-synth%403.1&policy=lcl&scorer=official&sort=size',
    );
  });
});

describe('the public board’s rows', () => {
  const board = [
    row(1, {
      model: 'Beta',
      organisation: 'Org B',
      paramsB: 7,
      accuracy: 0.6,
      perShot: { 4: 0.6 },
    }),
    row(2, {
      model: 'alpha',
      organisation: 'Org A',
      paramsB: 70,
      accuracy: 0.8,
      perShot: { 2: 0.8 },
    }),
    row(3, { model: 'gamma', accuracy: 0.7, ranked: false }),
  ];

  it('sorts each list by the chosen key and keeps the organisations of the whole board', () => {
    const byModel = boardRows(board, boardQuery({ sort: 'model' }, version));
    expect(byModel.ranked.map((r) => r.model)).toEqual(['alpha', 'Beta']);
    expect(byModel.unranked.map((r) => r.model)).toEqual(['gamma']);
    expect(byModel.shots).toEqual([2, 4]);
    expect(byModel.organisations).toEqual(['Org A', 'Org B']);
    expect(boardRows(board, boardQuery({}, version)).ranked.map((r) => r.submissionId)).toEqual([
      2, 1,
    ]);
  });

  it('filters after ranking: counts among all ranked rows, and searches organisations too', () => {
    const shown = boardRows(board, boardQuery({ params_max: '10', q: 'org' }, version));
    expect(shown.ranked.map((r) => r.submissionId)).toEqual([1]);
    expect(shown).toMatchObject({ rankedMatching: 1, rankedOnBoard: 2, filtered: true });
    expect(shown.organisations).toEqual(['Org A', 'Org B']);
  });

  it('shows the first 100 of each list unless all are asked for', () => {
    const many = Array.from({ length: 120 }, (_, i) => row(i + 1, {}));
    expect(boardRows(many, boardQuery({}, version))).toMatchObject({ limit: 100 });
    expect(boardRows(many, boardQuery({}, version)).ranked).toHaveLength(100);
    expect(boardRows(many, boardQuery({ all: '1' }, version)).ranked).toHaveLength(120);
  });
});
