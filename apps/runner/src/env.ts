import path from 'node:path';
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
  /** Set by CI systems; progress bars stay off there. */
  CI: z.string().optional(),
});

export type Env = z.infer<typeof EnvSchema> & {
  dataDir: string;
  /** Every variable, for `--api-key-env NAME`: the one place a secret is read from. */
  secrets: Readonly<Record<string, string | undefined>>;
};

export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid environment: ${problems}`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.LINKBOARD_DATA_DIR), secrets: source };
}
