'use client';

import { useEffect, useSyncExternalStore } from 'react';

/**
 * Who is signed in, as the browser learns it after the page has loaded.
 *
 * Pages are rendered the same for every visitor, so that the page cache (src/front/page-cache.ts)
 * can serve them to everyone: nothing personal is in their HTML. The header's account part asks
 * `accounts.me` once per page load (and again after signing in or out) and shows the answer.
 */
/** `admin`: the header offers the admin page (the page itself checks again, on the server). */
export type Account = { name: string; admin: boolean } | null;

/** `undefined` until the answer comes: the server's render and the browser's first one agree. */
let account: Account | undefined;
let asked = 0;
const listeners = new Set<() => void>();

function settle(next: Account) {
  account = next;
  for (const listener of listeners) listener();
}

/**
 * Asks the site who is signed in. A plain GET of the tRPC query rather than a tRPC client, to
 * keep the client and its transformer out of every page's first load: `me` holds only strings,
 * which superjson sends as they are, under `result.data.json`.
 */
export async function refreshAccount(): Promise<void> {
  const ask = ++asked;
  let next: Account;
  try {
    const response = await fetch('/api/trpc/accounts.me', {
      credentials: 'same-origin',
      cache: 'no-store',
    });
    if (!response.ok) throw new Error(`accounts.me: HTTP ${response.status}`);
    const me = (await response.json())?.result?.data?.json as {
      name?: unknown;
      role?: unknown;
    } | null;
    next = me && typeof me.name === 'string' ? { name: me.name, admin: me.role === 'admin' } : null;
  } catch {
    // Unknown (the site is away): offer the sign-in link rather than nothing.
    next = null;
  }
  // A later question (signed in meanwhile) has the newer answer.
  if (ask === asked) settle(next);
}

/** Forgets the account at once (signed out), without asking. */
export function signedOut() {
  asked++;
  settle(null);
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The signed-in account, `null` for nobody, `undefined` while not known yet. */
export function useAccount(): Account | undefined {
  const value = useSyncExternalStore(
    subscribe,
    () => account,
    () => undefined,
  );
  useEffect(() => {
    if (account === undefined && asked === 0) void refreshAccount();
  }, []);
  return value;
}
