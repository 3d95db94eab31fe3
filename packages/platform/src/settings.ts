import path from 'node:path';
import { type EndpointPolicy, endpointPolicy, isLoopbackHost } from '@linkboard/core';
import { EMBEDDED_PG_PORT } from '@linkboard/db';
import { z } from 'zod';

/**
 * The environment variables the platform's rules read, declared once. Each app's `env.ts` spreads
 * this shape into its own schema, so the site and the runners parse them alike and cannot
 * disagree on a default (a site started on its own used to accept endpoints its runners refused).
 * The descriptions are what the CLI's `--help` prints under "Environment:".
 */
export const PLATFORM_ENV = {
  DATABASE_URL: z
    .string()
    .url()
    .optional()
    .describe('a PostgreSQL >= 15 to use instead of the embedded one'),
  LINKBOARD_DATA_DIR: z
    .string()
    .min(1)
    .default('.data')
    .describe(
      'where the embedded defaults keep benchmarks, images, secrets and the database (.data)',
    ),
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
  LINKBOARD_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('the address the site listens on (127.0.0.1: this machine only)'),
  LINKBOARD_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(3000)
    .describe('port of the site that `linkboard start` serves (3000)'),
  /*
   * By default private endpoints are allowed only on a personal install: the site on loopback
   * alone and the embedded database. With DATABASE_URL, runners are shared and an endpoint must
   * not reach into the operator's network. An explicit value always wins.
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
  LINKBOARD_DAILY_QUOTA: z.coerce
    .number()
    .int()
    .min(0)
    .default(20)
    .describe(
      'runs one account may ask for per 24 hours: submissions, retries and re-runs of errors (20)',
    ),
  LINKBOARD_DAILY_CONNECTION_TESTS: z.coerce
    .number()
    .int()
    .min(0)
    .default(50)
    .describe('connection tests one account may run per 24 hours, apart from its runs (50)'),
  LINKBOARD_MAX_EPISODES: z.coerce
    .number()
    .int()
    .min(1)
    .default(250_000)
    .describe(
      'episodes one submission may ask for, on every path (250000: the default benchmark at 10 shot counts, 3 policies, 20 draws is 230,400)',
    ),
  LINKBOARD_RANKED_OPEN: z
    .enum(['0', '1'])
    .default('0')
    .describe(
      '"1" opens ranked runs to every account; by default only participants (`linkboard users role <email> participant`) and admins',
    ),
  LINKBOARD_RANKED_PER_POLICY: z.coerce
    .number()
    .int()
    .min(1)
    .max(5000)
    .optional()
    .describe(
      'episodes per shot count and policy in each ranked run’s fresh draw (default 301: a ±2-point interval on the score)',
    ),
} as const;

/** What `PLATFORM_ENV` parses to. */
export type PlatformEnv = z.infer<z.ZodObject<typeof PLATFORM_ENV>>;

/** The platform's rules as settings: what `submit()` and the runners act on. */
export interface PlatformSettings {
  dataDir: string;
  /** LINKBOARD_SECRET_KEY, else the data folder's key file. */
  secretKey: string | undefined;
  /** Which endpoints and webhooks a submission may name (core's policy). */
  endpoints: EndpointPolicy;
  /** Runs one account may ask for per 24 hours (the operator at the CLI has no quota). */
  dailyQuota: number;
  /** Connection tests one account may run per 24 hours. */
  dailyConnectionTests: number;
  /** Whether every account may ask for ranked runs, not only participants and admins. */
  rankedOpen: boolean;
  /** Episodes per shot count and policy of a ranked draw (default: datasets' for ±2 points). */
  rankedPerPolicy: number | undefined;
  /** Episodes one submission may ask for, on every path (LINKBOARD_MAX_EPISODES). */
  maxEpisodes: number;
}

/**
 * The settings both apps act on, from their parsed environment: the one place the endpoint
 * policy's default is decided (a submitted endpoint may not call the platform's own ports: the
 * site's and the database's).
 */
export function platformSettings(env: PlatformEnv): PlatformSettings {
  return {
    dataDir: path.resolve(env.LINKBOARD_DATA_DIR),
    secretKey: env.LINKBOARD_SECRET_KEY,
    endpoints: endpointPolicy({
      allowPrivate: env.LINKBOARD_ALLOW_PRIVATE_ENDPOINTS,
      defaultAllowPrivate: !env.DATABASE_URL && isLoopbackHost(env.LINKBOARD_HOST),
      allowed: env.LINKBOARD_ALLOWED_ENDPOINTS,
      sitePort: env.LINKBOARD_PORT,
      databaseUrl: env.DATABASE_URL,
      embeddedDatabasePort: env.LINKBOARD_PG_PORT ?? EMBEDDED_PG_PORT,
    }),
    dailyQuota: env.LINKBOARD_DAILY_QUOTA,
    dailyConnectionTests: env.LINKBOARD_DAILY_CONNECTION_TESTS,
    rankedOpen: env.LINKBOARD_RANKED_OPEN === '1',
    rankedPerPolicy: env.LINKBOARD_RANKED_PER_POLICY,
    maxEpisodes: env.LINKBOARD_MAX_EPISODES,
  };
}
