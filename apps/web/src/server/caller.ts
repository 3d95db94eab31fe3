import 'server-only';
import { headers } from 'next/headers';
import { cache } from 'react';
import { appRouter } from './routers';
import { createCallerFactory, createContext } from './trpc';

/** Server components call the routers directly: the same procedures the client calls over HTTP. */
export const api = cache(async () =>
  createCallerFactory(appRouter)(await createContext({ headers: await headers() })),
);
