import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RankedTable } from '../../src/app/_leaderboard/ranked-table';
import { UnrankedTable } from '../../src/app/_leaderboard/unranked-table';
import { RankedBoard } from '../../src/components/ranked-board';
import { html, textOf } from './render';

// What a board shows on a phone: rank, model and the score with its interval; every other column
// is marked `secondary`, which globals.css folds away below 760 px until "Show every column" is
// ticked. (The widths themselves are measured in a browser: e2e/tests/site-defects.spec.ts.)

const row = (i: number, model: string, over: Record<string, unknown> = {}) =>
  ({
    submissionId: 100 + i,
    model,
    organisation: 'Acme',
    paramsB: 7,
    weights: 'open',
    licence: null,
    baseModel: null,
    modelUrl: null,
    revision: null,
    finishedAt: new Date('2026-12-06T10:00:00Z'),
    n: 768,
    accuracy: 0.5734,
    low: 0.5212,
    high: 0.6243,
    novelAccuracy: 0.41,
    perShot: { 2: 0.56, 4: 0.57 },
    parseFailureRate: 0,
    linkGain: -0.0004,
    linkGainLow: -0.025,
    linkGainHigh: 0.024,
    flipAccuracy: 0.44,
    flipLow: 0.4,
    flipHigh: 0.5,
    tier: 1,
    rankLow: 1,
    rankHigh: 2,
    ranked: true,
    unrankedReason: null,
    verified: true,
    exposureFlagged: false,
    exposureSlope: null,
    exposurePValue: null,
    slope: 0.01,
    slopeLow: 0,
    slopeHigh: 0.02,
    slopePValue: 0.1,
    auc: 0.55,
    shotsToThreshold: null,
    cost: null,
    ...over,
  }) as never;

/** The headings left on a phone: those not marked secondary. */
const phoneHeadings = (markup: string) =>
  [...markup.matchAll(/<th( class="([^"]*)")?[^>]*>([\s\S]*?)<\/th>/g)]
    .filter((m) => !(m[2] ?? '').split(' ').includes('secondary'))
    .map((m) => textOf(m[3] ?? ''));

describe('a board on a phone', () => {
  it('keeps rank, model and the accuracy with its interval in the ranked table; the cost column folds', async () => {
    const markup = await html(
      <RankedTable
        rows={[row(0, 'a model with a long name that would wrap')]}
        shots={[2, 4]}
        link={(c) => `/?${new URLSearchParams(c)}`}
        cost
      />,
    );
    expect(phoneHeadings(markup)).toEqual(['Rank', 'Model', 'Accuracy [95% CI]']);
    expect(markup).toMatch(/<div class="board"><input type="checkbox" id="columns-ranked"/);
    // The name on one line, whole on hover.
    expect(markup).toContain('class="model-name" title="a model with a long name that would wrap"');
    expect(markup).toMatch(/<td class="num score" data-testid="row-score"><b>57\.3%<\/b>/);
    expect(markup).toContain('data-testid="row-cost"');
  });

  it('keeps model, why and accuracy in the unranked table', async () => {
    const markup = await html(
      <UnrankedTable
        rows={[row(1, 'partial', { ranked: false, unrankedReason: 'ran 2 shots only' })]}
        shots={[2]}
        cost={false}
      />,
    );
    expect(phoneHeadings(markup)).toEqual(['Model', 'Why not ranked', 'Accuracy (as run)']);
  });

  it('keeps rank, model and score on the ranked board, the model a link to its newest run', async () => {
    const markup = await html(
      <RankedBoard
        rows={
          [
            {
              modelId: 1,
              model: 'prototype',
              organisation: null,
              submissionIds: [12, 7],
              runs: 2,
              finishedAt: null,
              score: { score: 0.6, low: 0.55, high: 0.65, lclAccuracy: 0.7, flipAccuracy: 0.5 },
              lcl: { correct: 70, n: 100 },
              flip: { correct: 50, n: 100 },
              unranked: null,
              rankLow: 1,
              rankHigh: 1,
            },
          ] as never
        }
        versions={[]}
      />,
    );
    expect(phoneHeadings(markup)).toEqual(['Rank', 'Model', 'Score % [95% CI]']);
    expect(markup).toMatch(/<a class="model-name" title="prototype" href="\/submissions\/12">/);
  });

  it('is styled so: secondary columns fold below 760 px, and the switch brings them back', () => {
    const css = readFileSync(new URL('../../src/app/globals.css', import.meta.url), 'utf8');
    const phone = css.slice(css.indexOf('@media (max-width: 760px)'));
    expect(phone).toMatch(/\.board \.secondary \{\s*display: none;/);
    expect(phone).toMatch(
      /\.board \.columns-toggle:checked ~ \.scroll-x \.secondary \{\s*display: table-cell;/,
    );
  });
});
