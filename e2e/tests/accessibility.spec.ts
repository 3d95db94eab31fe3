import { spawnSync } from 'node:child_process';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { BenchmarkListSchema, SITE_API } from '@linkboard/core';
import { type Browser, type BrowserContext, expect, type Page, test } from '@playwright/test';
import { publicBoard, rankedBoardReady } from '../boards';
import { BIN, E2E, platformEnv } from '../playwright.config';

// Issue 32: every page passes an automated accessibility check (axe, WCAG 2.1 A and AA) with no
// serious or critical violation at a laptop's and a phone's size, in light and dark mode; the site
// works from the keyboard and follows the system's colour scheme. The file's name sorts it first:
// platform.spec.ts's last test stops the database for good. It finds everything it visits through
// the site's own links (the baselines `start` runs) and makes its own accounts, so it needs no
// other spec's data, and what it adds (two accounts, a private run) is on no board.

const SITE = `http://127.0.0.1:${E2E.port}`;

/** The rule sets axe runs: WCAG 2.0 and 2.1, levels A and AA. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Impacts that fail a page; axe's minor and moderate ones are left to judgement. */
const FAILING_IMPACTS = new Set(['serious', 'critical']);

const SIZES = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

const SCHEMES = ['light', 'dark'] as const;

/** Who visits a page: nobody signed in, a newly signed-up submitter, or an admin. */
type Visitor = 'anonymous' | 'member' | 'admin';

/** What the pages with ids in their address are found as, through the site's own links. */
interface Found {
  /** The public isekai-synth board's address (`/` until the ranked board has rows). */
  board: string;
  /** `?benchmark=…` for that board, or '' where it is the default. */
  benchmarkQuery: string;
  /** Three finished submissions of the public board, their pages' addresses. */
  submissions: string[];
  /** A submission of the member's own (private, so its page shows the owner's controls). */
  ownSubmission: string;
  concept: string;
  episode: string;
}

interface SitePage {
  name: string;
  as: Visitor;
  path: (found: Found) => string;
  /** The HTTP status the page answers with. */
  status?: number;
  /** The name of its dark-mode screenshots (`<shot>-desktop.png`, `<shot>-phone.png`). */
  shot?: string;
}

/** Every page of the site, once per kind of visitor that sees it differently: one line each. */
const SITE_PAGES: SitePage[] = [
  { name: 'home (the ranked board)', as: 'anonymous', path: () => '/' },
  { name: 'public board', as: 'anonymous', path: (f) => f.board, shot: '20-dark-leaderboard' },
  { name: 'ranked board', as: 'anonymous', path: () => '/ranked' },
  { name: 'about', as: 'anonymous', path: () => '/about' },
  { name: 'compare: the picker', as: 'anonymous', path: () => '/compare' },
  {
    name: 'compare: three models',
    as: 'anonymous',
    path: (f) => `/compare?ids=${f.submissions.map((s) => s.split('/').pop()).join(',')}`,
  },
  { name: 'concepts', as: 'anonymous', path: (f) => `/concepts${f.benchmarkQuery}` },
  { name: 'a concept', as: 'anonymous', path: (f) => f.concept, shot: '23-dark-concept' },
  { name: 'an episode', as: 'anonymous', path: (f) => f.episode, shot: '22-dark-episode' },
  { name: 'queue', as: 'anonymous', path: () => '/queue' },
  {
    name: 'a submission',
    as: 'anonymous',
    path: (f) => f.submissions[0] as string,
    shot: '21-dark-submission',
  },
  { name: 'a submission, to its owner', as: 'member', path: (f) => f.ownSubmission },
  { name: 'my submissions', as: 'member', path: () => '/submissions' },
  { name: 'my submissions, signed out', as: 'anonymous', path: () => '/submissions' },
  { name: 'submit', as: 'member', path: () => '/submit', shot: '24-dark-submit' },
  { name: 'submit, signed out', as: 'anonymous', path: () => '/submit' },
  { name: 'tokens', as: 'member', path: () => '/tokens', shot: '25-dark-tokens' },
  { name: 'tokens, signed out', as: 'anonymous', path: () => '/tokens' },
  { name: 'sign in', as: 'anonymous', path: () => '/sign-in' },
  { name: 'sign up', as: 'anonymous', path: () => '/sign-up' },
  { name: 'not found', as: 'anonymous', path: () => '/no-such-page', status: 404 },
  { name: 'admin', as: 'admin', path: () => '/admin', shot: '26-dark-admin' },
];

