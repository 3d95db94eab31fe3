import { TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { type Admitted, admit, BODY_LIMITS } from '~/server/api-v1';
import { appRouter } from '~/server/routers';

const ENDPOINT = '/api/trpc';

/** The procedures whose input may be large: a submission, with its predictions. */
const LARGE_INPUTS = new Set(['submissions.create']);

/** The procedures a request calls (`/api/trpc/a.b,c.d?batch=1`), as tRPC reads its path. */
function proceduresOf(req: Request): string[] {
  const path = new URL(req.url).pathname.slice(ENDPOINT.length + 1);
  try {
    return decodeURIComponent(path).split(',');
  } catch {
    return path.split(',');
  }
}

/**
 * tRPC over HTTP. Every request passes the API's door first (`admit`, src/server/api-v1.ts): a
 * mutation (tRPC takes them only as POSTs) signed in with the session cookie must be JSON from the
 * site's own origin; every mutation needs an account, so an anonymous one is refused before its
 * body is read; and the body is held to its procedures' limit. A refusal is answered by tRPC in its
 * own shape (the site's client shows its message), on a copy of the request without the body.
 */
const handler = async (req: Request) => {
  let admitted: Admitted | undefined;
  let refusal: unknown;
  try {
    admitted = await admit(
      req,
      {
        account: true,
        limitBytes: proceduresOf(req).some((path) => LARGE_INPUTS.has(path))
          ? BODY_LIMITS.submission
          : BODY_LIMITS.json,
      },
      (refused) => new TRPCError({ code: refused.code, message: refused.message }),
    );
  } catch (error) {
    refusal = error;
  }
  return fetchRequestHandler({
    endpoint: ENDPOINT,
    req: admitted?.request ?? withoutBody(req),
    router: appRouter,
    createContext: () => {
      if (!admitted) throw refusal;
      return admitted.context;
    },
  });
};

/**
 * The request less its body, as JSON, so that tRPC gets as far as `createContext` (which throws
 * the refusal) without a content-type of its own to refuse first, and reads nothing.
 */
function withoutBody(req: Request): Request {
  const headers = new Headers(req.headers);
  headers.delete('content-length');
  headers.delete('transfer-encoding');
  if (req.method !== 'GET') headers.set('content-type', 'application/json');
  return new Request(req.url, { method: req.method, headers, signal: req.signal });
}

export { handler as GET, handler as POST };
