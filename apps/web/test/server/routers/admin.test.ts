import { setUserRole } from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestSite } from '../../site';

// The admin page's procedures act through better-auth's admin plugin as the admin's own session:
// so these tests sign real accounts up and in, and call with their cookies.

let site: Awaited<ReturnType<typeof openTestSite>>;
let auth: Awaited<ReturnType<typeof import('../../../src/server/auth').getAuth>>;
beforeAll(async () => {
  site = await openTestSite('admin-test');
  auth = await (await import('../../../src/server/auth')).getAuth();
});
afterAll(() => site.database.drop());

/** Signs an account up (and so in): its id and the cookie its browser would send. */
async function signedUp(name: string) {
  const { headers, response } = await auth.api.signUpEmail({
    body: { name, email: `${name}@example.com`, password: 'a-good-password' },
    returnHeaders: true,
  });
  const cookie = headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  return { id: response.user.id, email: `${name}@example.com`, headers: new Headers({ cookie }) };
}

/** The site's procedures as a request with these headers would reach them. */
async function callerWith(headers: Headers) {
  const context = await site.trpc.createContext({ headers });
  const routers = await import('../../../src/server/routers');
  return { context, caller: site.trpc.createCallerFactory(routers.appRouter)(context) };
}

const roleOf = async (id: string) =>
  (await site.database.pool.query('SELECT role FROM users WHERE id = $1', [id])).rows[0].role;

describe('the admin procedures', () => {
  it('are an admin’s, signed in on the site: not a submitter’s, not an admin’s API key', async () => {
    const root = await signedUp('root-a');
    const plain = await signedUp('plain-a');
    await setUserRole(site.database.db, root.email, 'admin');
    const asPlain = await callerWith(plain.headers);
    await expect(asPlain.caller.admin.overview()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const asRoot = await callerWith(root.headers);
    const key = await asRoot.caller.tokens.create({ name: 'admin-script' });
    const asKey = await callerWith(new Headers({ authorization: `Bearer ${key.token}` }));
    expect(asKey.context.viewer).toMatchObject({ role: 'admin', via: 'token' });
    await expect(asKey.caller.admin.overview()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      asKey.caller.admin.setRole({ userId: plain.id, role: 'admin' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await roleOf(plain.id)).toBe('submitter');
    const overview = await asRoot.caller.admin.overview();
    expect(overview.roles).toEqual(['submitter', 'participant', 'admin']);
    expect(overview.accounts.map((a) => a.email)).toEqual(
      expect.arrayContaining([root.email, plain.email]),
    );
    expect(overview.keys.find((k) => k.id === key.id)).toMatchObject({
      ownerEmail: root.email,
      scopes: ['read', 'submit'],
      enabled: true,
    });
  });

  it('set roles through the plugin, the listed ones only, never the admin’s own', async () => {
    const root = await signedUp('root-b');
    const target = await signedUp('target-b');
    await setUserRole(site.database.db, root.email, 'admin');
    const { caller } = await callerWith(root.headers);
    await caller.admin.setRole({ userId: target.id, role: 'participant' });
    expect(await roleOf(target.id)).toBe('participant');
    // A participant may submit ranked runs: the site sees the new role on the next request.
    expect((await callerWith(target.headers)).context.viewer).toMatchObject({
      role: 'participant',
      via: 'session',
    });
    await expect(
      caller.admin.setRole({ userId: target.id, role: 'owner' as never }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(caller.admin.setRole({ userId: root.id, role: 'submitter' })).rejects.toThrow(
      /cannot change the role of their own account/,
    );
    expect(await roleOf(root.id)).toBe('admin');
    await expect(
      caller.admin.setRole({ userId: 'no-such-user', role: 'participant' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('ban: the account’s sessions end and its keys are refused, until the ban is lifted', async () => {
    const root = await signedUp('root-c');
    const target = await signedUp('target-c');
    await setUserRole(site.database.db, root.email, 'admin');
    const { caller } = await callerWith(root.headers);
    const key = await (await callerWith(target.headers)).caller.tokens.create({ name: 'cli' });
    const bearer = new Headers({ authorization: `Bearer ${key.token}` });
    expect((await callerWith(bearer)).context.viewer).toMatchObject({ id: target.id });

    await caller.admin.ban({ userId: target.id, reason: 'gamed the board', days: 30 });
    expect((await callerWith(target.headers)).context.viewer).toBeNull();
    expect(await callerWith(bearer)).toMatchObject({
      context: { viewer: null, keyRefusal: 'banned' },
    });
    await expect(
      auth.api.signInEmail({ body: { email: target.email, password: 'a-good-password' } }),
    ).rejects.toThrow(/banned/);
    const listed = (await caller.admin.overview()).accounts.find((a) => a.id === target.id);
    expect(listed).toMatchObject({ banned: true, banReason: 'gamed the board' });
    expect(new Date(listed?.banExpires ?? 0).getTime() - Date.now()).toBeGreaterThan(
      29 * 86_400_000,
    );
    await expect(caller.admin.ban({ userId: root.id, reason: 'oops' })).rejects.toThrow(
      /cannot ban their own account/,
    );

    await caller.admin.unban({ userId: target.id });
    expect((await callerWith(bearer)).context.viewer).toMatchObject({ id: target.id });
    await expect(
      auth.api.signInEmail({ body: { email: target.email, password: 'a-good-password' } }),
    ).resolves.toMatchObject({ user: { id: target.id } });
  });

  it('revoke anyone’s key: refused at once, listed as disabled', async () => {
    const root = await signedUp('root-d');
    const owner = await signedUp('owner-d');
    await setUserRole(site.database.db, root.email, 'admin');
    const { caller } = await callerWith(root.headers);
    const key = await (await callerWith(owner.headers)).caller.tokens.create({ name: 'leaked' });
    await caller.admin.revokeKey({ id: key.id });
    expect(await callerWith(new Headers({ authorization: `Bearer ${key.token}` }))).toMatchObject({
      context: { viewer: null, keyRefusal: 'revoked' },
    });
    expect((await caller.admin.overview()).keys.find((k) => k.id === key.id)).toMatchObject({
      enabled: false,
    });
    await expect(caller.admin.revokeKey({ id: 'no-such-key' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
