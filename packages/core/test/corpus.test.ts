import { describe, expect, it } from 'vitest';
import endpoints from '../../../corpus/attacks/endpoints.json';
import scorerGaming from '../../../corpus/attacks/scorer-gaming.json';
import {
  checkEndpoint,
  type EndpointPolicy,
  EndpointRefusedError,
  type Outcome,
  SCORERS,
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
    expect(SCORERS.official.score(c.answer, c.label, c.other).outcome).toBe(c.official as Outcome);
    expect(SCORERS.strict.score(c.answer, c.label, c.other).outcome).toBe(c.strict as Outcome);
  });
});
