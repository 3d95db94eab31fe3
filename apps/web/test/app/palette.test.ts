import { readFileSync } from 'node:fs';
import { SERIES_PALETTE } from '@linkboard/core';
import { describe, expect, it } from 'vitest';
import { contrastRatio } from '../../src/lib/contrast';

// The site's colours are CSS variables in globals.css, once for light and once for dark
// (`prefers-color-scheme`). Read from the stylesheet itself, so a colour changed there is checked.
const css = readFileSync(new URL('../../src/app/globals.css', import.meta.url), 'utf8');

/** The `--name: value` declarations of the first `:root { … }` block in a stretch of CSS. */
function rootVariables(text: string): Map<string, string> {
  const block = /:root\s*\{([^}]*)\}/.exec(text)?.[1] ?? '';
  return new Map(
    [...block.matchAll(/--([\w-]+)\s*:\s*([^;]+);/g)].map((m) => [
      m[1] as string,
      (m[2] as string).trim(),
    ]),
  );
}

const darkAt = css.indexOf('@media (prefers-color-scheme: dark)');
const light = rootVariables(css);
const dark = rootVariables(css.slice(darkAt));

/** Text colour, background: pairs the stylesheet puts together, each at 4.5:1 or more (AA). */
const TEXT_PAIRS = [
  ['fg', 'bg'],
  ['fg', 'surface'],
  ['fg', 'badge-bg'],
  ['fg', 'warn-bg'],
  ['muted', 'bg'],
  ['muted', 'surface'],
  ['muted', 'badge-bg'],
  ['muted', 'accent-bg'],
  ['accent', 'bg'],
  ['accent', 'surface'],
  ['accent', 'accent-bg'],
  ['on-accent', 'accent'],
  ['good', 'good-bg'],
  ['good', 'surface'],
  ['bad', 'bad-bg'],
  ['bad', 'surface'],
  ['bad', 'bg'],
  ['info', 'info-bg'],
  ['warn', 'warn-bg'],
] as const;

/** Lines and chart marks on the chart's background: 3:1 or more (WCAG's non-text contrast). */
const GRAPHIC_PAIRS = [
  ['accent', 'surface'],
  ['muted', 'surface'],
  ...SERIES_PALETTE.map((_, slot) => [`series-${slot}`, 'surface'] as const),
] as const;

const ratio = (scheme: Map<string, string>, fg: string, bg: string) =>
  contrastRatio(scheme.get(fg) as string, scheme.get(bg) as string);

describe('globals.css palette', () => {
  it('gives every variable a dark value, in a dark block that follows the system', () => {
    expect(css).toMatch(/:root\s*\{[^}]*color-scheme:\s*light dark;/);
    expect(darkAt).toBeGreaterThan(0);
    expect(light.size).toBeGreaterThan(20);
    expect([...dark.keys()].sort()).toEqual([...light.keys()].sort());
  });

  it('uses core’s palette for the chart lines in light mode', () => {
    expect(SERIES_PALETTE.map((_, slot) => light.get(`series-${slot}`))).toEqual(
      SERIES_PALETTE.map((c) => c.toLowerCase()),
    );
  });

  it.each(TEXT_PAIRS)('dark: --%s on --%s reaches 4.5:1', (fg, bg) => {
    expect(ratio(dark, fg, bg)).toBeGreaterThanOrEqual(4.5);
  });

  it.each(TEXT_PAIRS)('light: --%s on --%s reaches 4.5:1', (fg, bg) => {
    expect(ratio(light, fg, bg)).toBeGreaterThanOrEqual(4.5);
  });

  // Okabe and Ito's orange, sky blue and pink are under 3:1 on white; the lines are told apart by
  // dash and marker as well (core's seriesStyles), so light mode keeps the palette as it is.
  it.each(GRAPHIC_PAIRS)('dark: --%s on --%s reaches 3:1', (fg, bg) => {
    expect(ratio(dark, fg, bg)).toBeGreaterThanOrEqual(3);
  });
});
