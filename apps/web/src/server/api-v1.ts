import 'server-only';
import { ApiErrorSchema, isScorerName, issueList, scorerNames } from '@linkboard/core';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { z } from 'zod';
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

const errorReply = (status: number, code: string, message: string) =>
  Response.json(ApiErrorSchema.parse({ error: { code, message } }), {
    status,
    headers: { 'cache-control': 'no-store' },
  });

/**
 * A route of the public JSON API (`/api/v1/…`): the same procedures the pages and tRPC call, as
 * the viewer the request's session or `Authorization: Bearer` token names, with plain JSON in and
 * out (no tRPC envelope) and every error as `{ error: { code, message } }` with its HTTP status.
 */
export function apiRoute(
  handle: (caller: Caller, request: Request) => Promise<{ status?: number; body: unknown }>,
) {
  return async (request: Request): Promise<Response> => {
    try {
      const caller = callerOf(await createContext({ headers: request.headers }));
      const { status = 200, body } = await handle(caller, request);
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
  } catch {
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
