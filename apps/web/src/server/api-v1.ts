import 'server-only';
import { ApiErrorSchema, isScorerName, issueList, scorerNames } from '@linkboard/core';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { z } from 'zod';
import { env } from '~/env';
import { reportUnexpected, unexpectedMessage } from './errors';
import { appRouter } from './routers';
import { type Context, createCallerFactory, createContext } from './trpc';

const callerOf = createCallerFactory(appRouter);
type Caller = ReturnType<typeof callerOf>;

/** A refusal the handler states itself (a body that does not parse, say). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A request refused at the door, before its body is read: 401, 403 or 413, saying why. */
export class Refused extends ApiError {
  constructor(
    status: 401 | 403 | 413,
    override readonly code: 'UNAUTHORIZED' | 'FORBIDDEN' | 'PAYLOAD_TOO_LARGE',
    message: string,
  ) {
    super(status, code, message);
  }
}

/** The API's error shape, `{ error: { code, message } }`, with its HTTP status. */
export const errorReply = (status: number, code: string, message: string) =>
  Response.json(ApiErrorSchema.parse({ error: { code, message } }), {
    status,
    headers: { 'cache-control': 'no-store' },
  });

/** The most bytes a request body may hold, by route. */
export const BODY_LIMITS = {
  /**
   * A submission (`POST /api/v1/submissions`, tRPC's `submissions.create`): predictions JSONL up
   * to 50 MB (core's `SubmissionRequestSchema`), JSON-encoded in the body (each line's quotes and
   * newline escaped, some 15–25% more), beside the rest of the form. The site's server
   * (src/front/server.ts) refuses any body over the same size.
   */
  submission: 64 * 2 ** 20,
  /** Any other JSON body (ids, names, settings; better-auth's forms). */
  json: 2 ** 20,
} as const;

const MiB = (bytes: number) => `${+(bytes / 2 ** 20).toFixed(2)} MiB`;

/**
 * Why a request signed in with the site's cookie may have been made by another site's page (a
 * cross-site request forgery), or null if it comes from the site's own pages: it must be JSON
 * (which no other page can send without the site's CORS approval, and it gives none) and say it
 * comes from the site's origin (`Origin`, or without one `Sec-Fetch-Site: same-origin`). Another
 * port of the same host is another origin, though the browser sends it the same cookie.
 */
function forgeryProblem(headers: Headers): string | null {
  const type = headers.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase();
  const instead = 'a script authenticates with an API token (Authorization: Bearer …) instead';
  if (type !== 'application/json')
    return `a request signed in with the site's session cookie must send content-type: application/json, not ${type ? `"${type.slice(0, 100)}"` : 'none'}; ${instead}`;
  const origins = new Set<string>(env.siteOrigins);
  const origin = headers.get('origin');
  if (origin !== null) {
    if (!origins.has(origin))
      return `a request signed in with the site's session cookie must come from the site's own pages (${[...origins].join(' or ')}), not ${JSON.stringify(origin.slice(0, 200))}; ${instead}`;
  } else if (headers.get('sec-fetch-site') !== 'same-origin')
    return `a request signed in with the site's session cookie must say it comes from the site's own pages (an Origin header, or Sec-Fetch-Site: same-origin); ${instead}`;
  return null;
}

/** What a route takes in: the most its body may hold, and whether it needs an account. */
export interface Intake {
  /** Bytes (default `BODY_LIMITS.json`). */
  limitBytes?: number;
  /** An anonymous request that would change something is answered 401 before its body is read. */
  account?: boolean;
}

export interface Admitted {
  /** Who is asking (the tRPC context, as `createContext` makes it). */
  context: Context;
  /** The request, its body now cut off (an error) at the route's limit as it streams in. */
  request: Request;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The door every request to the site's API passes (`apiRoute` here, the tRPC route), before
 * anything reads its body: the rules for a request that would change something (any method but
 * GET, HEAD and OPTIONS), in this order:
 *
 * 1. a `Content-Length` over the route's limit is refused (413), without reading a byte;
 * 2. who is asking is found from the headers alone (the session cookie or the API token);
 * 3. if that is the session cookie, the request must be JSON from the site's own origin (403, see
 *    `forgeryProblem`); a token (`Authorization: Bearer`) is not sent by browsers on their own,
 *    so token requests are not held to it, from wherever they come;
 * 4. where the route needs an account, an anonymous request is refused (401);
 * 5. the body, when it is read, is cut off at the limit as it streams in (413), for a body sent
 *    without a length (chunked).
 *
 * A refusal is thrown as `as(refused)` (default the `Refused` itself), the streaming one too.
 * better-auth's routes (/api/auth) keep better-auth's own checks (its trusted origins), and only
 * their size is held here (`capBody`).
 */
