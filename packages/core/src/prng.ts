import { type HashHex, sha256Hex } from './hash';

/**
 * A seeded pseudo-random generator (sfc32, a small fast counter generator that passes PractRand).
 * Written here rather than taken from a library because episodes are part of a benchmark's
 * definition: the same key must give the same draws forever, whatever a library does in a later
 * major version.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Seeds from the first 128 bits of a hex digest (see `Prng.fromKey`). */
  constructor(digestHex: string) {
    if (digestHex.length < 32) {
      throw new RangeError('Prng: the seed must be a hex digest of at least 128 bits');
    }
    this.a = Number.parseInt(digestHex.slice(0, 8), 16) | 0;
    this.b = Number.parseInt(digestHex.slice(8, 16), 16) | 0;
    this.c = Number.parseInt(digestHex.slice(16, 24), 16) | 0;
    this.d = Number.parseInt(digestHex.slice(24, 32), 16) | 0;
    // No warm-up rounds: they exist to decorrelate similar seeds, and SHA-256 output is not.
  }

  /** Seeded by SHA-256(key), so any string is a good seed. */
  static fromKey(key: string, hash: HashHex = sha256Hex): Prng {
    return new Prng(hash(key));
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [0, n), without modulo bias (rejection sampling). */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) {
      throw new RangeError(`Prng.nextInt: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  /** `k` distinct items of `pool` in random order (partial Fisher–Yates on a copy). */
  sample<T>(pool: readonly T[], k: number): T[] {
    if (k > pool.length) {
      throw new RangeError(`Prng.sample: cannot take ${k} items from a pool of ${pool.length}`);
    }
    const copy = pool.slice();
    const picked: T[] = new Array(k);
    for (let i = 0; i < k; i++) {
      const j = i + this.nextInt(copy.length - i);
      picked[i] = copy[j] as T;
      copy[j] = copy[i] as T;
    }
    return picked;
  }
}
