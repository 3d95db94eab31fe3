import { seriesStyles } from '@linkboard/core';
import { describe, expect, it } from 'vitest';
import { accuracyCurves, type CurveRow } from '../../src/lib/curves';

const row = (submissionId: number, shots: number, correct: number, policy = 'lcl'): CurveRow => ({
  submissionId,
  model: `model-${submissionId}`,
  shots,
  policy,
  n: 10,
  correct,
  low: correct / 10 - 0.2,
  high: correct / 10 + 0.1,
});

describe('accuracyCurves', () => {
  it('draws each point’s band as given (the clustered interval), and none where there is none', () => {
    const { points } = accuracyCurves([row(4, 2, 5), { ...row(4, 4, 6), low: null, high: null }]);
    expect(points[0]?.['model-4 #4 95% CI']).toEqual([0.3, 0.6]);
    expect(points[1]?.['model-4 #4 95% CI']).toBeNull();
  });

  it('keeps a model’s colour when another model is added to the chart', () => {
    const two = accuracyCurves([row(4, 2, 5), row(9, 2, 6)]);
    const three = accuracyCurves([row(4, 2, 5), row(9, 2, 6), row(31, 2, 7)]);
    const colour = (c: ReturnType<typeof accuracyCurves>, name: string) =>
      c.series.find((s) => s.name === name)?.colour;
    expect(colour(three, 'model-4 #4')).toBe(colour(two, 'model-4 #4'));
    expect(colour(three, 'model-9 #9')).toBe(colour(two, 'model-9 #9'));
    expect(colour(two, 'model-4 #4')).toBe(seriesStyles([4]).get(4)?.colour);
  });

  it('draws identical curves as distinguishable lines', () => {
    const { series, points } = accuracyCurves([row(1, 2, 5), row(2, 2, 5)]);
    expect(points).toEqual([
      expect.objectContaining({ shots: 2, 'model-1 #1': 0.5, 'model-2 #2': 0.5 }),
    ]);
    const [a, b] = series;
    expect(a!.colour).not.toBe(b!.colour);
    expect(a!.dash).not.toBe(b!.dash);
    expect(a!.marker).not.toBe(b!.marker);
  });

  it('tells one submission’s policies apart by dash, keeping its colour', () => {
    const { series } = accuracyCurves([row(3, 2, 5, 'lcl'), row(3, 2, 4, 'icl')]);
    expect(series.map((s) => s.name).sort()).toEqual(['model-3 #3 · ICL', 'model-3 #3 · LCL']);
    expect(series[0]!.colour).toBe(series[1]!.colour);
    expect(series[0]!.dash).not.toBe(series[1]!.dash);
    expect(series[0]!.marker).not.toBe(series[1]!.marker);
    // ICL drawn first, wide and underneath; LCL on top of it.
    expect(series[0]!.name).toBe('model-3 #3 · ICL');
    expect(series[0]!.width).toBeGreaterThan(series[1]!.width);
  });
});
