import { z } from 'zod';

/** The benchmark's settings, validated once; `inherited` is what child processes get. */
const parsed = z
  .object({
    BENCH_QUICK: z.enum(['0', '1']).default('0'),
    /** Where the site under test listens: another port when several benches share a machine. */
    BENCH_PORT: z.coerce.number().int().min(1).max(65_535).default(3290),
  })
  .parse(process.env);

export const benchEnv = {
  quick: parsed.BENCH_QUICK === '1',
  port: parsed.BENCH_PORT,
  inherited: { ...process.env } as NodeJS.ProcessEnv,
};
