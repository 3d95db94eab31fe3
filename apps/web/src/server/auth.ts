import 'server-only';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { accounts, sessions, users, verifications } from '@linkboard/db';
import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
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

async function createAuth() {
  const { db } = await getDatabase();
  return betterAuth({
    database: drizzleAdapter(db, {
      provider: 'pg',
      schema: { user: users, session: sessions, account: accounts, verification: verifications },
    }),
    secret: await authSecret(),
    baseURL: env.BETTER_AUTH_URL,
    // The same site on this machine is reached as localhost too.
    trustedOrigins: [...env.siteOrigins],
    emailAndPassword: { enabled: true, minPasswordLength: 8 },
    user: {
      additionalFields: { role: { type: 'string', input: false, defaultValue: 'submitter' } },
    },
    // Sign-in and sign-up attempts are limited per client (better-auth's rules: 3 in 10 s), in
    // every mode, keyed on the address the site's server determined (src/front/client-address.ts):
    // X-Forwarded-For is the client's to write, and believed only from the operator's proxies.
    rateLimit: { enabled: true },
    advanced: { ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] } },
    // Offline by design: nothing is sent anywhere.
    telemetry: { enabled: false },
  });
}

let auth: ReturnType<typeof createAuth> | undefined;
/** better-auth, made once per server process (it needs the database first). */
export function getAuth() {
  auth ??= createAuth();
  return auth;
}
