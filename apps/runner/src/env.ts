import { type EndpointPolicy, localAuthority } from '@linkboard/core';
import {
  PLATFORM_ENV,
  type PlatformSettings,
  platformSettings,
} from '@linkboard/platform/settings';
import { z } from 'zod';

/**
 * Every environment variable the runner reads, validated once. Nothing else reads process.env.
 * Each one's description is what the commands' `--help` prints under "Environment:".
 */
const EnvSchema = z.object({
  /**
   * What the platform's rules read (the database, the data folder, the secret key, the endpoint
   * policy, quotas, ranked runs): declared once in the platform layer, the same for the site.
   */
  ...PLATFORM_ENV,
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

/** The platform's limits on runs: what a submission on an account's behalf is held to. */
export const QUOTA_VARIABLES: readonly EnvVariable[] = [
  'LINKBOARD_DAILY_QUOTA',
  'LINKBOARD_MAX_EPISODES',
  'LINKBOARD_RANKED_OPEN',
  'LINKBOARD_RANKED_PER_POLICY',
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
  /** The platform's rules as this process acts on them (submit, quotas, the endpoint policy). */
  platform: PlatformSettings;
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
  const platform = platformSettings(data);
  return {
    ...data,
    platform,
    endpoints: platform.endpoints,
    dataDir: platform.dataDir,
    siteUrl:
      data.LINKBOARD_SITE_URL ??
      `http://${localAuthority(data.LINKBOARD_HOST, data.LINKBOARD_PORT)}/`,
    secrets: source,
  };
}
