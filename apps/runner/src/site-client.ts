import {
  ApiErrorSchema,
  BenchmarkListSchema,
  type BenchmarkSummary,
  type CreateSubmissionBody,
  SITE_API,
  type SubmissionCreated,
  SubmissionCreatedSchema,
  type SubmissionEstimate,
  SubmissionEstimateSchema,
  type SubmissionStatus,
  SubmissionStatusSchema,
} from '@linkboard/core';
import type { z } from 'zod';
import { CliError } from './errors';

/**
 * A client of a linkboard site's public JSON API (`/api/v1`), typed by core's schemas: the same
 * ones the site validates with, so a request the site would refuse is refused here by field, and
 * a reply that does not match is an error naming the URL. The token (where one is given) is sent,
 * never printed.
 */
export function siteClient(site: string, token?: string) {
  const base = site.replace(/\/+$/, '');
  async function call<S extends z.ZodType>(
    path: string,
    schema: S,
    init: { method?: 'GET' | 'POST'; body?: unknown } = {},
  ): Promise<z.output<S>> {
    const url = `${base}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: init.method ?? 'GET',
        headers: {
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
    } catch (error) {
      throw new CliError(`${url}: ${(error as Error).cause ?? (error as Error).message}`);
    }
    const json: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const refusal = ApiErrorSchema.safeParse(json);
      throw new CliError(
        `${url}: ${refusal.success ? refusal.data.error.message : `HTTP ${response.status}`}`,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new CliError(
        `${url}: the reply is not what linkboard's API sends (is it a linkboard site?)`,
      );
    return parsed.data;
  }
  return {
    benchmarks: async (): Promise<BenchmarkSummary[]> =>
      (await call(SITE_API.benchmarks, BenchmarkListSchema)).benchmarks,
    createSubmission: (body: CreateSubmissionBody): Promise<SubmissionCreated> =>
      call(SITE_API.submissions, SubmissionCreatedSchema, { method: 'POST', body }),
    estimate: (body: CreateSubmissionBody): Promise<SubmissionEstimate> =>
      call(SITE_API.estimate, SubmissionEstimateSchema, { method: 'POST', body }),
    submission: (id: number): Promise<SubmissionStatus> =>
      call(SITE_API.submission(id), SubmissionStatusSchema),
  };
}
