import path from 'node:path';
import { runnerApi } from '@linkboard/platform/runner-api';
import { env } from '~/env';
import { getDatabase } from '~/server/db';
import { reportUnexpected } from '~/server/errors';

let api: Promise<ReturnType<typeof runnerApi>> | undefined;

/**
 * The runner API (claim, heartbeat, results, complete… and the manifests and images a job needs),
 * for runners holding a runner token instead of database credentials. The handler is the
 * platform's (`@linkboard/platform/runner-api`); the site only mounts it.
 */
async function serve(request: Request): Promise<Response> {
  // One per server process, for its lifetime: its long-polling claims share one LISTEN connection.
  api ??= getDatabase().then((database) =>
    runnerApi(database, {
      imagesDir: path.join(env.dataDir, 'images'),
      onUnexpected: (error, where) => reportUnexpected(error, where),
    }),
  );
  return (await api).handle(request);
}

export const GET = serve;
export const POST = serve;
