import { describe, expect, it } from 'vitest';
import endpoints from '../../../corpus/attacks/endpoints.json';
import modelNames from '../../../corpus/attacks/model-names.json';
import predictionsUploads from '../../../corpus/attacks/predictions-uploads.json';
import scorerGaming from '../../../corpus/attacks/scorer-gaming.json';
import {
  checkEndpoint,
  type EndpointPolicy,
  EndpointRefusedError,
  getScorer,
  MAX_ANSWER_CHARS,
  modelNameKey,
  nameProblem,
  type Outcome,
  PredictionsError,
  parsePredictions,
} from '../src';

// The attack corpus (corpus/attacks at the repository root), as core answers it.

const POLICIES: Record<string, EndpointPolicy> = {
  personal: { allowPrivate: true, allowed: [], platformPorts: [3000, 54329] },
  shared: { allowPrivate: false, allowed: [], platformPorts: [3000, 54329] },
};
/** DNS as the corpus assumes it: a few names, one of them rebinding to the metadata address. */
const DNS: Record<string, string[]> = {
  localhost: ['127.0.0.1'],
  'api.example.com': ['93.184.216.34'],
  'rebind.example.com': ['93.184.216.34', '169.254.169.254'],
};
const resolve = async (host: string) => {
  const found = DNS[host];
  if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return found.map((address) => ({ address, family: 4 }));
};

describe('attack corpus: endpoints', () => {
  it.each(endpoints.cases.map((c) => [c.case, c] as const))('%s', async (_name, c) => {
    const policy = POLICIES[c.policy] as EndpointPolicy;
    const outcome = await checkEndpoint(c.endpoint, policy, resolve).then(
      () => null,
      (error: unknown) => {
        expect(error).toBeInstanceOf(EndpointRefusedError);
        return (error as Error).message;
      },
    );
    if (c.refused === null) expect(outcome).toBeNull();
    else expect(outcome).toMatch(new RegExp(c.refused));
  });
});

describe('attack corpus: answers worded to game a scorer', () => {
  it.each(scorerGaming.cases.map((c) => [c.case, c] as const))('%s', (_name, c) => {
    expect(getScorer('official').score(c.answer, c.label, c.other).outcome).toBe(
      c.official as Outcome,
    );
    expect(getScorer('strict').score(c.answer, c.label, c.other).outcome).toBe(c.strict as Outcome);
  });
});

describe('attack corpus: model names passing for another account’s', () => {
  const taken = modelNameKey('A-public-model');
  it.each(modelNames.cases.map((c) => [c.case, c] as const))('%s', (_name, c) => {
    if (c.refused === null) expect(nameProblem(c.name, { visible: true })).toBeNull();
    else expect(nameProblem(c.name, { visible: true })).toMatch(new RegExp(c.refused));
    if (c.refused === null) expect(modelNameKey(c.name) === taken).toBe(c.sameAs);
  });
});

describe('attack corpus: predictions uploads', () => {
  const episodes = new Set(['ep1', 'ep2']);
  it.each(predictionsUploads.cases.map((c) => [c.case, c] as const))('%s', (_name, c) => {
    const text =
      c.text === '@long'
        ? JSON.stringify({ episode_id: 'ep1', answer: 'x'.repeat(MAX_ANSWER_CHARS + 1) })
        : c.text;
    expect(() => parsePredictions(text, 'predictions.jsonl', episodes)).toThrow(PredictionsError);
    expect(() => parsePredictions(text, 'predictions.jsonl', episodes)).toThrow(
      new RegExp(c.refused),
    );
  });
});
