import { z } from 'zod';

/** The benchmark's settings, validated once; `inherited` is what child processes get. */
const parsed = z
  .object({
    BENCH_QUICK: z.enum(['0', '1']).default('0'),
    // A folder for CPU profiles of the bench's own process (runner.bench.ts: one of the runner's
    // rounds and one of the bare client's), with each side's top self-time functions printed.
    BENCH_PROFILE: z.string().min(1).optional(),
  })
  .parse(process.env);

export const benchEnv = {
  quick: parsed.BENCH_QUICK === '1',
  profileDir: parsed.BENCH_PROFILE,
  inherited: { ...process.env } as Record<string, string | undefined>,
};
