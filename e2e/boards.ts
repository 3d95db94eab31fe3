import type { Page } from '@playwright/test';

/**
 * The boards as the e2e specs wait for them: `start` queues the built-in baselines, public and
 * ranked, and the site shows them once they have run.
 */

/**
 * The public isekai-synth board's address, as the site links to it, once its baselines are done:
 * of the isekai-synth boards `/` links to, the first with the three baselines' rows.
 */
export async function publicBoard(page: Page): Promise<string> {
  const rows = page.locator('[data-testid=leaderboard] tbody tr');
  for (let i = 0; i < 150; i++) {
    await page.goto('/');
    // Before the ranked board has rows, `/` is the public board itself.
    if ((await rows.count()) >= 3) return '/';
    // After, it opens on the ranked board, which links to the public boards by name.
    const hrefs = await page
      .getByTestId('public-boards')
      .getByRole('link', { name: /^isekai-synth@/ })
      .evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
    for (const href of hrefs.filter(Boolean)) {
      await page.goto(href);
      if ((await rows.count()) >= 3) return href;
    }
    await page.waitForTimeout(1000);
  }
  throw new Error('no public isekai-synth board got its baselines');
}

/** The ranked board, once `start`'s ranked baselines have ended (`/` opens on it then). */
export async function rankedBoardReady(page: Page): Promise<void> {
  // The ranked runs render every image of their draws: minutes on a loaded 2-core machine.
  for (let i = 0; i < 360; i++) {
    await page.goto('/ranked');
    if ((await page.getByTestId('ranked-row').count()) >= 3) return;
    await page.waitForTimeout(1000);
  }
  throw new Error('the ranked board did not get its baselines');
}
