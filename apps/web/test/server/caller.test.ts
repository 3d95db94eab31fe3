import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { orNotFound } from '../../src/server/caller';

describe('orNotFound', () => {
  it('turns a missing (or unreadable) row and an impossible id into the page’s 404', async () => {
    for (const code of ['NOT_FOUND', 'BAD_REQUEST'] as const)
      await expect(
        orNotFound(Promise.reject(new TRPCError({ code, message: 'submission 7 not found' }))),
      ).rejects.toMatchObject({ digest: expect.stringMatching(/;404$/) });
  });

  it('lets anything else through, and values too', async () => {
    const failure = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'x' });
    await expect(orNotFound(Promise.reject(failure))).rejects.toBe(failure);
    await expect(orNotFound(Promise.resolve(5))).resolves.toBe(5);
  });
});
