import { z } from 'zod';

/** The benchmark's settings, validated once; `inherited` is what child processes get. */
const parsed = z.object({ BENCH_QUICK: z.enum(['0', '1']).default('0') }).parse(process.env);

export const benchEnv = {
  quick: parsed.BENCH_QUICK === '1',
  inherited: { ...process.env } as NodeJS.ProcessEnv,
};
