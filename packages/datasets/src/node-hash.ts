import { hash } from 'node:crypto';

/** Node's native SHA-256 for `indexBenchmark`: the same digests as core's default, ~7× faster. */
export const nodeSha256Hex = (data: string): string => hash('sha256', data, 'hex');
