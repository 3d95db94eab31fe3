import 'server-only';
import {
  ApiErrorSchema,
  BenchmarkNameError,
  type BenchmarkNameRefusal,
  benchmarkName,
  isScorerName,
  issueList,
  parseBenchmarkName,
  resolveBenchmarkVersion,
  scorerNames,
} from '@linkboard/core';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { z } from 'zod';
import { env } from '~/env';
import { reportUnexpected, unexpectedMessage } from './errors';
import { appRouter } from './routers';
import {
  type Context,
  createCallerFactory,
  createContext,
  type KeyRefusal,
  keyScopeProblem,
} from './trpc';

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
  const instead = 'a script authenticates with an API key (Authorization: Bearer …) instead';
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

/** A token the request presents (`Authorization: Bearer …`), in whatever form; null for none. */
function presentedToken(headers: Headers): string | null {
  return /^Bearer\s+(\S+)\s*$/i.exec(headers.get('authorization') ?? '')?.[1] ?? null;
}

/**
 * What a request that presents a token the site does not know is told (401): it is not treated
 * as anonymous, which would answer "sign in first" to a post and 404 to the sender's own private
 * submission, hiding that the token is what is wrong.
 */
export const INVALID_TOKEN =
  "invalid or revoked token: make a new one on the site's API keys page (/tokens), or send none to read what is public";

/** The same, when better-auth's API-key plugin said why: each names what to do next. */
const KEY_REFUSED: Record<KeyRefusal, string> = {
  unknown: INVALID_TOKEN,
  expired:
    "this API key has expired: make a new one on the site's API keys page (/tokens), or send none to read what is public",
  revoked:
    "this API key was revoked: make a new one on the site's API keys page (/tokens), or send none to read what is public",
  banned: "this API key's account is banned from this site",
};

/** The same for a runner token (`lbr_…`), which opens the runner API only. */
const RUNNER_TOKEN_HERE =
  "invalid or revoked token: this is a runner token, which opens the runner API only (/api/v1/runner/…); the site's API takes an API key made on its API keys page (/tokens)";

/**
 * The door every request to the site's API passes (`apiRoute` here, the tRPC route), before
 * anything reads its body. Who is asking is found from the headers alone (the session cookie or
 * the API token), for every request: one that presents a token the site does not know (revoked,
 * mistyped, a runner's) is refused (401 `INVALID_TOKEN`) whatever its method; none at all is
 * anonymous. Then the rules for a request that would change something (any method but GET, HEAD
 * and OPTIONS), in this order:
 *
 * 1. a `Content-Length` over the route's limit is refused (413), without reading a byte;
 * 2. (who is asking, above);
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
  // Who is asking comes first, reads included: a token the site does not know is a 401 before
  // anything else is said (a 404, a 413, "sign in first").
  const context = await createContext({ headers: request.headers });
  const token = presentedToken(request.headers);
  if (token !== null && context.viewer?.via !== 'token')
    throw as(
      new Refused(
        401,
        'UNAUTHORIZED',
        token.startsWith('lbr_') ? RUNNER_TOKEN_HERE : KEY_REFUSED[context.keyRefusal ?? 'unknown'],
      ),
    );
  // A key's scopes, for the routes that read without a procedure (answers, images) as for those
  // that call one: the same rule as the tRPC middleware's.
  const scopeProblem = keyScopeProblem(
    context.viewer,
    SAFE_METHODS.has(request.method) ? 'read' : 'submit',
  );
  if (scopeProblem) throw as(new Refused(403, 'FORBIDDEN', scopeProblem));
  if (SAFE_METHODS.has(request.method)) return { context, request };
  const limit = intake.limitBytes ?? BODY_LIMITS.json;
  tooLong(request, limit, as);
  if (context.viewer?.via === 'session') {
    const forgery = forgeryProblem(request.headers);
    if (forgery) throw as(new Refused(403, 'FORBIDDEN', forgery));
  }
  if (intake.account && !context.viewer)
    throw as(
      new Refused(
        401,
        'UNAUTHORIZED',
        'sign in first, or send an API key (Authorization: Bearer …)',
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

/**
 * The procedures as the viewer a request names, once it has passed `admit`'s door (for a route
 * that answers in a shape of its own, such as the CSV export); a refusal is thrown as an `ApiError`.
 */
