import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Endpoint API keys are encrypted at rest with AES-256-GCM (authenticated: a tampered ciphertext
 * fails to decrypt instead of yielding garbage). Format: v1.<iv>.<tag>.<ciphertext>, base64url.
 */
export function encryptSecret(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

export function decryptSecret(key: Buffer, sealed: string): string {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || body === undefined)
    throw new Error('not a linkboard secret (expected v1.iv.tag.body)');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([
    decipher.update(Buffer.from(body, 'base64url')),
    decipher.final(),
  ]).toString('utf8');
}

/**
 * The encryption key: from the environment (base64 of 32 bytes) in production, or, for the
 * embedded default, generated once into `<dataDir>/secret.key` with mode 0600.
 */
export async function loadSecretKey(options: {
  fromEnv?: string;
  dataDir: string;
}): Promise<Buffer> {
  if (options.fromEnv) {
    const key = Buffer.from(options.fromEnv, 'base64');
    if (key.length !== 32) throw new Error('LINKBOARD_SECRET_KEY must be 32 bytes, base64-encoded');
    return key;
  }
  const file = path.join(options.dataDir, 'secret.key');
  try {
    await stat(file);
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  } catch {
    const key = randomBytes(32);
    await mkdir(options.dataDir, { recursive: true });
    await writeFile(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' }).catch(
      async () => {
        // Another process made it first: use theirs.
      },
    );
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  }
}
