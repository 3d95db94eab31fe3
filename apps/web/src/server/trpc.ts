import 'server-only';
import {
  DEFAULT_POLICY,
  DEFAULT_SCORER,
  oneLine,
  POLICY_NAMES,
  ScorerNameSchema,
} from '@linkboard/core';
import {
  type ApiKeyScope,
  accountAccess,
  type Db,
  scopesOfPermissions,
  type UserRole,
} from '@linkboard/db';
import {
  assertEpisodeReadable,
  assertPublicBoard,
  mayChange,
  ReadRefused,
  readableSubmission,
} from '@linkboard/platform';
import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { ZodError, z } from 'zod';
import { FILL_HEADER, fillIdOf } from '~/front/fill';
import { anonymousVisitor } from '~/front/visitor';
import { MAX_ID } from '~/lib/page-params';
import { getAuth } from './auth';
import { getDatabase } from './db';
import { reportUnexpected, unexpectedMessage } from './errors';

/**
 * Who is asking: a signed-in user (cookie session) or a script with an API key; null if anonymous.
 * A key carries its scopes (`read`, `submit`); a session may do all its role allows.
 */
export type Viewer =
  | { id: string; role: UserRole; via: 'session' }
  | {
      id: string;
      role: UserRole;
      /** How they proved it: a key cannot manage keys (a leaked one could mint its successor). */
      via: 'token';
      scopes: readonly ApiKeyScope[];
    };

/** Why a presented API key was not taken, said to its sender (never the key itself). */
export type KeyRefusal = 'unknown' | 'expired' | 'revoked' | 'banned';

export interface Context {
  db: Db;
  viewer: Viewer | null;
  /** A page-cache fill (src/front): its answer is kept, so it must not come from a cache. */
  fill: boolean;
  /** Set when the request presented an API key that was refused, and why. */
  keyRefusal?: KeyRefusal;
  /** The request's headers: better-auth's admin plugin acts as the session they carry. */
  headers?: Headers;
}

/** better-auth's verdicts on a key, as the site says them. */
const REFUSALS: Record<string, KeyRefusal> = { KEY_EXPIRED: 'expired', KEY_DISABLED: 'revoked' };

async function viewerFrom(
  db: Db,
  headers: Headers,
): Promise<{ viewer: Viewer | null; keyRefusal?: KeyRefusal }> {
  const bearer = /^Bearer (lb_[A-Za-z0-9_-]+)$/.exec(headers.get('authorization') ?? '')?.[1];
  if (bearer) {
    // better-auth's API-key plugin: looks the key up by its hash, refuses a disabled or expired one.
    const verdict = await (await getAuth()).api.verifyApiKey({ body: { key: bearer } });
    if (!verdict.valid || !verdict.key)
      return { viewer: null, keyRefusal: REFUSALS[verdict.error?.code ?? ''] ?? 'unknown' };
    const access = await accountAccess(db, verdict.key.referenceId);
    if (!access) return { viewer: null, keyRefusal: 'unknown' };
    if (access.banned) return { viewer: null, keyRefusal: 'banned' };
    return {
      viewer: {
        id: verdict.key.referenceId,
        role: access.role,
        via: 'token',
        scopes: scopesOfPermissions(verdict.key.permissions),
      },
    };
  }
  // Most requests are anonymous page views: with no better-auth cookie there is nothing to look up.
  if (
    anonymousVisitor({ cookie: headers.get('cookie'), authorization: headers.get('authorization') })
  )
    return { viewer: null };
  const session = await (await getAuth()).api.getSession({ headers });
  if (!session) return { viewer: null };
  // A ban ends the account's sessions (the admin plugin); one that slipped past is refused here.
  const access = await accountAccess(db, session.user.id);
  if (!access || access.banned) return { viewer: null };
  return { viewer: { id: session.user.id, role: access.role, via: 'session' } };
}

export async function createContext(opts: { headers: Headers }): Promise<Context> {
  const { db } = await getDatabase();
  return {
    db,
    ...(await viewerFrom(db, opts.headers)),
    fill: fillIdOf(opts.headers.get(FILL_HEADER)) !== null,
    headers: opts.headers,
  };
}

