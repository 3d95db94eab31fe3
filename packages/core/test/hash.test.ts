import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../src';

describe('sha256Hex', () => {
  it('matches the published test vector for "abc"', () => {
    expect(sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
  it('hashes bytes and their UTF-8 string alike', () => {
    expect(sha256Hex(new TextEncoder().encode('héllo'))).toBe(sha256Hex('héllo'));
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth, so key order never changes a hash', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });
  it('drops undefined members as JSON.stringify does', () => {
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
  });
  it('refuses numbers JSON cannot hold', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/no JSON form/);
  });
});
