import { expect, type Page, test } from '@playwright/test';
import { publicBoard, rankedBoardReady } from '../boards';

// The site's defects a newcomer met (issue 29), against the platform `linkboard start` runs:
// the boards fit their boxes on a laptop and a phone, the score in view on the phone, and
// `/compare` of a board's own rows answers. Rows and boards are found through the pages' own
// links, never by id. The file's name sorts it before platform.spec.ts, whose last test stops the
// database for good: files run one after another, in order of their names.

test.describe.configure({ mode: 'serial' });

const SIZES = [
  [1440, 900],
  [390, 844],
] as const;

/** Each table of the page that is wider than its box (or than its own scrolling box), named. */
const overflowing = (page: Page) =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll('main table')).flatMap((table) => {
      const box = table.parentElement as HTMLElement;
      const t = table as HTMLElement;
      const name = t.dataset.testid ?? 'a table';
      const out: string[] = [];
      if (box.scrollWidth > box.clientWidth + 1)
        out.push(`${name}: its box scrolls (${box.scrollWidth} > ${box.clientWidth} px)`);
      if (t.scrollWidth > t.clientWidth + 1)
        out.push(`${name}: scrolls inside itself (${t.scrollWidth} > ${t.clientWidth} px)`);
      const tr = t.getBoundingClientRect();
      const br = box.getBoundingClientRect();
      if (tr.right > br.right + 1 || tr.left < br.left - 1)
        out.push(`${name}: ${Math.round(tr.width)} px wide in a box of ${Math.round(br.width)}`);
      return out;
    }),
  );

let board = '';
const boardRows: string[] = [];
const rankedRuns: string[] = [];

test('the boards the site shows are found from its own links', async ({ page }) => {
  test.setTimeout(720_000);
  // The ranked board first: once it has rows, `/` opens on it and links to the public boards.
  await rankedBoardReady(page);
  board = await publicBoard(page);
  const ids = await page
    .locator('[data-testid=leaderboard] tbody tr a[href^="/submissions/"]')
    .evaluateAll((links) => [
      ...new Set(links.map((a) => a.getAttribute('href')?.split('/').pop() ?? '')),
    ]);
  boardRows.push(...ids.filter(Boolean).slice(0, 3));
  expect(boardRows).toHaveLength(3);
  await page.goto('/ranked');
  const runs = await page
    .locator('[data-testid=ranked-runs] a[href^="/submissions/"]')
    .evaluateAll((links) => links.map((a) => a.getAttribute('href')?.split('/').pop() ?? ''));
  rankedRuns.push(...runs.filter(Boolean).slice(0, 3));
  expect(rankedRuns.length).toBeGreaterThanOrEqual(2);
});

for (const [width, height] of SIZES) {
  test(`at ${width}×${height} no board table is wider than its box`, async ({ page }) => {
    expect(board, 'the boards were found').not.toBe('');
    await page.setViewportSize({ width, height });
    for (const path of [board, '/', '/ranked']) {
      await page.goto(path);
      await page.waitForLoadState('networkidle');
      expect(await page.locator('main table').count(), path).toBeGreaterThan(0);
      expect(await overflowing(page), `${path} at ${width} px`).toEqual([]);
      const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(pageWidth, `${path} at ${width} px`).toBeLessThanOrEqual(width);
    }
  });
}

test('at 390 px the score column is in view without scrolling sideways', async ({ page }) => {
  expect(board, 'the boards were found').not.toBe('');
  await page.setViewportSize({ width: 390, height: 844 });
  for (const [path, score] of [
    [board, '[data-testid=leaderboard] tbody tr td.score'],
    ['/ranked', '[data-testid=ranked-board] tbody tr td.score'],
  ] as const) {
    await page.goto(path);
    const cells = page.locator(score);
    await expect(cells.first()).toBeVisible();
    const outside = await cells.evaluateAll((tds) =>
      tds.flatMap((td) => {
        const r = td.getBoundingClientRect();
        const box = (td.closest('.scroll-x') ?? document.body).getBoundingClientRect();
        return r.width > 0 && r.left >= 0 && r.right <= Math.min(window.innerWidth, box.right) + 1
          ? []
          : [`${td.textContent}: ${Math.round(r.left)}–${Math.round(r.right)} px`];
      }),
    );
    expect(outside, path).toEqual([]);
    // The other columns are a tick away, in the table's own box; the page still does not scroll.
    await page.locator('[data-testid=columns-toggle]').first().click();
    await expect(page.locator('main table th.secondary').first()).toBeVisible();
    const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(pageWidth).toBeLessThanOrEqual(390);
  }
});

test("/compare of a board's own rows answers 200", async ({ page }) => {
  expect(boardRows, 'the boards were found').toHaveLength(3);
  // The public board's rows: paired, every pair tested.
  const paired = await page.goto(`/compare?ids=${boardRows.join(',')}`);
  expect(paired?.status()).toBe(200);
  await expect(page.getByTestId('pair-cell')).toHaveCount(3);
  // The board the site opens on, the ranked one: its runs compared unpaired.
  const unpaired = await page.goto(`/compare?ids=${rankedRuns.join(',')}`);
  expect(unpaired?.status()).toBe(200);
  await expect(page.getByTestId('unpaired')).toBeVisible();
  // Runs of both: a message saying why not and where to go, not a 500.
  const mixed = await page.goto(`/compare?ids=${boardRows[0]},${rankedRuns[0]}`);
  expect(mixed?.status()).toBe(200);
  await expect(page.getByTestId('compare-refused')).toContainText('cannot be compared');
  // A submission page's "pick models" opens the picker on that run.
  await page.goto(`/submissions/${rankedRuns[0]}`);
  await page.getByRole('link', { name: 'pick models' }).click();
  await expect(page.getByTestId('compare-picker').locator('select[name=ids]').first()).toHaveValue(
    String(rankedRuns[0]),
  );
});
