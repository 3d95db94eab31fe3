import { z } from 'zod';

/** The benchmark's settings, validated once. */
const parsed = z.object({ BENCH_QUICK: z.enum(['0', '1']).default('0') }).parse(process.env);

export const benchEnv = { quick: parsed.BENCH_QUICK === '1' };
