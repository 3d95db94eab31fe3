import 'server-only';
import { TRPCError } from '@trpc/server';
import { headers } from 'next/headers';
import { notFound } from 'next/navigation';
import { cache } from 'react';
import { appRouter } from './routers';
import { createCallerFactory, createContext } from './trpc';

/** Server components call the routers directly: the same procedures the client calls over HTTP. */
export const api = cache(async () =>
  createCallerFactory(appRouter)(await createContext({ headers: await headers() })),
);

/**
 * A page's read, where "not found" (or an id no row can have) is the page's 404: without this a
 * missing or private submission named in a URL would be a 500.
 */
export async function orNotFound<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof TRPCError && (error.code === 'NOT_FOUND' || error.code === 'BAD_REQUEST'))
      notFound();
    throw error;
  }
}
