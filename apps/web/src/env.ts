import path from 'node:path';
import { z } from 'zod';

/** Every environment variable the site reads, validated once. Nothing else reads process.env. */
const EnvSchema = z.object({
  /** The database the platform runs on (`linkboard start` passes the embedded one's). */
  DATABASE_URL: z.string().url().optional(),
  /** Where the platform keeps its data; images are served from <dir>/images. */
  LINKBOARD_DATA_DIR: z.string().min(1).default('.data'),
});

const parsed = EnvSchema.parse(process.env);
export const env = { ...parsed, dataDir: path.resolve(parsed.LINKBOARD_DATA_DIR) };
