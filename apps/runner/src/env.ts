import path from 'node:path';
import {
  type EndpointPolicy,
  endpointPolicy,
  isLoopbackHost,
  localAuthority,
} from '@linkboard/core';
import { EMBEDDED_PG_PORT } from '@linkboard/db';
import { z } from 'zod';

/**
 * Every environment variable the runner reads, validated once. Nothing else reads process.env.
 * Each one's description is what the commands' `--help` prints under "Environment:".
 */
const EnvSchema = z.object({
  LINKBOARD_DATA_DIR: z
    .string()
    .min(1)
    .default('.data')
    .describe(
      'where the embedded defaults keep benchmarks, images, secrets and the database (.data)',
    ),
  DATABASE_URL: z
    .string()
    .url()
    .optional()
    .describe('a PostgreSQL >= 15 to use instead of the embedded one'),
  LINKBOARD_SECRET_KEY: z
    .string()
    .optional()
    .describe(
      'base64 of 32 bytes: the key that encrypts endpoint API keys and webhook secrets (default: <data>/secret.key)',
    ),
  LINKBOARD_PG_PORT: z.coerce
    .number()
    .int()
    .min(1)
    .max(65535)
    .optional()
    .describe(`port of the embedded PostgreSQL (${EMBEDDED_PG_PORT})`),
  /*
   * By default private endpoints are allowed only on a personal install: the site on loopback
   * alone (LINKBOARD_HOST) and the embedded database; with DATABASE_URL, runners are shared and
   * an endpoint must not reach into the operator's network. An explicit value always wins.
   */
  LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: z
    .enum(['0', '1'])
    .optional()
    .describe(
      '"1" lets endpoints be loopback or private addresses (a local vLLM), "0" refuses them (default: allowed on a personal install only)',
    ),
  LINKBOARD_ALLOWED_ENDPOINTS: z
    .string()
    .optional()
    .describe(
      "comma-separated host or host:port allowed past every endpoint check (the only way to link-local addresses or the platform's own ports)",
    ),
  LINKBOARD_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('the address the site listens on (127.0.0.1: this machine only)'),
  LINKBOARD_SERVE_PROFILES: z
    .string()
    .optional()
    .describe(
      "JSON file of the operator's serve profiles (model servers a runner may launch on GPUs)",
    ),
  LINKBOARD_ATTEMPT_LIMIT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(30 * 60_000)
    .describe(
      'how long one attempt of a job may run before it stops, keeps its results and is retried (30 min)',
    ),
  LINKBOARD_LEASE_MS: z.coerce
    .number()
    .int()
    .min(500)
    .default(60_000)
    .describe("how long a runner's claim on a job lasts without a heartbeat (60 s)"),
  LINKBOARD_PORT: z.coerce
    .number()
    .int()
    .min(1)
    .max(65535)
    .default(3000)
    .describe('port of the site that `linkboard start` serves (3000)'),
  LINKBOARD_SITE_URL: z
    .string()
    .url()
    .optional()
    .describe(
      "the site's public base URL, for links in webhook deliveries (default: http://LINKBOARD_HOST:LINKBOARD_PORT/)",
    ),
  LINKBOARD_REFERENCE_PORT: z.coerce
    .number()
    .int()
    .min(1)
    .max(65535)
    .default(54330)
    .describe('port of the reference server whose models are the built-in baselines (54330)'),
  LINKBOARD_RANKED_PER_POLICY: z.coerce
    .number()
    .int()
    .min(1)
    .max(5000)
    .optional()
    .describe(
      'episodes per shot count and policy in each ranked run’s fresh draw (default 301: a ±2-point interval on the score)',
    ),
  LINKBOARD_DEBUG: z
    .enum(['0', '1'])
    .optional()
    .describe('"1": an unexpected error prints its stack trace, as --verbose does'),
  CI: z.string().optional().describe('set by CI systems: no progress bars'),
});

/** The name of a variable linkboard reads. */
export type EnvVariable = keyof typeof EnvSchema.shape;

/** Every variable, in the schema's order (what the help of all commands together must name). */
export const ENV_VARIABLES = Object.keys(EnvSchema.shape) as EnvVariable[];

/** Where a command finds its database: the embedded one in the data folder, or DATABASE_URL. */
export const DATABASE_VARIABLES: readonly EnvVariable[] = [
  'DATABASE_URL',
  'LINKBOARD_DATA_DIR',
  'LINKBOARD_PG_PORT',
];
/** Which endpoints a submission may name (core's endpoint policy reads these). */
export const ENDPOINT_VARIABLES: readonly EnvVariable[] = [
  'LINKBOARD_ALLOW_PRIVATE_ENDPOINTS',
  'LINKBOARD_ALLOWED_ENDPOINTS',
];

/**
 * The "Environment:" section of a command's help: each variable it reads with its description
 * from the schema, so that the help and the validation cannot disagree.
 */
export function environmentHelp(names: readonly EnvVariable[]): string {
  const width = Math.max(...names.map((n) => n.length));
  const lines = names.map((n) => `  ${n.padEnd(width)}  ${EnvSchema.shape[n].description}`);
  return `\nEnvironment:\n${lines.join('\n')}\n`;
}

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
