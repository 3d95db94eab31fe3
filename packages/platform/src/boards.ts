import { buildBoard } from '@linkboard/core';
import {
  type BoardKey,
  type BoardSnapshotFacts,
  boardInputsSeq,
  boardKeyName,
  boardVersionOf,
  type Db,
  type LeaderboardRow,
  leaderboardCounts,
  readBoardSnapshot,
  staleBoards,
  writeBoardSnapshot,
} from '@linkboard/db';
import { LRUCache } from 'lru-cache';

/**
 * Boards are ranked when their inputs change, not when they are read: the joint bootstrap behind
 * rank ranges and tiers costs seconds at thousands of models, so a read that ran it would hold
 * the request (and, in one Node process, every other request) for that long. A board is built
 * into a snapshot (db's `board_snapshots`) by a `BoardRanker`; reads take the snapshot's rows.
 */

/** Joint bootstrap replicates behind rank ranges (2,000 keeps their ends stable to about a rank). */
export const BOARD_REPLICATES = 2000;

/**
 * How a snapshot was ranked. Stored with it: a snapshot of another method is rebuilt, so two rows
 * of one board are never ranked two ways. Change the suffix when the ranking's output changes.
 */
export const BOARD_METHOD = `joint-bootstrap/${BOARD_REPLICATES}/1`;

export class BoardNotFound extends Error {
  constructor(key: BoardKey) {
    super(`benchmark version ${key.benchmarkVersionId} does not exist`);
    this.name = 'BoardNotFound';
  }
}

/**
 * Reads a board's counts, ranks them (core's `buildBoard`) and stores the snapshot. The seed is the
 * board's own, so a rebuild of unchanged inputs gives the same intervals.
 */
export async function buildBoardSnapshot(
  db: Db,
  key: BoardKey,
): Promise<{
  generation: number | null;
  rows: number;
  buildMs: number;
  /** Where the time went: reading the counts, ranking them, storing the snapshot. */
  phases: { readMs: number; rankMs: number; writeMs: number };
}> {
  const started = performance.now();
  // The counter first: a change that lands while the counts are read leaves this snapshot marked
  // stale (and rebuilt), never a snapshot that claims changes it did not see.
  const inputsSeq = await boardInputsSeq(db, key.benchmarkVersionId);
  const version = await boardVersionOf(db, key.benchmarkVersionId);
  if (!version) throw new BoardNotFound(key);
  const counts = await leaderboardCounts(db, key);
  const read = performance.now();
  const rows = buildBoard(
    counts,
    { ...version.rankedSetting, policy: key.policy },
    {
      includeSelfReported: key.selfReported,
      seed: `board|${key.benchmarkVersionId}|${key.policy}|${key.scorer}`,
      replicates: BOARD_REPLICATES,
    },
  );
  const ranked = performance.now();
  const generation = await writeBoardSnapshot(db, key, {
    inputsSeq,
    method: BOARD_METHOD,
    buildMs: ranked - started,
    rows,
  });
  const written = performance.now();
  return {
    generation,
    rows: rows.length,
    buildMs: written - started,
    phases: { readMs: read - started, rankMs: ranked - read, writeMs: written - ranked },
  };
}

/** Builds boards; one build at a time, and a board asked for while it builds is built once more. */
export interface BoardRanker {
  /** Resolves once a build that started after this call has stored the board's snapshot. */
  rebuild(key: BoardKey): Promise<void>;
  /**
   * True when builds run off the calling thread (a worker): a read of a stale board then serves
   * the previous snapshot, marked, rather than wait. An inline ranker's callers wait.
   */
  readonly background: boolean;
  close(): Promise<void>;
}

/**
 * A ranker over `build`: builds run one after another (ranking is CPU work; two at once would only
 * share the same core), and requests for a board already queued share its build.
 */
export function boardRanker(
  build: (key: BoardKey) => Promise<unknown>,
  options: { background: boolean; onError?: (key: BoardKey, error: unknown) => void },
): BoardRanker {
  const queued = new Map<string, { key: BoardKey; done: Promise<void>; settle: Settle }>();
  let chain: Promise<void> = Promise.resolve();
  let closed = false;
  const run = async (name: string) => {
    const entry = queued.get(name);
    if (!entry) return;
    // Leaves the queue as it starts: a request from now on needs a build that sees it.
    queued.delete(name);
    try {
      await build(entry.key);
      entry.settle.resolve();
    } catch (error) {
      options.onError?.(entry.key, error);
      entry.settle.reject(error);
    }
  };
  return {
    background: options.background,
    rebuild(key) {
      if (closed) {
        // Refused, to a caller who waits; one who does not (a background refresh while the
        // server shuts down) must not leave an unhandled rejection behind.
        const refused = Promise.reject(new Error('the board ranker is closed'));
        refused.catch(() => {});
        return refused;
      }
      const name = boardKeyName(key);
      const waiting = queued.get(name);
      if (waiting) return waiting.done;
      const settle = settler();
      queued.set(name, { key, done: settle.promise, settle });
      chain = chain.then(() => run(name));
      return settle.promise;
    },
    async close() {
      closed = true;
      await chain;
    },
  };
}

