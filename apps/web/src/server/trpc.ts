import 'server-only';
import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { z } from 'zod';
import { getDatabase } from './db';

export async function createContext() {
  const { db } = await getDatabase();
  return { db };
}

const t = initTRPC.context<typeof createContext>().create({ transformer: superjson });

export const router = t.router;
export const publicProcedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;

export const scorerInput = z.enum(['official', 'strict']).default('official');
export const policyInput = z.enum(['lcl', 'icl', 'zero-shot']).default('lcl');

export function notFound(what: string): never {
  throw new TRPCError({ code: 'NOT_FOUND', message: `${what} not found` });
}
