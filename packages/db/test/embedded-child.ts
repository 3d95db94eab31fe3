/**
 * Run by embedded.test.ts in a process group of its own, as `linkboard start` runs in a terminal:
 * starts the embedded PostgreSQL, and on SIGINT (Ctrl-C reaches the whole group) waits a moment,
 * as the runner does while finishing in-flight work, then asks the database something.
 */
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/embedded';

const [dataDir, port] = process.argv.slice(2) as [string, string];
const server = await startEmbeddedPostgres({
  dataDir,
  port: Number(port),
  callerStops: process.argv[4] === 'caller-stops',
});
process.once('SIGINT', async () => {
  await new Promise((r) => setTimeout(r, 300));
  const client = new pg.Client({ connectionString: server.url });
  try {
    await client.connect();
    await client.query('SELECT 1');
    console.log('query after Ctrl-C: ok');
    await client.end();
  } catch (error) {
    console.log(`query after Ctrl-C: failed: ${(error as Error).message}`);
  }
  await server.stop();
  process.exit(0);
});
console.log('ready');
