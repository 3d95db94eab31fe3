import path from 'node:path';
import {
  type EndpointPolicy,
  endpointPolicy,
  isLoopbackHost,
  localAuthority,
} from '@linkboard/core';
import { EMBEDDED_PG_PORT } from '@linkboard/db';
import { z } from 'zod';

/** Every environment variable the runner reads, validated once. Nothing else reads process.env. */
const EnvSchema = z.object({
  /** Where the embedded defaults keep their data (benchmarks, images, database). */
  LINKBOARD_DATA_DIR: z.string().min(1).default('.data'),
  /** A PostgreSQL ≥ 15 to use instead of the embedded one. */
  DATABASE_URL: z.string().url().optional(),
  /** Base64 of 32 bytes: the key that encrypts endpoint API keys (embedded default: .data/secret.key). */
  LINKBOARD_SECRET_KEY: z.string().optional(),
  /** Port of the embedded PostgreSQL. */
  LINKBOARD_PG_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /**
   * "1" lets submissions name loopback and private endpoints (a local vLLM), "0" refuses them. By
   * default they are allowed only on a personal install: the site on loopback alone
   * (LINKBOARD_HOST) and the embedded database; with DATABASE_URL, runners are shared and an
   * endpoint must not reach into the operator's network. An explicit value always wins.
   */
  LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: z.enum(['0', '1']).optional(),
  /**
   * Comma-separated hosts or host:port the operator allows by name, past every endpoint check:
   * the only way to reach link-local or metadata addresses or the platform's own ports.
   */
  LINKBOARD_ALLOWED_ENDPOINTS: z.string().optional(),
  /** Where the site that `linkboard start` serves listens (loopback: this machine only). */
  LINKBOARD_HOST: z.string().min(1).default('127.0.0.1'),
  /** JSON file of the operator's serve profiles (model servers the runner may launch on GPUs). */
  LINKBOARD_SERVE_PROFILES: z.string().optional(),
  /** How long one attempt of a job may run before it stops, keeps its results and is retried. */
  LINKBOARD_ATTEMPT_LIMIT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(30 * 60_000),
  /** How long a runner's claim on a job lasts without a heartbeat. */
  LINKBOARD_LEASE_MS: z.coerce.number().int().min(500).default(60_000),
  /** Port of the site that `linkboard start` serves. */
  LINKBOARD_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /**
   * The site's public base URL, for the links in webhook deliveries (default: the site that
   * `linkboard start` serves, on LINKBOARD_HOST and LINKBOARD_PORT).
   */
  LINKBOARD_SITE_URL: z.string().url().optional(),
  /** Port of the reference server that `linkboard start` runs the baselines through. */
  LINKBOARD_REFERENCE_PORT: z.coerce.number().int().min(1).max(65535).default(54330),
  /** "1": an unexpected error prints its stack trace, as `--verbose` does. */
  LINKBOARD_DEBUG: z.enum(['0', '1']).optional(),
  /** Set by CI systems; progress bars stay off there. */
  CI: z.string().optional(),
});

export type Env = z.infer<typeof EnvSchema> & {
  /** Which endpoints submissions may name (see packages/core endpoint.ts). */
  endpoints: EndpointPolicy;
  dataDir: string;
  /** The site's public base URL (LINKBOARD_SITE_URL, or the local site's). */
  siteUrl: string;
  /** Every variable, for `--api-key-env NAME`: the one place a secret is read from. */
  secrets: Readonly<Record<string, string | undefined>>;
};

/** An environment variable linkboard reads is malformed. */
export class EnvError extends Error {
  override name = 'EnvError';
}

export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new EnvError(`invalid environment: ${problems}`);
  }
  const data = parsed.data;
  return {
    ...data,
    endpoints: endpointPolicy({
      allowPrivate: data.LINKBOARD_ALLOW_PRIVATE_ENDPOINTS,
      defaultAllowPrivate: !data.DATABASE_URL && isLoopbackHost(data.LINKBOARD_HOST),
      allowed: data.LINKBOARD_ALLOWED_ENDPOINTS,
      sitePort: data.LINKBOARD_PORT,
      databaseUrl: data.DATABASE_URL,
      embeddedDatabasePort: data.LINKBOARD_PG_PORT ?? EMBEDDED_PG_PORT,
    }),
    dataDir: path.resolve(parsed.data.LINKBOARD_DATA_DIR),
    siteUrl:
      data.LINKBOARD_SITE_URL ??
      `http://${localAuthority(data.LINKBOARD_HOST, data.LINKBOARD_PORT)}/`,
    secrets: source,
  };
}
