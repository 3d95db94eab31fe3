import type { LeaderboardRow } from '@linkboard/db';
import { describe, expect, it } from 'vitest';
import { boardRecord, leaderboardCsv } from '~/server/leaderboard-csv';

const row = (over: Partial<LeaderboardRow>): LeaderboardRow => ({
  submissionId: 7,
  model: 'm',
  organisation: null,
  paramsB: null,
  weights: null,
  licence: null,
  baseModel: null,
  modelUrl: null,
  revision: null,
  finishedAt: null,
  n: 64,
  accuracy: 0.5,
  low: 0.38,
  high: 0.62,
  novelAccuracy: 0.25,
  perShot: { 2: 0.5, 8: null },
  parseFailureRate: 0,
  linkGain: -0.0625,
  linkGainLow: -0.1,
  linkGainHigh: -0.025,
  flipAccuracy: null,
  flipLow: null,
  flipHigh: null,
  tier: 1,
  rankLow: 1,
  rankHigh: 2,
  ranked: true,
  unrankedReason: null,
  verified: true,
  exposureFlagged: false,
  exposureSlope: 0.01,
  exposurePValue: 0.3,
  slope: 0.04,
  slopeLow: 0.01,
  slopeHigh: 0.07,
  slopePValue: 0.003,
  auc: 0.55,
  shotsToThreshold: null,
  ...over,
});

describe('leaderboardCsv', () => {
  it('writes one column per shot count, numbers as numbers and missing values empty', () => {
    const [header, line, unranked] = leaderboardCsv(
      [
        row({
          flipAccuracy: 0.75,
          exposureFlagged: true,
          exposureSlope: 0.05,
          exposurePValue: 1e-5,
        }),
        row({
          ranked: false,
          unrankedReason: 'ran 16 shots only',
          verified: false,
          tier: null,
          rankLow: null,
          rankHigh: null,
        }),
      ],
      'strict',
    )
      .trimEnd()
      .split('\n');
    expect(header).toBe(
      'tier,rank_low,rank_high,model,organisation,params_b,weights,licence,base_model,model_url,revision,submission,ranked,unranked_reason,verified,scorer,n,accuracy,ci_low,ci_high,acc_2shot,acc_8shot,novel_accuracy,link_gain,link_gain_low,link_gain_high,flip_accuracy,flip_low,flip_high,slope,slope_low,slope_high,slope_p,auc,shots_to_60,parse_failure_rate,exposure_flagged,exposure_slope,exposure_p',
    );
    expect(line).toBe(
      '1,1,2,m,,,,,,,,7,true,,true,strict,64,0.5,0.38,0.62,0.5,,0.25,-0.0625,-0.1,-0.025,0.75,,,0.04,0.01,0.07,0.003,0.55,,0,true,0.05,0.00001',
    );
    expect(unranked).toBe(
      ',,,m,,,,,,,,7,false,ran 16 shots only,false,strict,64,0.5,0.38,0.62,0.5,,0.25,-0.0625,-0.1,-0.025,,,,0.04,0.01,0.07,0.003,0.55,,0,false,0.01,0.3',
    );
  });

  it.each([
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`], // would run in a spreadsheet
    ['+1+1', "'+1+1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['-2+3', "'-2+3"],
    ['llava, 7b', '"llava, 7b"'], // a comma needs quotes, not escaping
    ['my <b>model</b>', 'my <b>model</b>'], // markup is text here, unchanged
  ])('writes the submitter-typed name %s as %s', (model, cell) => {
    const line = leaderboardCsv([row({ model })], 'strict')
      .trimEnd()
      .split('\n')[1] as string;
    expect(line.startsWith(`1,1,2,${cell},`)).toBe(true);
  });

  it('carries the model card, the submitter-typed link guarded like a name', () => {
    const [, line] = leaderboardCsv(
      [
        row({
          organisation: 'Acme',
          paramsB: 7.5,
          weights: 'open',
          licence: 'apache-2.0',
          baseModel: '=base',
          modelUrl: 'https://example.org/m',
          revision: 'abc123',
        }),
      ],
      'strict',
    )
      .trimEnd()
      .split('\n');
    expect(
      line?.startsWith("1,1,2,m,Acme,7.5,open,apache-2.0,'=base,https://example.org/m,abc123,7,"),
    ).toBe(true);
  });

  it('rounds shares at the edge: 57/100 reached by a sum of floats is 0.57, never -0, and keeps small p-values', () => {
    const [record] = [
      boardRecord(
        row({
          accuracy: 0.1 * 5.7,
          low: 0.52123456,
          high: 0.6200000000000001,
          perShot: { 2: 0.5700000000000001, 8: null },
          linkGain: -0.00000001,
          slopePValue: 1.23456e-9,
          exposurePValue: 0.30000000000000004,
        }),
        'strict',
      ),
    ];
    expect(0.1 * 5.7).toBe(0.5700000000000001);
    expect(record).toMatchObject({
      accuracy: 0.57,
      ci_low: 0.5212,
      ci_high: 0.62,
      per_shot: { 2: 0.57, 8: null },
      slope_p: 1.23e-9,
      exposure_p: 0.3,
    });
    expect(Object.is(record?.link_gain, 0)).toBe(true);
    const [, line] = leaderboardCsv([row({ accuracy: 0.1 * 5.7 })], 'strict').split('\n');
    expect(line).toContain(',0.57,');
    expect(line).not.toContain('0000000');
  });

  it('is a header alone for an empty leaderboard', () => {
    expect(leaderboardCsv([], 'strict').trimEnd().split('\n')).toHaveLength(1);
  });
});
