import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DEFAULT_RANKED_SETTING,
  drawSeed,
  rankedEpisodesPerPolicy,
  rankedKeyId,
  SECRET_HEX,
} from '@linkboard/core';
import { drawRanked } from './synth/ranked-draw';

/**
 * A ranked run's fresh draw, as every path that creates one makes it (the CLI on the database,
 * the site's submission form and API): the deployment's key, a run id no one can guess, and the
 * operator's draw size. One definition, so that no route draws a run another way.
 */

/** A deployment secret file that is not what it should be: names the file and what to do. */
export class SecretFileError extends Error {
  override name = 'SecretFileError';
}

/** Where a deployment keeps what must not leave it (mode 0700; its files 0600). */
export const secretsDirOf = (dataDir: string) => path.join(dataDir, 'secrets');

/**
 * A secret of this deployment in `<data>/secrets` (a folder only its owner may enter), made once
 * by `make` and read back as text. 'wx': two processes at once cannot both make one; the second
 * reads the first's. A file others can read is tightened, not trusted less: whoever could read it
 * already has. `problem` says what is wrong with a file's text, or null.
 */
export async function deploymentSecret(
  dataDir: string,
  name: string,
  make: () => string,
  problem: (text: string) => string | null,
): Promise<string> {
  const dir = secretsDirOf(dataDir);
  const file = path.join(dir, name);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  try {
    await writeFile(file, `${make()}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  const text = (await readFile(file, 'utf8')).trim();
  const wrong = problem(text);
  if (wrong) throw new SecretFileError(`${file} ${wrong}`);
  return text;
}

/** The ranked key's file name in `<data>/secrets`. */
export const RANKED_KEY_FILE = 'ranked.key';

/**
 * The key every ranked draw of this deployment is derived from (core's `drawSeed`): 32 bytes
 * from the operating system's CSPRNG as 64 hex characters, made on first use, never logged or
 * served. Its id (core's `rankedKeyId`) is stored with each ranked run; a new key (the file
 * removed) gets a new id, and runs drawn under the old one keep theirs.
 */
export async function rankedKey(dataDir: string): Promise<{ key: string; keyId: string }> {
  const key = await deploymentSecret(
    dataDir,
    RANKED_KEY_FILE,
    () => randomBytes(32).toString('hex'),
    (t) =>
      SECRET_HEX.test(t)
        ? null
        : 'does not hold a ranked-draw key (64 lower-case hex characters); restore it from a backup, or remove it to make a new key (runs drawn under the old one keep its id)',
  );
  return { key, keyId: rankedKeyId(key) };
}

/** The largest side of a ranked draw's images (each drawn between 256 and this). */
export { IMAGE_SIDE_MAX as RANKED_IMAGE_SIDE_MAX } from './synth/render-v3';

/** The ranked score's target half-width: what the default draw size aims at. */
export const RANKED_HALF_WIDTH = 0.02;

/** Episodes per shot count and policy for the target interval, split over the shot counts. */
export const rankedPerPolicy = (shotCounts: number, halfWidth = RANKED_HALF_WIDTH) =>
  Math.ceil(rankedEpisodesPerPolicy(halfWidth) / shotCounts);

/**
 * A fresh draw for one ranked run of the deployment whose data folder is `dataDir`: its seed the
 * keyed PRF of the deployment's key and a run id no one can guess; `perPolicy` the operator's
 * size (LINKBOARD_RANKED_PER_POLICY) or the default's.
 */
export async function drawRankedRun(options: {
  dataDir: string;
  shots?: readonly number[];
  perPolicy?: number;
}) {
  const shots = options.shots ?? DEFAULT_RANKED_SETTING.shots;
  const { key, keyId } = await rankedKey(options.dataDir);
  const draw = drawRanked({
    seed: drawSeed(key, `ranked run|${randomUUID()}`),
    shots,
    perPolicy: options.perPolicy ?? rankedPerPolicy(shots.length),
  });
  return { draw, keyId };
}
