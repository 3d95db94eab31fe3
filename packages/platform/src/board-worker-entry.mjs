// The board worker's entry: Node 20 starts a worker thread's own entry before any `--import` hook
// can load TypeScript, so this plain module registers tsx and then loads the thread's source.
import { register } from 'tsx/esm/api';

register();
await import('./board-worker-thread.ts');
