import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { alice, openTestSite, type TestViewer } from '../site';
import { html, textOf } from './render';

// Every page a reader can reach with nothing to show, or refused, says what to do next: a link
// or a button somewhere useful, not a dead end.
const as = vi.hoisted(() => ({ viewer: null as TestViewer | null }));
let site: Awaited<ReturnType<typeof openTestSite>>;
vi.mock('~/server/caller', async (importOriginal) => ({
  ...(await importOriginal<typeof import('~/server/caller')>()),
  api: async () => site.caller(as.viewer),
}));

beforeAll(async () => {
  site = await openTestSite('empty-states');
});
afterAll(() => site.database.drop());

/** The hrefs a page links to. */
const links = (markup: string) => [...markup.matchAll(/<a [^>]*href="([^"]+)"/g)].map((m) => m[1]);

describe('error pages', () => {
  it('a failed page offers to try again and somewhere to go, with the digest to report', async () => {
    const { default: ErrorPage } = await import('../../src/app/error');
    const error = Object.assign(new Error('SELECT secret'), { digest: 'abc123' });
    const markup = await html(<ErrorPage error={error} reset={() => {}} />);
    expect(markup).toContain('data-testid="try-again"');
    expect(links(markup)).toEqual(expect.arrayContaining(['/', '/queue']));
    expect(textOf(markup)).toContain('error abc123');
    expect(markup).not.toContain('SELECT secret');
  });

  it('not found says how to reach a private submission of one’s own', async () => {
    const { default: NotFound } = await import('../../src/app/not-found');
    const markup = await html(<NotFound />);
    expect(links(markup)).toEqual(expect.arrayContaining(['/sign-in', '/submissions', '/']));
  });

  it('forbidden says to come back once the run has answered, and where to watch it', async () => {
    const { default: Forbidden } = await import('../../src/app/forbidden');
    const markup = await html(<Forbidden />);
    expect(textOf(markup)).toContain('Reload this page once the run has answered it');
    expect(links(markup)).toEqual(expect.arrayContaining(['/queue', '/']));
  });
});

describe('empty states', () => {
  it('an empty queue points to the submit form and the leaderboard', async () => {
    const { default: QueuePage } = await import('../../src/app/queue/page');
    const markup = await html(QueuePage());
    expect(markup).toContain('data-testid="queue-empty"');
    expect(links(markup)).toEqual(expect.arrayContaining(['/submit', '/']));
  });

  it('the tokens page, signed out, says to sign in and come back, and that reading needs none', async () => {
    const { default: TokensPage } = await import('../../src/app/tokens/page');
    const markup = await html(TokensPage());
    const text = textOf(markup);
    expect(text).toContain('then come back to this page');
    expect(text).toContain('Reading needs no key');
    expect(links(markup)).toEqual(expect.arrayContaining(['/sign-in', '/sign-up']));
  });

  it('my submissions, none yet, points to the form and the tokens page', async () => {
    const { default: Mine } = await import('../../src/app/submissions/page');
    as.viewer = alice;
    try {
      const markup = await html(Mine());
      expect(markup).toContain('data-testid="mine-empty"');
      expect(links(markup)).toEqual(expect.arrayContaining(['/submit', '/tokens']));
    } finally {
      as.viewer = null;
    }
  });

  it('the compare page with no run to pick says how to get one', async () => {
    const { default: ComparePage } = await import('../../src/app/compare/page');
    const markup = await html(ComparePage({ searchParams: Promise.resolve({}) }));
    expect(markup).toContain('data-testid="compare-empty"');
    expect(links(markup)).toEqual(expect.arrayContaining(['/submit', '/queue']));
  });
});
