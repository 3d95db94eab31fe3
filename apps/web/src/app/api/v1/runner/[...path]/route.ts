import path from 'node:path';
import { rankedImageOf, renderRankedImage } from '@linkboard/datasets/ranked-draw';
import { runnerApi } from '@linkboard/db/runner-api';
import { env } from '~/env';
import { getDatabase } from '~/server/db';
import { reportUnexpected } from '~/server/errors';

let api: Promise<ReturnType<typeof runnerApi>> | undefined;

/**
 * The runner API (claim, heartbeat, results, complete… and the manifests and images a job needs),
 * for runners holding a runner token instead of database credentials. The handler is the queue's
 * own (`@linkboard/db/runner-api`); the site only mounts it, and gives it the ranked draw's
 * renderer, which the database package may not import: a ranked run's images are drawn from
 * their manifest entries when its runner asks for them, never stored.
 */
async function serve(request: Request): Promise<Response> {
  // One per server process, for its lifetime: its long-polling claims share one LISTEN connection.
  api ??= getDatabase().then((database) =>
    runnerApi(database, {
      imagesDir: path.join(env.dataDir, 'images'),
      renderImage: async (entry) => {
        const ranked = rankedImageOf(entry);
        return ranked ? renderRankedImage(ranked) : null;
      },
      onUnexpected: (error, where) => reportUnexpected(error, where),
    }),
  );
  return (await api).handle(request);
}

export const GET = serve;
export const POST = serve;
