import { parentPort, workerData } from 'node:worker_threads';
import { type BoardKey, connect } from '@linkboard/db';
import { buildBoardSnapshot } from './boards';

/** The board worker's thread (see `workerBoardRanker`): builds one board per message, in order. */
const { databaseUrl } = workerData as { databaseUrl: string };
const database = connect(databaseUrl, { max: 2 });
const port = parentPort;
if (!port) throw new Error('board-worker-thread runs as a worker thread');
let chain = Promise.resolve();
port.on('message', (message: { id: number; key: BoardKey } | { close: true }) => {
  chain = chain.then(async () => {
    if ('close' in message) {
      await database.close();
      port.close();
      return;
    }
    try {
      await buildBoardSnapshot(database.db, message.key);
      port.postMessage({ id: message.id });
    } catch (error) {
      port.postMessage({ id: message.id, error: (error as Error).message ?? String(error) });
    }
  });
});