let found: Found | undefined;
/** Signed-in browser state (cookies) per kind of visitor; the anonymous one has none. */
const signedIn = new Map<Visitor, Awaited<ReturnType<BrowserContext['storageState']>>>();

/** A browser context for a kind of visitor, on the platform under test. */
const contextFor = (browser: Browser, as: Visitor) =>
  browser.newContext({ baseURL: SITE, storageState: signedIn.get(as) });

/** Signs a new account up through the form; its e-mail. */
async function signUp(page: Page, name: string): Promise<string> {
  const email = `${name.toLowerCase().replace(/\W+/g, '-')}-${Date.now()}@example.com`;
  await page.goto('/sign-up');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/submit$/);
  await expect(page.getByTestId('signed-in-as')).toHaveText(name);
  return email;
}

/** Waits until a page has drawn what loads after it: charts, sparklines, images, the header. */
async function settled(page: Page) {
  await page.waitForLoadState('networkidle');
  // Drawn, not necessarily visible: a run of one shot count is a point, a line of no length.
  const charts = page.locator('[data-testid=accuracy-chart]');
  if ((await charts.count()) > 0)
    await expect(charts.locator('.recharts-line').first()).toBeAttached();
  // Drawn, not necessarily visible: a flat sparkline (50% at every shot) has no height. On a
  // phone their column is folded away, and a chart in a hidden cell draws nothing.
  const sparklines = page.locator('[data-testid=leaderboard] [data-testid=curve-figures]');
  if ((await sparklines.count()) > 0 && (await sparklines.first().isVisible()))
    await expect(sparklines.locator('.recharts-line').first()).toBeAttached();
  await expect(page.getByTestId('account-pending')).toHaveCount(0);
  await expect
    .poll(() =>
      page.evaluate(() =>
        Array.from(document.images).every((img) => img.loading === 'lazy' || img.complete),
      ),
    )
    .toBe(true);
}

type AxeViolation = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number];

/** A violation as a failure message names it: rule, impact, what it asks, and where it is. */
function describeViolation(v: AxeViolation, where: string): string {
  const targets = v.nodes.map((n) => {
    // axe's summary of a contrast failure carries the two colours and the ratio.
    const detail = n.failureSummary?.split('\n').slice(1, 2).join('').trim();
    return `    ${n.target.join(' ')}${detail ? ` (${detail})` : ''}`;
  });
  return `${where}: ${v.id} [${v.impact}] ${v.help}\n${targets.join('\n')}`;
}

test.describe.configure({ timeout: 240_000 });

