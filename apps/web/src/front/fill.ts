/**
 * The page cache's requests to Next ("fills") and what Next says about them.
 *
 * A fill carries `x-linkboard-fill: <token>:<id>`, the token being the running server's secret;
 * the server strips the header from every other request. Inside Next, a fill reads current data
 * (no few-seconds row cache, since its answer is kept), and a render error during a fill is
 * recorded so the server does not keep that answer: a client-side navigation that fails still
 * answers 200, with the error inside the flight payload.
 *
 * The state lives on `globalThis` because the custom server and Next's server bundle each load
 * their own copy of this module in the same process.
 */
export const FILL_HEADER = 'x-linkboard-fill';

interface FillState {
  /** The running server's token; null under `next dev`/`next start`, where nothing is a fill. */
  token: string | null;
  /** Ids of fills whose render failed, until the server reads them. */
  failed: Set<string>;
}

const KEY = Symbol.for('linkboard.page-cache.fills');

export function fillState(): FillState {
  const global = globalThis as { [KEY]?: FillState };
  global[KEY] ??= { token: null, failed: new Set() };
  return global[KEY];
}

/** The fill id a request carries, or null when it is not a fill of this process's server. */
export function fillIdOf(value: string | string[] | null | undefined): string | null {
  const { token } = fillState();
  if (!token || typeof value !== 'string' || !value.startsWith(`${token}:`)) return null;
  return value.slice(token.length + 1);
}
