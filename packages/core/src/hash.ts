import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** A SHA-256 implementation returning lower-case hex. */
export type HashHex = (data: string) => string;

/**
 * SHA-256 in pure JavaScript, so that the same hashes come out in Node, in the browser and in
 * tests. `@noble/hashes` is audited and has no dependencies.
 */
export function sha256Hex(data: string | Uint8Array): string {
  return bytesToHex(sha256(typeof data === 'string' ? utf8ToBytes(data) : data));
}

export function sha256Bytes(data: string | Uint8Array): Uint8Array {
  return sha256(typeof data === 'string' ? utf8ToBytes(data) : data);
}

/**
 * JSON with object keys sorted at every depth: the form hashed for manifests. Written here, not
 * taken from a library, because a hash that identifies a benchmark version must never change with
 * a dependency upgrade.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new TypeError(`canonicalJson: ${value} has no JSON form`);
    }
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * Where an image lives inside a content-addressed store: `ab/cdef…` for SHA-256 `abcdef…`. The
 * two-character fan-out keeps folders small. Null for anything that is not a SHA-256, so an id from
 * a URL can never name a path outside the store.
 */
export function imageStoreKey(id: string): string | null {
  return /^[0-9a-f]{64}$/.test(id) ? `${id.slice(0, 2)}/${id.slice(2)}` : null;
}
