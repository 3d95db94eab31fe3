import { PROVENANCE_SCHEMA } from '@linkboard/core';
import { describe, expect, it } from 'vitest';
import { provenanceView } from '../../src/lib/provenance';

const facts = {
  benchmark: { name: 'isekai-synth', version: '3.1', manifestHash: 'ab'.repeat(32) },
  shots: [2, 4],
  policies: ['lcl'],
  draws: 1,
  scorers: { official: 1, strict: 2 },
  episodeSeed: 'SHA-256("<manifest hash>|<query image id>|<shots>|<draw>")',
  runner: { version: '0.1.0', commit: null, host: 'lab-1', node: 'v20.20.2' },
  adapter: 'builtin',
  name: 'prototype',
};

describe('a submission page’s provenance', () => {
  it('shows the typed provenance, a row from before its schema upgraded', () => {
    const view = provenanceView({ ...facts, reasoningAnswers: 3 }, 7);
    expect(view).toMatchObject({ problem: null, reasoningAnswers: 3 });
    expect(view.shown).toEqual({ schema: PROVENANCE_SCHEMA, ...facts, reasoningAnswers: 3 });
  });

  it('shows nothing recorded as stored, no reasoning counted', () => {
    expect(provenanceView({}, 7)).toEqual({
      provenance: null,
      problem: null,
      shown: {},
      reasoningAnswers: 0,
    });
  });

  it('shows one that does not read as stored, naming the submission and the field', () => {
    const stored = { ...facts, benchmark: { ...facts.benchmark, name: 42 }, reasoningAnswers: 3 };
    const view = provenanceView(stored, 7);
    expect(view.problem).toMatch(/^submission 7's provenance: field benchmark\.name: /);
    expect(view.shown).toBe(stored);
    // Its count is not trusted either: the page says it is not known.
    expect(view.reasoningAnswers).toBeNull();
  });
});