test.beforeAll(async ({ browser }) => {
  test.setTimeout(600_000);
  const context = await browser.newContext({ baseURL: SITE });
  const page = await context.newPage();
  await rankedBoardReady(page);
  const board = await publicBoard(page);
  const submissions = await page
    .locator('[data-testid=leaderboard] tbody tr a[href^="/submissions/"]')
    .evaluateAll((links) => [...new Set(links.map((a) => a.getAttribute('href') ?? ''))]);
  expect(submissions.length).toBeGreaterThanOrEqual(3);
  const benchmark = new URL(board, SITE).searchParams.get('benchmark');
  const benchmarkQuery = benchmark ? `?benchmark=${encodeURIComponent(benchmark)}` : '';
  await page.goto(`/concepts${benchmarkQuery}`);
  const concept = await page.locator('main a[href^="/concepts/"]').first().getAttribute('href');
  await page.goto(submissions[0] as string);
  const episode = await page.getByTestId('failure-link').first().getAttribute('href');
  const { benchmarks } = BenchmarkListSchema.parse(
    await (await page.request.get(SITE_API.benchmarks)).json(),
  );
  const publicVersion = benchmarks.find((b) => b.name === 'isekai-synth' && b.split === 'public');
  await context.close();

  // A submitter with a private run of their own: a short one (two shots, one draw).
  const member = await browser.newContext({ baseURL: SITE });
  const memberPage = await member.newPage();
  await signUp(memberPage, 'Ally Keyboard');
  await memberPage.getByLabel('Benchmark').selectOption(publicVersion!.benchmark);
  // A model name belongs to the account that first used it: a new one for each run.
  await memberPage
    .getByLabel('Model name (as on the leaderboard)')
    .fill(`a11y-random-${Date.now()}`);
  await memberPage.getByLabel('Endpoint URL').fill(`http://127.0.0.1:${E2E.referencePort}/v1`);
  await memberPage.getByLabel('Model at the endpoint').fill('random');
  await memberPage.getByLabel('Shots').fill('2');
  await memberPage.getByLabel('Draws').fill('1');
  await memberPage.getByLabel('private until I publish it').check();
  await memberPage.getByRole('button', { name: 'Submit', exact: true }).click();
  await expect(memberPage).toHaveURL(/\/submissions\/\d+$/);
  const ownSubmission = new URL(memberPage.url()).pathname;
  signedIn.set('member', await member.storageState());
  await member.close();

  // An admin: an account made one by the operator's CLI, as docs/cli.md says.
  const admin = await browser.newContext({ baseURL: SITE });
  const adminEmail = await signUp(await admin.newPage(), 'Ada Admin');
  const granted = spawnSync(process.execPath, [BIN, 'users', 'role', adminEmail, 'admin'], {
    env: { ...process.env, ...platformEnv },
    encoding: 'utf8',
  });
  expect(granted.status, granted.stderr).toBe(0);
  signedIn.set('admin', await admin.storageState());
  await admin.close();

  expect(concept, 'the concepts page links to a concept').toBeTruthy();
  expect(episode, 'the submission links to a failed episode').toBeTruthy();
  found = {
    board,
    benchmarkQuery,
    submissions: submissions.slice(0, 3),
    ownSubmission,
    concept: concept as string,
    episode: episode as string,
  };
});

for (const sitePage of SITE_PAGES) {
  test(`${sitePage.name} (${sitePage.as}): no serious or critical axe violation on a laptop and a phone, light and dark`, async ({
    browser,
  }) => {
    expect(found, 'the pages were found').toBeTruthy();
    const url = sitePage.path(found as Found);
    const context = await contextFor(browser, sitePage.as);
    const page = await context.newPage();
    const problems: string[] = [];
    for (const size of SIZES) {
      await page.setViewportSize(size);
      for (const scheme of SCHEMES) {
        const where = `${sitePage.name} (${url}, ${sitePage.as}) at ${size.name} ${size.width}×${size.height}, ${scheme}`;
        await page.emulateMedia({ colorScheme: scheme });
        const response = await page.goto(url);
        expect(response?.status(), where).toBe(sitePage.status ?? 200);
        await settled(page);
        const { violations } = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
        problems.push(
          ...violations
            .filter((v) => FAILING_IMPACTS.has(v.impact ?? ''))
            .map((v) => describeViolation(v, where)),
        );
        if (scheme === 'dark' && sitePage.shot)
          await page.screenshot({
            path: path.join(E2E.screenshotDir, `${sitePage.shot}-${size.name}.png`),
            fullPage: true,
          });
      }
    }
    await context.close();
    expect(problems.length, `serious or critical violations:\n${problems.join('\n')}`).toBe(0);
  });
}

/** Whether an element draws a visible focus outline: a style other than none, 2 px or more. */
const outlined = (page: Page, selector: string) =>
  page.locator(selector).evaluate((el) => {
    const style = getComputedStyle(el);
    return style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 2;
  });

/** The focused element, described for the tests below. */
const focusedElement = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      tag: el?.tagName.toLowerCase() ?? '',
      id: el?.id ?? '',
      text: el?.textContent?.trim() ?? '',
      href: el?.getAttribute('href') ?? '',
      inMainNav: Boolean(el?.closest('nav[aria-label=Main]')),
      inMain: Boolean(el?.closest('main')),
    };
  });

