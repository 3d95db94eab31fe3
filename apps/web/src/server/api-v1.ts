import 'server-only';
import { ApiErrorSchema, issueList } from '@linkboard/core';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { z } from 'zod';
import { reportUnexpected, unexpectedMessage } from './errors';
import { appRouter } from './routers';
import { createCallerFactory, createContext } from './trpc';

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
      if (error instanceof ApiError) return errorReply(error.status, error.code, error.message);
      if (error instanceof TRPCError && error.code !== 'INTERNAL_SERVER_ERROR')
        return errorReply(getHTTPStatusCodeFromError(error), error.code, error.message);
      const id = reportUnexpected(
        error instanceof TRPCError ? (error.cause ?? error) : error,
        new URL(request.url).pathname,
      );
      return errorReply(500, 'INTERNAL_SERVER_ERROR', unexpectedMessage(id));
    }
  };
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
