import path from 'node:path';
import { z } from 'zod';

/** Every environment variable the end-to-end tests read, validated once. */
const EnvSchema = z.object({
  /** Ports of the platform under test: the site, its PostgreSQL and its reference server. */
  LINKBOARD_E2E_PORT: z.coerce.number().int().min(1).max(65535).default(3210),
  LINKBOARD_E2E_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54810),
  LINKBOARD_E2E_REFERENCE_PORT: z.coerce.number().int().min(1).max(65535).default(54811),
  /**
   * Where page screenshots go, relative to e2e/. The default is ignored by git, so `npm test`
   * changes no tracked file; `npm run screenshots` points it at `screenshots`, the README's.
   */
  LINKBOARD_E2E_SCREENSHOT_DIR: z.string().min(1).default('test-results/screenshots'),
});

const parsed = EnvSchema.safeParse(process.env);
if (!parsed.success) {
  const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  throw new Error(`invalid environment for the end-to-end tests: ${problems}`);
}

export const e2eEnv = {
  ...parsed.data,
  screenshotDir: path.resolve(import.meta.dirname, parsed.data.LINKBOARD_E2E_SCREENSHOT_DIR),
};
