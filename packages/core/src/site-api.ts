import { z } from 'zod';
import { SubmissionRequestSchema } from './adapter-config';

/**
 * The site's public JSON API (version 1): plain JSON in and out, so that any HTTP client can use
 * it (the CLI's `submit --site`, scripts, other languages). The site validates with these schemas,
 * and its clients parse the replies with them, so the two cannot drift apart.
 */
export const SITE_API = {
  benchmarks: '/api/v1/benchmarks',
  submissions: '/api/v1/submissions',
} as const;

/** A benchmark version the site holds: what a client matches its local manifest against. */
export const BenchmarkSummarySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  version: z.string(),
  manifestHash: z.string(),
  pairs: z.number().int(),
  /** Finished public submissions. */
  submissions: z.number().int(),
});
export type BenchmarkSummary = z.infer<typeof BenchmarkSummarySchema>;

export const BenchmarkListSchema = z.object({ benchmarks: z.array(BenchmarkSummarySchema) });

/** `POST /api/v1/submissions`: core's submission request, for one benchmark version. */
export const CreateSubmissionBodySchema = SubmissionRequestSchema.extend({
  benchmarkVersionId: z.number().int().min(1).max(2_147_483_647),
});
export type CreateSubmissionBody = z.input<typeof CreateSubmissionBodySchema>;

export const SubmissionCreatedSchema = z.object({
  id: z.number().int(),
  episodes: z.number().int(),
});
export type SubmissionCreated = z.infer<typeof SubmissionCreatedSchema>;

/** Every error reply: a code a program can branch on, and a message a person can act on. */
export const ApiErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