test('from the top of a page, Tab reaches a skip link, then the main navigation, each with a visible focus ring', async ({
  browser,
}) => {
  const context = await contextFor(browser, 'anonymous');
  const page = await context.newPage();
  await page.setViewportSize(SIZES[0]);
  await page.goto('/queue');
  await settled(page);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  expect(await outlined(page, '.skip-link')).toBe(true);
  // Following it puts the focus on the page's content: the next Tab stop is inside <main>.
  await page.keyboard.press('Enter');
  await expect(page.locator('main')).toBeFocused();
  await page.keyboard.press('Tab');
  expect((await focusedElement(page)).inMain).toBe(true);
  // Out of focus, the skip link is out of sight.
  await expect(skip).not.toBeInViewport();

  // From the top again, without the skip link: every link of the main navigation, in order.
  await page.goto('/queue');
  await settled(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  const names = (await nav.getByRole('link').allTextContents()).map((t) => t.trim());
  expect(names).toContain('Leaderboard');
  const reached: string[] = [];
  for (let i = 0; i < names.length + 5 && reached.length < names.length; i++) {
    await page.keyboard.press('Tab');
    const now = await focusedElement(page);
    if (!now.inMainNav) continue;
    reached.push(now.text);
    expect(await outlined(page, ':focus'), `focus ring on ${now.text}`).toBe(true);
  }
  expect(reached).toEqual(names);
  await context.close();
});

test("on the board, a row's link is reached by Tab and followed with Enter", async ({
  browser,
}) => {
  expect(found, 'the pages were found').toBeTruthy();
  const context = await contextFor(browser, 'anonymous');
  const page = await context.newPage();
  await page.setViewportSize(SIZES[0]);
  await page.goto((found as Found).board);
  await settled(page);
  let href = '';
  for (let i = 0; i < 200 && !href; i++) {
    await page.keyboard.press('Tab');
    href = await page.evaluate(() => {
      const el = document.activeElement;
      return el?.matches('[data-testid=leaderboard] tbody a[href^="/submissions/"]')
        ? (el.getAttribute('href') ?? '')
        : '';
    });
  }
  expect(href, 'Tab reached a row of the board').toMatch(/^\/submissions\/\d+$/);
  expect(await outlined(page, ':focus')).toBe(true);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`${href}$`));
  await expect(page.getByTestId('status-badge')).toBeVisible();
  await context.close();
});

test('on the submit form every field is reached by Tab (its sections opened with Enter) and has a label', async ({
  browser,
}) => {
  const context = await contextFor(browser, 'member');
  const page = await context.newPage();
  await page.setViewportSize(SIZES[0]);
  await page.goto('/submit');
  await settled(page);
  const form = page.locator('main form');
  await expect(form).toHaveCount(1);
  // Number the form's controls, so that each focus can be told apart from the others.
  await form.evaluate((f) =>
    f.querySelectorAll('input, select, textarea, button, summary').forEach((el, i) => {
      el.setAttribute('data-tab-stop', String(i));
    }),
  );
  const visited = new Set<string>();
  let entered = false;
  for (let i = 0; i < 150; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el?.closest('main form')) return null;
      return {
        index: el.getAttribute('data-tab-stop') ?? '',
        closedSection: el.tagName === 'SUMMARY' && !(el.parentElement as HTMLDetailsElement).open,
      };
    });
    if (!stop) {
      // Past the form's last control: every one has had its turn.
      if (entered) break;
      continue;
    }
    entered = true;
    visited.add(stop.index);
    // A keyboard user opens a folded section (advanced settings, model card) with Enter.
    if (stop.closedSection) await page.keyboard.press('Enter');
  }
  expect(entered, 'Tab reached the form').toBe(true);
  // What a keyboard user must reach: every control shown and enabled; of a group of radio
  // buttons, the checked one (the arrow keys move within the group).
  const controls = await form.evaluate((f) =>
    Array.from(f.querySelectorAll<HTMLElement>('[data-tab-stop]'))
      .filter((el) => el.checkVisibility() && !(el as HTMLInputElement).disabled)
      .filter((el) => !(el instanceof HTMLInputElement && el.type === 'radio' && !el.checked))
      .map((el) => ({
        index: el.getAttribute('data-tab-stop') ?? '',
        what: `${el.tagName.toLowerCase()} ${el.getAttribute('name') ?? el.textContent?.trim() ?? ''}`,
      })),
  );
  expect(controls.length).toBeGreaterThan(15);
  const missed = controls.filter((c) => !visited.has(c.index)).map((c) => c.what);
  expect(missed, 'controls Tab did not reach').toEqual([]);
  // Every field has an accessible name (its label), as a screen reader announces it.
  for (const c of controls) {
    const control = form.locator(`[data-tab-stop="${c.index}"]`);
    await expect(control, `${c.what} has a label`).toHaveAccessibleName(/\S/);
  }
  await context.close();
});