/** Errors already logged and replaced by `unexpected` (the formatter must not log them again). */
const reported = new WeakSet<TRPCError>();

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  // A client is told what it can act on and nothing of the server: a refused input names its
  // fields, and an unexpected error (a failed query quotes its SQL and parameters) is only an id.
  errorFormatter({ shape, error, path }) {
    const data: Record<string, unknown> = { ...shape.data };
    delete data.stack;
    if (error.code === 'INTERNAL_SERVER_ERROR' && !reported.has(error)) {
      const id = reportUnexpected(error.cause ?? error, path ?? 'a request');
      return { ...shape, message: unexpectedMessage(id), data };
    }
    if (error.cause instanceof ZodError)
      return {
        ...shape,
        message: error.cause.issues
          .map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`)
          .join('; '),
        data,
      };
    return { ...shape, data };
  },
});

/**
 * Every procedure's unexpected error is logged whole under an id and replaced by one that holds
 * only the id: server components call the routers directly, so the formatter alone (HTTP) would
 * let a page's error carry the original message.
 */
const unexpected = t.middleware(async ({ next, path }) => {
  const result = await next();
  if (result.ok || result.error.code !== 'INTERNAL_SERVER_ERROR' || reported.has(result.error))
    return result;
  const id = reportUnexpected(result.error.cause ?? result.error, path);
  const replaced = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: unexpectedMessage(id) });
  reported.add(replaced);
  throw replaced;
});

/**
 * What an API key may do, the one rule for every door: why this viewer's key may not do what
 * needs `needed`, or null (a session is not scoped). The middleware below asks it for every
 * procedure (a query needs `read`, a mutation `submit`); `admit` (api-v1.ts) for every REST
 * route, those that read without a procedure included (the answers download); the ranked image
 * route reads a key without `read` as nobody.
 */
export function keyScopeProblem(viewer: Viewer | null, needed: ApiKeyScope): string | null {
  if (viewer?.via !== 'token' || viewer.scopes.includes(needed)) return null;
  return `this API key may ${viewer.scopes.join(' and ') || 'do nothing'}, not ${needed === 'submit' ? 'submit or change anything' : 'read'}: make a key with the ${needed} scope on the site's API keys page (/tokens)`;
}

const scoped = t.middleware(({ ctx, type, next }) => {
  const problem = keyScopeProblem(ctx.viewer, type === 'mutation' ? 'submit' : 'read');
  if (problem) throw new TRPCError({ code: 'FORBIDDEN', message: problem });
  return next();
});

export const router = t.router;
export const publicProcedure = t.procedure.use(unexpected).use(scoped);
export const createCallerFactory = t.createCallerFactory;

/** Signed in, or 401. */
export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.viewer) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in first' });
  return next({ ctx: { ...ctx, viewer: ctx.viewer } });
});

/** Signed in through the site (a session cookie), not with an API token; or 401/403. */
export const sessionProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (ctx.viewer.via !== 'session')
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: 'API keys, accounts and roles are managed from the site, signed in',
    });
  return next();
});

const adminsOnly = (viewer: Viewer) => {
  if (viewer.role !== 'admin') throw new TRPCError({ code: 'FORBIDDEN', message: 'admins only' });
};

/** An admin, or 401/403. */
export const adminProcedure = protectedProcedure.use(({ ctx, next }) => {
  adminsOnly(ctx.viewer);
  return next();
});

/**
 * An admin signed in through the site, or 401/403: accounts, roles, bans and keys are managed
 * there (better-auth's admin plugin acts as the admin's session), never with an API key.
 */
export const adminSessionProcedure = sessionProcedure.use(({ ctx, next }) => {
  adminsOnly(ctx.viewer);
  return next();
});

/** One line of text from outside: core's one primitive (no NUL or other control character). */
export { oneLine };

/** A row id: PostgreSQL's integer, so that a larger number is a 400, not a failed query. */
export const idInput = z.number().int().min(1).max(MAX_ID);

/** A scorer of core's registry; a new scorer needs no change here. */
export const scorerName = ScorerNameSchema;
export const scorerInput = scorerName.default(DEFAULT_SCORER);
export const policyName = z.enum(POLICY_NAMES);
export const policyInput = policyName.default(DEFAULT_POLICY);

export function notFound(what: string): never {
  throw new TRPCError({ code: 'NOT_FOUND', message: `${what} not found` });
}

/** The platform's read refusals as the site's answers: 404 and 403, with its message. */
async function reading<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ReadRefused)
      throw new TRPCError({
        code: error.reason === 'forbidden' ? 'FORBIDDEN' : 'NOT_FOUND',
        message: error.message,
      });
    throw error;
  }
}

/** A submission as the viewer may see it (the platform's `readableSubmission`), else 404. */
export const visibleSubmission = (ctx: Context, id: number) =>
  reading(() => readableSubmission(ctx.db, ctx.viewer, id));

/** The owner of a thing, or an admin; 403 for anyone else. */
export function assertOwnerOrAdmin(viewer: Viewer, ownerId: string | null) {
  if (!mayChange(viewer, ownerId)) throw new TRPCError({ code: 'FORBIDDEN', message: 'not yours' });
}

/** The platform's rule for one episode (`assertEpisodeReadable`): 403 saying why, or 404. */
export const episodeVisible = (ctx: Context, episodeId: string): Promise<void> =>
  reading(() => assertEpisodeReadable(ctx.db, ctx.viewer, episodeId));

/** Per-concept reads cover public boards (the platform's `assertPublicBoard`): 404 for a draw. */
export const publicBoardOnly = (
  ctx: Context,
  subject: { benchmarkVersionId: number } | { conceptId: number },
): Promise<void> => reading(() => assertPublicBoard(ctx.db, subject));
