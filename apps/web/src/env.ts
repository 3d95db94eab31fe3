import { localAuthority } from '@linkboard/core';
import { PLATFORM_ENV, platformSettings } from '@linkboard/platform/settings';
import { z } from 'zod';
import { trustedProxies } from './front/client-address';

/** Every environment variable the site reads, validated once. Nothing else reads process.env. */
const EnvSchema = z.object({
  /**
   * What the platform's rules read (the database, the data folder, the secret key, the endpoint
   * policy, quotas, ranked runs): declared once in the platform layer, the same for the runners.
   */
  ...PLATFORM_ENV,
  /** Signs sessions; the embedded default generates one into <data>/auth-secret. */
  BETTER_AUTH_SECRET: z.string().min(32).optional(),
  /**
   * The site's public URL (links in auth flows, trusted origin). Default: where it listens, as a
   * browser on this machine reaches it (LINKBOARD_HOST, LINKBOARD_PORT).
   */
  BETTER_AUTH_URL: z.string().url().optional(),
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
const platform = platformSettings(parsed);
const siteUrl =
  parsed.BETTER_AUTH_URL ??
  `http://${localAuthority(parsed.LINKBOARD_HOST, parsed.LINKBOARD_PORT)}`;
const siteOrigin = new URL(siteUrl).origin;
export const env = {
  ...parsed,
  BETTER_AUTH_URL: siteUrl,
  /**
   * The site's own origins: its public URL's, and the same server reached as localhost (what
   * better-auth trusts and what cookie-signed mutations must come from).
   */
  siteOrigins: [siteOrigin, siteOrigin.replace('//127.0.0.1', '//localhost')] as const,
  /** The platform's rules as the site acts on them (submit, quotas, the endpoint policy). */
  platform,
  dataDir: platform.dataDir,
  /** Which endpoints submissions may name: the runners' policy, from the same settings. */
  endpoints: platform.endpoints,
};