export async function admit(
  request: Request,
  intake: Intake = {},
  as: (refused: Refused) => Error = (refused) => refused,
): Promise<Admitted> {
  if (SAFE_METHODS.has(request.method))
    return { context: await createContext({ headers: request.headers }), request };
  const limit = intake.limitBytes ?? BODY_LIMITS.json;
  tooLong(request, limit, as);
  const context = await createContext({ headers: request.headers });
  if (context.viewer?.via === 'session') {
    const forgery = forgeryProblem(request.headers);
    if (forgery) throw as(new Refused(403, 'FORBIDDEN', forgery));
  }
  if (intake.account && !context.viewer)
    throw as(
      new Refused(
        401,
        'UNAUTHORIZED',
        'sign in first, or send an API token (Authorization: Bearer …)',
      ),
    );
  return { context, request: capped(request, limit, as) };
}

/**
 * A request whose body may be read up to `limitBytes` only: a `Content-Length` over it is refused
 * at once (413), and a body without one is cut off (an error, 413) at the limit as it streams in.
 * For routes that take anonymous bodies by design (better-auth's sign-up and sign-in).
 */
export function capBody(
  request: Request,
  limitBytes: number,
  as: (refused: Refused) => Error = (refused) => refused,
): Request {
  if (SAFE_METHODS.has(request.method)) return request;
  tooLong(request, limitBytes, as);
  return capped(request, limitBytes, as);
}

const overLimit = (limit: number) =>
  new Refused(
    413,
    'PAYLOAD_TOO_LARGE',
    `the request body is over ${MiB(limit)}, this route's limit`,
  );

function tooLong(request: Request, limit: number, as: (refused: Refused) => Error) {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > limit) throw as(overLimit(limit));
}

/** The request with its body read through a counter that errors past `limit` (pulled, not pushed). */
function capped(request: Request, limit: number, as: (refused: Refused) => Error): Request {
  if (!request.body) return request;
  const reader = request.body.getReader();
  let bytes = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        bytes += value.byteLength;
        if (bytes <= limit) return controller.enqueue(value);
        const error = as(overLimit(limit));
        controller.error(error);
        await reader.cancel(error).catch(() => {});
      },
      cancel: (reason) => reader.cancel(reason),
    },
    // Nothing is read until someone reads it.
    { highWaterMark: 0 },
  );
  // A streamed body needs `duplex: 'half'` (Node's fetch), which the DOM's RequestInit lacks.
  const init: RequestInit & { duplex: 'half' } = {
    method: request.method,
    headers: request.headers,
    body,
    duplex: 'half',
    signal: request.signal,
  };
  return new Request(request.url, init);
}

/**
 * A route of the public JSON API (`/api/v1/…`): the same procedures the pages and tRPC call, as
 * the viewer the request's session or `Authorization: Bearer` token names, with plain JSON in and
 * out (no tRPC envelope) and every error as `{ error: { code, message } }` with its HTTP status.
 * Every request passes `admit` first, with the route's `intake` (its body's limit, whether it needs
 * an account).
 */
export function apiRoute(
  handle: (caller: Caller, request: Request) => Promise<{ status?: number; body: unknown }>,
  intake: Intake = {},
) {
  return async (request: Request): Promise<Response> => {
    try {
      const admitted = await admit(request, intake);
      const caller = callerOf(admitted.context);
      const { status = 200, body } = await handle(caller, admitted.request);
      return Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
    } catch (error) {
      return refusal(error, request);
    }
  };
}

/** A thrown error as the API's reply: its own status where it has one, else a 500 with an id. */
function refusal(error: unknown, request: Request): Response {
  if (error instanceof ApiError) return errorReply(error.status, error.code, error.message);
  if (error instanceof TRPCError && error.code !== 'INTERNAL_SERVER_ERROR')
    return errorReply(getHTTPStatusCodeFromError(error), error.code, error.message);
  const id = reportUnexpected(
    error instanceof TRPCError ? (error.cause ?? error) : error,
    new URL(request.url).pathname,
  );
  return errorReply(500, 'INTERNAL_SERVER_ERROR', unexpectedMessage(id));
}

