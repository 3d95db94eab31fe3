import 'server-only';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { apiKey } from '@better-auth/api-key';
import { type ApiKeyScope, accounts, apiKeys, sessions, users, verifications } from '@linkboard/db';
import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { createAccessControl } from 'better-auth/plugins/access';
import { admin } from 'better-auth/plugins/admin';
import { defaultStatements } from 'better-auth/plugins/admin/access';
import { env } from '~/env';
import { CLIENT_ADDRESS_HEADER } from '~/front/client-address';
import { getDatabase } from './db';

/** The session secret: from the environment, or generated once under the data folder (0600). */
async function authSecret(): Promise<string> {
  if (env.BETTER_AUTH_SECRET) return env.BETTER_AUTH_SECRET;
  const file = path.join(env.dataDir, 'auth-secret');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    await mkdir(env.dataDir, { recursive: true });
    await writeFile(file, `${randomBytes(32).toString('base64url')}\n`, {
      mode: 0o600,
      flag: 'wx',
    }).catch(() => {});
    return (await readFile(file, 'utf8')).trim();
  }
}

/** What an API key starts with: the CLI and the site's API recognise a key by it. */
export const API_KEY_PREFIX = 'lb_';
/** The permission statement every key's scopes live under. */
export const KEY_RESOURCE = 'linkboard';
/** The longest a key may live, in days (the plugin's bounds: from a day to this). */
export const MAX_KEY_DAYS = 365;

/**
 * The roles, as better-auth's admin plugin checks them. An admin may list accounts, set roles,
 * ban and unban, and list or revoke sessions; nothing more through the plugin: no impersonation
 * (a board's results must be what their submitter did), no deleting accounts or setting their
 * passwords. Participants and submitters have no admin permission (what they may submit is the
 * platform's rule, not the plugin's).
 */
const access = createAccessControl(defaultStatements);
export const ROLE_PERMISSIONS = {
  admin: access.newRole({
    user: ['list', 'get', 'set-role', 'ban'],
    session: ['list', 'revoke'],
  }),
  participant: access.newRole({ user: [], session: [] }),
  submitter: access.newRole({ user: [], session: [] }),
};

/** A key's stored permissions for these scopes. */
export const keyPermissions = (scopes: readonly ApiKeyScope[]) => ({ [KEY_RESOURCE]: [...scopes] });

async function createAuth() {
  const { db } = await getDatabase();
  return betterAuth({
    database: drizzleAdapter(db, {
      provider: 'pg',
      schema: {
        user: users,
        session: sessions,
        account: accounts,
        verification: verifications,
        apikey: apiKeys,
      },
    }),
    secret: await authSecret(),
    baseURL: env.BETTER_AUTH_URL,
    // The same site on this machine is reached as localhost too.
    trustedOrigins: [...env.siteOrigins],
    emailAndPassword: { enabled: true, minPasswordLength: 8 },
    plugins: [
      admin({
        ac: access,
        roles: ROLE_PERMISSIONS,
        defaultRole: 'submitter',
        adminRoles: ['admin'],
        bannedUserMessage: 'This account is banned from this site.',
      }),
      apiKey({
        defaultPrefix: API_KEY_PREFIX,
        requireName: true,
        maximumNameLength: 80,
        // Keys are checked by the site (src/server/trpc.ts); the plugin's session-from-key hook
        // stays off, so a key never becomes a session that could manage keys.
        enableSessionForAPIKeys: false,
        // The site's own limits (quotas, the door's sizes) apply to every caller alike; the
        // plugin's per-key limit (10 a day by default) would stop a CLI mid-run.
        rateLimit: { enabled: false },
        keyExpiration: { defaultExpiresIn: null, minExpiresIn: 1, maxExpiresIn: MAX_KEY_DAYS },
        permissions: { defaultPermissions: keyPermissions(['read', 'submit']) },
      }),
    ],
    // Sign-in and sign-up attempts are limited per client (better-auth's rules: 3 in 10 s), in
    // every mode, keyed on the address the site's server determined (src/front/client-address.ts):
    // X-Forwarded-For is the client's to write, and believed only from the operator's proxies.
    rateLimit: { enabled: true },
    advanced: { ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] } },
    // Offline by design: nothing is sent anywhere.
    telemetry: { enabled: false },
    logger: {
      // A refused API key is an answer (its sender is told why, src/server/api-v1.ts), not a
      // fault: the plugin would log each one as an error, so a stream of bad keys would flood
      // the log. Everything else better-auth says is kept.
      log: (level, message, ...args) => {
        if (message.startsWith('Failed to validate API key')) return;
        (level === 'error' ? console.error : console.warn)(`[better-auth] ${message}`, ...args);
      },
    },
  });
}

let auth: ReturnType<typeof createAuth> | undefined;
/** better-auth, made once per server process (it needs the database first). */
export function getAuth() {
  auth ??= createAuth();
  return auth;
}