test("on a phone the menu opens and closes from the keyboard, and a board's every-column switch works", async ({
  browser,
}) => {
  expect(found, 'the pages were found').toBeTruthy();
  const context = await contextFor(browser, 'anonymous');
  const page = await context.newPage();
  await page.setViewportSize(SIZES[1]);
  await page.goto('/queue');
  await settled(page);
  const firstLink = page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Leaderboard' });
  await expect(firstLink).toBeHidden();
  // Skip link, brand, then the menu's switch.
  for (let i = 0; i < 5 && (await focusedElement(page)).id !== 'nav-toggle'; i++)
    await page.keyboard.press('Tab');
  expect((await focusedElement(page)).id).toBe('nav-toggle');
  // The switch itself is out of sight: its label shows the focus.
  expect(await outlined(page, '.nav-toggle-label')).toBe(true);
  await page.keyboard.press('Space');
  await expect(firstLink).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(firstLink).toBeFocused();
  // Escape from inside the open menu closes it and gives the focus back to the switch.
  await page.keyboard.press('Escape');
  await expect(firstLink).toBeHidden();
  await expect(page.locator('#nav-toggle')).toBeFocused();
  // Enter, as on a menu button, opens and closes it too.
  await page.keyboard.press('Enter');
  await expect(firstLink).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(firstLink).toBeHidden();
  await page.keyboard.press('Space');
  await expect(firstLink).toBeVisible();
  await page.keyboard.press('Space');
  await expect(firstLink).toBeHidden();

  // A board's hidden columns come back with the keyboard as with a tap.
  await page.goto((found as Found).board);
  await settled(page);
  const secondary = page.locator('main table th.secondary').first();
  await expect(secondary).toBeHidden();
  let onSwitch = false;
  for (let i = 0; i < 60 && !onSwitch; i++) {
    await page.keyboard.press('Tab');
    onSwitch = await page.evaluate(
      () => document.activeElement?.classList.contains('columns-toggle') ?? false,
    );
  }
  expect(onSwitch, 'Tab reached "Show every column"').toBe(true);
  expect(await outlined(page, '.columns-toggle:focus + .columns-toggle-label')).toBe(true);
  await page.keyboard.press('Space');
  await expect(secondary).toBeVisible();
  await context.close();
});

/** WCAG relative luminance of a computed `rgb(r, g, b)` colour. */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((c) => {
    const s = Number(c) / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

test("the site follows the system's light or dark preference, its charts included", async ({
  browser,
}) => {
  expect(found, 'the pages were found').toBeTruthy();
  const context = await contextFor(browser, 'anonymous');
  const page = await context.newPage();
  await page.setViewportSize(SIZES[0]);
  const colours = async () =>
    page.evaluate(() => {
      const chart = document.querySelector('[data-testid=accuracy-chart]') as HTMLElement;
      const tick = chart.querySelector('.recharts-cartesian-axis-tick-value') as SVGElement;
      return {
        page: getComputedStyle(document.body).backgroundColor,
        text: getComputedStyle(document.body).color,
        chart: getComputedStyle(chart).backgroundColor,
        tick: getComputedStyle(tick).fill,
      };
    });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto((found as Found).submissions[0] as string);
  await settled(page);
  const light = await colours();
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto((found as Found).submissions[0] as string);
  await settled(page);
  const dark = await colours();
  expect(luminance(light.page), JSON.stringify(light)).toBeGreaterThan(0.9);
  expect(luminance(light.chart), JSON.stringify(light)).toBeGreaterThan(0.9);
  expect(luminance(dark.page), JSON.stringify(dark)).toBeLessThan(0.02);
  expect(luminance(dark.chart), JSON.stringify(dark)).toBeLessThan(0.02);
  // Text and the chart's labels turn light with the background.
  expect(luminance(dark.text)).toBeGreaterThan(0.7);
  expect(luminance(dark.tick)).toBeGreaterThan(luminance(light.tick));
  await context.close();
});
