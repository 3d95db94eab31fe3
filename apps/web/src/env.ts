import path from 'node:path';
import { endpointPolicy, isLoopbackHost, localAuthority } from '@linkboard/core';
import { z } from 'zod';
import { trustedProxies } from './front/client-address';

/** Every environment variable the site reads, validated once. Nothing else reads process.env. */
const EnvSchema = z.object({
  /** The database the platform runs on (`linkboard start` passes the embedded one's). */
  DATABASE_URL: z.string().url().optional(),
  /** Where the platform keeps its data; images are served from <dir>/images. */
  LINKBOARD_DATA_DIR: z.string().min(1).default('.data'),
  /** Signs sessions; the embedded default generates one into <data>/auth-secret. */
  BETTER_AUTH_SECRET: z.string().min(32).optional(),
  /**
   * The site's public URL (links in auth flows, trusted origin). Default: where it listens, as a
   * browser on this machine reaches it (LINKBOARD_HOST, LINKBOARD_PORT).
   */
  BETTER_AUTH_URL: z.string().url().optional(),
  /** Base64 of 32 bytes that encrypts endpoint API keys (embedded default: <data>/secret.key). */
  LINKBOARD_SECRET_KEY: z.string().optional(),
  /** Runs one user may ask for per 24 hours: submissions, retries and re-runs of errors. */
  LINKBOARD_DAILY_QUOTA: z.coerce.number().int().min(0).default(20),
  /**
   * "1" opens ranked runs to every account; by default only accounts an admin made participants
   * (`linkboard users role <email> participant`) may submit one.
   */
  LINKBOARD_RANKED_OPEN: z.enum(['0', '1']).default('0'),
  /** Episodes per shot count and policy of a ranked run's draw (default: the runner's, 301). */
  LINKBOARD_RANKED_PER_POLICY: z.coerce.number().int().min(1).max(5000).optional(),
  /** Connection tests one user may run per 24 hours (apart from the submission quota). */
  LINKBOARD_DAILY_CONNECTION_TESTS: z.coerce.number().int().min(0).default(50),
  /** Where the site's server listens (src/front/server.ts). */
  LINKBOARD_HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * "1" lets submissions name loopback and private endpoints, "0" refuses them; by default they
   * are allowed only while the site listens on loopback alone (a personal install).
   */
  LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: z.enum(['0', '1']).optional(),
  /** Comma-separated hosts or host:port the operator allows by name, past every endpoint check. */
  LINKBOARD_ALLOWED_ENDPOINTS: z.string().optional(),
  LINKBOARD_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /**
   * MiB for rendered leaderboard responses served to anonymous visitors; 0 turns it off. An
   * answer over a quarter of it is not kept (the 100-row front page is about 0.3 MiB).
   */
  LINKBOARD_PAGE_CACHE_MB: z.coerce.number().int().min(0).default(64),
  /**
   * Comma-separated addresses or CIDR ranges of the reverse proxies in front of the site: only a
   * request from one of them has its X-Forwarded-For believed (for rate limits). Default none:
   * the socket's peer is the client.
   */
  LINKBOARD_TRUSTED_PROXIES: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const entries = (value ?? '')
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean);
      try {
        return entries.length ? { entries, list: trustedProxies(entries) } : null;
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
});

const parsed = EnvSchema.parse(process.env);
export const env = {
  ...parsed,
  BETTER_AUTH_URL:
    parsed.BETTER_AUTH_URL ??
    `http://${localAuthority(parsed.LINKBOARD_HOST, parsed.LINKBOARD_PORT)}`,
  dataDir: path.resolve(parsed.LINKBOARD_DATA_DIR),
  /** Which endpoints submissions may name: the runner's policy, checked here at submit too. */
  endpoints: endpointPolicy({
    allowPrivate: parsed.LINKBOARD_ALLOW_PRIVATE_ENDPOINTS,
    defaultAllowPrivate: isLoopbackHost(parsed.LINKBOARD_HOST),
    allowed: parsed.LINKBOARD_ALLOWED_ENDPOINTS,
    sitePort: parsed.LINKBOARD_PORT,
    databaseUrl: parsed.DATABASE_URL,
  }),
};