interface Settle {
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function settler(): Settle {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A caller that does not wait (a background refresh) must not leave an unhandled rejection.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** Builds on the calling thread: for tests, scripts and a site run without its server's worker. */
export function inlineBoardRanker(db: Db): BoardRanker {
  return boardRanker((key) => buildBoardSnapshot(db, key), { background: false });
}

/** A board as read: its rows in rank order and what its snapshot says of itself. */
export interface BoardRead {
  rows: LeaderboardRow[];
  snapshot: BoardSnapshotFacts;
}

/**
 * Whole boards as last read, per database and board, with their generation: a generation's rows
 * never change, so a read that finds the board still at the held generation takes these rather
 * than fetching and parsing every row again (10,000 rows: ~300 ms; the check: one small query).
 * A handful of boards are read whole (the site's pages, filters, exports); a few dozen are kept.
 */
const HELD_BOARDS = 32;
interface HeldBoard {
  generation: number;
  rows: LeaderboardRow[];
}
const heldBoards = new WeakMap<Db, LRUCache<string, HeldBoard>>();
/** Whole reads in flight, per database and board: readers who miss together share one. */
const wholeReads = new WeakMap<Db, Map<string, Promise<BoardRead | null>>>();

function heldFor(db: Db): LRUCache<string, HeldBoard> {
  const found = heldBoards.get(db) ?? new LRUCache<string, HeldBoard>({ max: HELD_BOARDS });
  heldBoards.set(db, found);
  return found;
}

function readsFor(db: Db): Map<string, Promise<BoardRead | null>> {
  const found = wholeReads.get(db) ?? new Map<string, Promise<BoardRead | null>>();
  wholeReads.set(db, found);
  return found;
}

/** Reads a board's snapshot: whole (through the held rows) or its first `limit` rows. */
async function readSnapshot(db: Db, key: BoardKey, limit?: number): Promise<BoardRead | null> {
  const name = boardKeyName(key);
  const held = heldFor(db);
  const have = held.get(name);
  const found = await readBoardSnapshot(db, key, {
    method: BOARD_METHOD,
    limit,
    known: have?.generation,
  });
  if (!found) return null;
  if (found.rows === null && have)
    return {
      rows: limit === undefined ? have.rows : have.rows.slice(0, limit),
      snapshot: found.facts,
    };
  const rows = found.rows ?? [];
  if (limit === undefined) held.set(name, { generation: found.facts.generation, rows });
  return { rows, snapshot: found.facts };
}

/** `readSnapshot`, whole reads of one board shared by the readers who ask while one is running. */
function readSnapshotShared(db: Db, key: BoardKey, limit?: number): Promise<BoardRead | null> {
  if (limit !== undefined) return readSnapshot(db, key, limit);
  const inFlight = readsFor(db);
  const name = boardKeyName(key);
  const running = inFlight.get(name);
  if (running) return running;
  const read = readSnapshot(db, key).finally(() => inFlight.delete(name));
  inFlight.set(name, read);
  return read;
}

/**
 * A board's rows from its snapshot. A board never built is built first (the caller waits on the
 * ranker, which runs off this thread where the site has a worker). A stale one is rebuilt: a
 * background ranker's readers get the previous snapshot meanwhile, marked `stale`; an inline
 * ranker's wait for the new one. The rows are shared between readers: do not change them.
 */
export async function readBoard(
  db: Db,
  key: BoardKey,
  ranker: BoardRanker,
  options: { limit?: number } = {},
): Promise<BoardRead> {
  const read = () => readSnapshotShared(db, key, options.limit);
  const found = await read();
  if (found && !found.snapshot.stale) return found;
  if (found && ranker.background) {
    void ranker.rebuild(key);
    return found;
  }
  await ranker.rebuild(key);
  const built = await read();
  // Only a version deleted meanwhile leaves nothing: the build itself refuses a missing version.
  if (!built) throw new BoardNotFound(key);
  return built;
}

/** Rebuilds every board whose snapshot is stale; returns how many were asked for. */
export async function refreshStaleBoards(db: Db, ranker: BoardRanker): Promise<number> {
  const due = await staleBoards(db, BOARD_METHOD);
  for (const key of due) void ranker.rebuild(key);
  return due.length;
}

// The site's server starts a worker ranker and Next's route handlers read through it; they are
// separate module instances (the handlers are bundled), so the ranker is kept on globalThis.
const SITE_RANKER = Symbol.for('linkboard.boardRanker');

/** Makes `ranker` the one this process's reads use (the site's server, at start). */
export function setBoardRanker(ranker: BoardRanker | null): void {
  (globalThis as Record<symbol, unknown>)[SITE_RANKER] = ranker ?? undefined;
}

const inline = new WeakMap<Db, BoardRanker>();

/** The ranker this process's reads use: the server's, else one building inline on `db`. */
export function currentBoardRanker(db: Db): BoardRanker {
  const site = (globalThis as Record<symbol, unknown>)[SITE_RANKER] as BoardRanker | undefined;
  if (site) return site;
  let own = inline.get(db);
  if (!own) {
    own = inlineBoardRanker(db);
    inline.set(db, own);
  }
  return own;
}
