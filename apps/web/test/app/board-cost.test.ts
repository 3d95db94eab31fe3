import { describe, expect, it } from 'vitest';
import { boardLinks, boardQuery } from '../../src/app/_leaderboard/board-state';

const version = {
  id: 3,
  name: 'isekai-synth',
  version: '3.1',
  rankedSetting: { shots: [2, 4], draws: 2, policy: 'lcl', scorer: 'strict' },
} as Parameters<typeof boardQuery>[1];

describe('the public board’s cost column', () => {
  it('is off unless asked for with cost=1', () => {
    expect(boardQuery({}, version).cost).toBe(false);
    expect(boardQuery({ cost: 'yes' }, version).cost).toBe(false);
    expect(boardQuery({ cost: '1' }, version).cost).toBe(true);
  });

  it('is kept by the board’s own links (not the export’s) and toggled by one', () => {
    const off = boardLinks(boardQuery({ benchmark: 'isekai-synth@3.1', q: 'Org' }, version));
    expect(off.link({ sort: 'model' })).toBe(
      '/?benchmark=isekai-synth%403.1&policy=lcl&scorer=strict&sort=model&q=org',
    );
    expect(off.costToggle).toBe(
      '/?benchmark=isekai-synth%403.1&policy=lcl&scorer=strict&sort=accuracy&q=org&cost=1',
    );

    const on = boardLinks(
      boardQuery({ benchmark: 'isekai-synth@3.1', q: 'Org', cost: '1' }, version),
    );
    expect(on.link({ sort: 'model' })).toBe(
      '/?benchmark=isekai-synth%403.1&policy=lcl&scorer=strict&sort=model&q=org&cost=1',
    );
    expect(on.clearFilters).toBe(
      '/?benchmark=isekai-synth%403.1&policy=lcl&scorer=strict&sort=accuracy&cost=1',
    );
    expect(on.costToggle).toBe(
      '/?benchmark=isekai-synth%403.1&policy=lcl&scorer=strict&sort=accuracy&q=org',
    );
    expect(on.exportLink('csv')).not.toContain('cost');
  });
});
