import { describe, expect, it } from 'vitest';
import { asksAModel, costLine, latency, pricesLabel, usd, whatAnswered } from '~/lib/usage-view';

describe('usage, as the page words it', () => {
  it('dollars to the cent, under a cent to two figures, never "$0.00" for a cost that is not zero', () => {
    expect([usd(null), usd(0), usd(0.0042), usd(1.5), usd(1234.567)]).toEqual([
      '–',
      '$0.00',
      '$0.0042',
      '$1.50',
      '$1,234.57',
    ]);
    expect([latency(null), latency(812.4), latency(1234), latency(65_000)]).toEqual([
      '–',
      '812 ms',
      '1.23 s',
      '65.0 s',
    ]);
  });

  it('a cost says the prices it was computed at, the cap, and where it is only a floor', () => {
    const usage = {
      costUsd: 0.5,
      prices: { inputUsdPerMTok: 2.5, outputUsdPerMTok: 10 },
      maxCostUsd: 20,
      answers: 100,
      answersWithTokens: 100,
    };
    expect(costLine(usage)).toBe(
      '$0.50 at $2.50 input / $10.00 output per million tokens, capped at $20.00',
    );
    expect(costLine({ ...usage, answersWithTokens: 90, maxCostUsd: null })).toBe(
      '$0.50 at $2.50 input / $10.00 output per million tokens (at least: 10 of 100 answers did not state their tokens)',
    );
    expect(costLine({ ...usage, costUsd: null, prices: null, maxCostUsd: null })).toBe(
      '– (no prices stated)',
    );
    expect(pricesLabel(null)).toBe('no prices stated');
  });

  it('what answered: most answers first, and in words when the endpoint changed under the run', () => {
    const one = whatAnswered({
      models: [{ name: 'm-1', answers: 10 }],
      fingerprints: [{ name: 'fp', answers: 10 }],
      engine: { name: 'vllm', version: '0.11.0' },
    });
    expect(one).toMatchObject({
      models: [['m-1', 10]],
      engine: 'vllm 0.11.0',
      warnings: [],
      empty: false,
    });
    const changed = whatAnswered({
      models: [
        { name: 'm-1', answers: 2 },
        { name: 'm-2', answers: 8 },
      ],
      fingerprints: [
        { name: 'a', answers: 5 },
        { name: 'b', answers: 4 },
        { name: 'c', answers: 1 },
      ],
      engine: null,
    });
    expect(changed.models).toEqual([
      ['m-2', 8],
      ['m-1', 2],
    ]);
    expect(changed.warnings).toEqual([
      '2 different models answered: the endpoint changed during the run, and its results mix them.',
      '3 different system fingerprints answered: the serving configuration changed during the run.',
    ]);
    expect(whatAnswered(null)).toMatchObject({ empty: true, warnings: [], engine: null });
  });

  it('uploaded answers and built-in baselines ask no model', () => {
    expect([asksAModel('openai'), asksAModel('predictions'), asksAModel('builtin')]).toEqual([
      true,
      false,
      false,
    ]);
  });
});