/**
 * A route of the public API that streams JSON Lines (`application/x-ndjson`): `handle` checks the
 * request (its refusals are answered as `apiRoute`'s are) and returns the lines' pages, which are
 * read one at a time as the client takes them, so that a long download is never held whole. The
 * first page is read before the reply starts, so that a failure there is still a 500; one after
 * that can only cut the stream short (it is logged under an id, as any unexpected error).
 */
export function ndjsonRoute(
  handle: (context: Context, request: Request) => Promise<AsyncIterable<readonly unknown[]>>,
  options: { filename: (request: Request) => string },
) {
  return async (request: Request): Promise<Response> => {
    let pages: AsyncIterator<readonly unknown[]>;
    let first: IteratorResult<readonly unknown[]>;
    try {
      const context = await createContext({ headers: request.headers });
      pages = (await handle(context, request))[Symbol.asyncIterator]();
      first = await pages.next();
    } catch (error) {
      return refusal(error, request);
    }
    const encoder = new TextEncoder();
    const chunk = (lines: readonly unknown[]) =>
      encoder.encode(lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    let pending: IteratorResult<readonly unknown[]> | null = first;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = pending ?? (await pages.next());
          pending = null;
          if (next.done) controller.close();
          else controller.enqueue(chunk(next.value));
        } catch (error) {
          const id = reportUnexpected(error, new URL(request.url).pathname);
          controller.error(new Error(unexpectedMessage(id)));
        }
      },
      async cancel() {
        await pages.return?.();
      },
    });
    return new Response(body, {
      status: 200,
      headers: {
        'content-type': 'application/x-ndjson; charset=utf-8',
        'content-disposition': `attachment; filename="${options.filename(request)}"`,
        'cache-control': 'no-store',
      },
    });
  };
}

/**
 * The submission id a route's path names, at `segment` from the end: a 400 for anything that is
 * not one (PostgreSQL's integer), before any query.
 */
export function submissionIdOf(request: Request, segment: number): number {
  const raw = new URL(request.url).pathname.split('/').at(segment) ?? '';
  const id = Number(raw);
  if (!/^\d{1,10}$/.test(raw) || id < 1 || id > 2_147_483_647)
    throw new ApiError(400, 'BAD_REQUEST', `"${raw}" is not a submission id`);
  return id;
}

/** The request's JSON body, checked with a core schema; refusals name the fields. */
export async function jsonBody<S extends z.ZodType>(
  request: Request,
  schema: S,
): Promise<z.output<S>> {
  let json: unknown;
  try {
    json = await request.json();
  } catch (error) {
    // The body cut off at the route's limit (`admit`) says so.
    if (error instanceof ApiError) throw error;
    throw new ApiError(400, 'BAD_REQUEST', 'the body is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ApiError(400, 'BAD_REQUEST', issueList(parsed.error));
  return parsed.data;
}

/**
 * A board query's parameters (`benchmark`, `version`, `scorer`, …) parsed with its schema, or a
 * 400 naming each one that does not parse; a scorer must be one of the registry's.
 */
export function boardQueryOf<S extends z.ZodType<{ scorer?: string }>>(
  request: Request,
  schema: S,
): z.output<S> {
  const parsed = schema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success)
    throw new ApiError(
      400,
      'BAD_REQUEST',
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  const scorer = (parsed.data as { scorer?: string }).scorer;
  if (scorer !== undefined && !isScorerName(scorer))
    throw new ApiError(
      400,
      'BAD_REQUEST',
      `scorer: unknown scorer "${scorer}"; choose ${scorerNames().join(', ')}`,
    );
  return parsed.data;
}

/** The version a board query names: the latest of the benchmark unless one is named, or a 404. */
export async function boardVersionNamed(
  caller: Caller,
  query: { benchmark: string; version?: string },
) {
  const version = (await caller.leaderboard.versions())
    .filter((v) => v.name === query.benchmark && (!query.version || v.version === query.version))
    .sort((a, b) => b.id - a.id)[0];
  if (!version)
    throw new ApiError(
      404,
      'NOT_FOUND',
      `no benchmark "${query.benchmark}"${query.version ? ` version "${query.version}"` : ''} on this site`,
    );
  return version;
}
