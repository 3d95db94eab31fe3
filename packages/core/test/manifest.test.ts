import { describe, expect, it } from 'vitest';
import {
  createManifest,
  type ManifestDraft,
  ManifestError,
  parseManifest,
  queryClassOf,
  slugify,
} from '../src';
import { fixtureManifest } from '../src/testing';

function draft(): ManifestDraft {
  const { manifestHash: _, ...body } = fixtureManifest({ pairs: 1, supportPerConcept: 2 });
  return structuredClone(body);
}

describe('createManifest', () => {
  it('seals the manifest with a hash that ignores the order of pairs and images', () => {
    const a = draft();
    const b = draft();
    b.images.reverse();
    expect(createManifest(a).manifestHash).toBe(createManifest(b).manifestHash);
  });

  it('changes the hash when any content changes', () => {
    const a = draft();
    const b = draft();
    b.pairs[0]!.novel.description = 'a hedgehog made of cactus';
    expect(createManifest(a).manifestHash).not.toBe(createManifest(b).manifestHash);
  });

  it.each([
    [
      'a label used in two pairs',
      (d: ManifestDraft) => {
        d.pairs.push({
          id: 'pair-x',
          novel: { id: 'x', name: 'PlainThing0' },
          familiar: { id: 'y', name: 'y' },
        });
      },
      /label "PlainThing0" is also used in pair "pair-0"/,
    ],
    [
      'a concept without support images (empty class)',
      (d: ManifestDraft) => {
        d.images = d.images.filter((i) => !(i.concept === 'familiar-0' && i.role === 'support'));
      },
      /concept "familiar-0" has no support images/,
    ],
    [
      'an image of an unknown concept',
      (d: ManifestDraft) => {
        d.images[0]!.concept = 'ghost';
      },
      /names unknown concept "ghost"/,
    ],
    [
      'an image listed twice',
      (d: ManifestDraft) => {
        d.images.push({ ...d.images[0]! });
      },
      /is listed twice/,
    ],
    [
      'an id that is not a SHA-256',
      (d: ManifestDraft) => {
        d.images[0]!.id = 'abc';
      },
      /images\.0\.id: must be a lower-case hex SHA-256/,
    ],
    [
      'an empty label',
      (d: ManifestDraft) => {
        d.pairs[0]!.novel.name = '  ';
      },
      /pairs\.0\.novel\.name: must not be empty/,
    ],
  ])('refuses %s', (_why, mutate, message) => {
    const d = draft();
    mutate(d);
    expect(() => createManifest(d)).toThrow(ManifestError);
    expect(() => createManifest(d)).toThrow(message);
  });
});

describe('pairs of two real classes (bothFamiliar)', () => {
  it('marks both sides familiar, keeps the hash of unmarked manifests, and survives a round trip', () => {
    const plain = draft();
    const marked = draft();
    marked.pairs[0]!.bothFamiliar = true;
    const sealed = createManifest(marked);
    expect(sealed.manifestHash).not.toBe(createManifest(plain).manifestHash);
    expect(createManifest(plain).pairs[0]).not.toHaveProperty('bothFamiliar');
    expect(createManifest(plain).manifestHash).toBe(
      fixtureManifest({ pairs: 1, supportPerConcept: 2 }).manifestHash,
    );
    const pair = parseManifest(JSON.parse(JSON.stringify(sealed))).pairs[0]!;
    expect([queryClassOf(pair, 'novel'), queryClassOf(pair, 'familiar')]).toEqual([
      'familiar',
      'familiar',
    ]);
    const unmarked = createManifest(plain).pairs[0]!;
    expect([queryClassOf(unmarked, 'novel'), queryClassOf(unmarked, 'familiar')]).toEqual([
      'novel',
      'familiar',
    ]);
  });

  it('refuses bothFamiliar: false (absent is the only other state, so hashes stay unique)', () => {
    const d = draft();
    (d.pairs[0] as { bothFamiliar?: unknown }).bothFamiliar = false;
    expect(() => createManifest(d)).toThrow(/pairs\.0\.bothFamiliar/);
  });
});

describe('parseManifest', () => {
  it('accepts what createManifest made, after a JSON round trip', () => {
    const manifest = fixtureManifest();
    expect(parseManifest(JSON.parse(JSON.stringify(manifest)))).toEqual(manifest);
  });

  it('refuses a manifest edited after it was sealed', () => {
    const manifest = structuredClone(fixtureManifest());
    manifest.pairs[0]!.novel.name = 'renamed';
    expect(() => parseManifest(manifest)).toThrow(/manifest hash mismatch/);
  });
});

describe('slugify', () => {
  it.each([
    ['ice cream', 'ice-cream', 'spaces become dashes'],
    ['Crème Brûlée', 'creme-brulee', 'accents are dropped'],
    ['  --  ', 'x', 'nothing left still gives an id'],
  ])('%s → %s (%s)', (input, expected) => {
    expect(slugify(input)).toBe(expected);
  });
});