export async function admittedCaller(request: Request): Promise<Caller> {
  return callerOf((await admit(request)).context);
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
      // The API's door, as every route's (a read: only who is asking is checked).
      const { context } = await admit(request);
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

/** The request's JSON body, unchecked; a body that is not JSON is a 400. */
async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch (error) {
    // The body cut off at the route's limit (`admit`) says so.
    if (error instanceof ApiError) throw error;
    throw new ApiError(400, 'BAD_REQUEST', 'the body is not JSON');
  }
}

/** A JSON value checked with a core schema; refusals name the fields. */
function checkedJson<S extends z.ZodType>(json: unknown, schema: S): z.output<S> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ApiError(400, 'BAD_REQUEST', issueList(parsed.error));
  return parsed.data;
}

/**
 * A submission's body (`POST /api/v1/submissions` and its estimate), checked with core's schema.
 * Its version is named `benchmark: "name@version"`. Deprecated, accepted until the next release
 * (the OpenAPI document says so): `benchmarkVersionId`, a database id, which is read here as the
 * `benchmark` it names, so that everything past this door knows versions by name only.
 */
export async function submissionBody<S extends z.ZodType>(
  caller: Caller,
  request: Request,
  schema: S,
): Promise<z.output<S>> {
  const json = await readJson(request);
  if (json === null || typeof json !== 'object' || !('benchmarkVersionId' in json))
    return checkedJson(json, schema);
  const { benchmarkVersionId: id, ...rest } = json as Record<string, unknown>;
  if ('benchmark' in rest)
    throw new ApiError(
      400,
      'BAD_REQUEST',
      'field benchmarkVersionId: name the benchmark version once, by benchmark (name@version); benchmarkVersionId is deprecated',
    );
  if (typeof id !== 'number' || !Number.isInteger(id))
    throw new ApiError(
      400,
      'BAD_REQUEST',
      'field benchmarkVersionId: deprecated: name the benchmark version by benchmark, name@version (e.g. isekai-synth@3.1)',
    );
  const version = (await caller.leaderboard.versions()).find((v) => v.id === id);
  if (!version)
    throw new ApiError(
      404,
      'NOT_FOUND',
      `field benchmarkVersionId: benchmark version ${id} does not exist (benchmarkVersionId is deprecated: name a version by benchmark, name@version, as GET /api/v1/benchmarks lists them)`,
    );
  return checkedJson({ ...rest, benchmark: benchmarkName(version) }, schema);
}

/**
 * A board query's parameters (`benchmark`, `scorer`, …) parsed with its schema, or a 400 naming
 * each one that does not parse; a scorer must be one of the registry's. Deprecated, accepted until
 * the next release: a separate `version` beside a `benchmark` that names none, read as
 * `benchmark=name@version`.
 */
export function boardQueryOf<S extends z.ZodType<{ scorer?: string }>>(
  request: Request,
  schema: S,
): z.output<S> {
  const { version, ...params } = Object.fromEntries(new URL(request.url).searchParams);
  if (version !== undefined) {
    if (params.benchmark === undefined || parseBenchmarkName(params.benchmark).version !== null)
      throw new ApiError(
        400,
        'BAD_REQUEST',
        `version: name the version in benchmark alone, benchmark=name@version (e.g. benchmark=isekai-synth@3.1)`,
      );
    params.benchmark = `${params.benchmark}@${version}`;
  }
  const parsed = schema.safeParse(params);
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

/** How the API answers each reason a name names no version (core's `BenchmarkNameError`). */
const STATUS_OF_NAME: Record<BenchmarkNameRefusal, [number, string]> = {
  unknown: [404, 'NOT_FOUND'],
  ambiguous: [400, 'BAD_REQUEST'],
  ranked: [404, 'NOT_FOUND'],
};

/**
 * The version a board query's `benchmark` names (`name@version`; a name alone is its newest
 * public version), by core's `resolveBenchmarkVersion` over the versions the site lists: a 404
 * naming those there are when there is none.
 */
export async function boardVersionNamed(caller: Caller, query: { benchmark: string }) {
  try {
    return resolveBenchmarkVersion(query.benchmark, await caller.leaderboard.versions());
  } catch (error) {
    if (!(error instanceof BenchmarkNameError)) throw error;
    const [status, code] = STATUS_OF_NAME[error.reason];
    throw new ApiError(status, code, `benchmark: ${error.message}`);
  }
}
