import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, importSample } from './helpers';

const BIN = fileURLToPath(new URL('../bin/linkboard.js', import.meta.url));

/** `linkboard <args>` as a real process: only a real process shows the exit code it ends with. */
function linkboard(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, CI: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('bin/linkboard.js', () => {
  it('runs the TypeScript CLI as a real process, reading stdin and setting the exit code', () => {
    const ok = spawnSync(process.execPath, [BIN, 'score', '--scorer', 'official'], {
      input: '{"prediction":"a snowman","label":"snow","other":"ice"}\n',
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({
      correct: true,
      outcome: 'correct',
      rule: 'substring-label',
    });

    const bad = spawnSync(process.execPath, [BIN, 'score'], { input: 'nope\n', encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^linkboard: stdin:1: malformed JSON/);
  });

  it('says its version, commit and Node.js with --version, and exits 0', () => {
    const version = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(
      /^linkboard \d+\.\d+\.\d+ \((commit [0-9a-f]{12}|no git commit), Node\.js v\d+\.\d+\.\d+\)\n$/,
    );
  });
});

describe('a clone under a folder only its owner may enter', () => {
  // Root's home (0700 on Debian) or a `mktemp -d` folder holding the clone: as root the embedded
  // PostgreSQL runs as its own user, which must reach its binaries inside the clone's
  // node_modules even when its data is elsewhere. The clone is the repository with its files
  // hard-linked (quick, and the same binaries with the same modes).
  it('runs db migrate and submit with its data outside the clone', async () => {
    const root = path.resolve(path.dirname(BIN), '../../..');
    const parent = await mkdtemp(path.join(tmpdir(), 'linkboard-home-'));
    const data = await mkdtemp(path.join(tmpdir(), 'linkboard-home-data-'));
    try {
      await chmod(parent, 0o700);
      const copied = spawnSync('cp', ['-al', root, path.join(parent, 'clone')], {
        encoding: 'utf8',
      });
      expect(copied.status, copied.stderr).toBe(0);
      const bin = path.join(parent, 'clone', 'apps', 'runner', 'bin', 'linkboard.js');
      const env = {
        ...process.env,
        CI: 'true',
        LINKBOARD_DATA_DIR: path.join(data, 'd'),
        LINKBOARD_PG_PORT: String(await freePort()),
      };
      const run = (args: string[]) =>
        spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 120_000 });
      const migrated = run(['db', 'migrate']);
      expect(migrated.stderr).not.toMatch(/EACCES|^\s+at /m);
      expect(migrated.status, migrated.stderr).toBe(0);
      expect(migrated.stdout).toMatch(/^migrated postgres:\/\/linkboard:\*\*\*@/);
      if (process.getuid?.() === 0) {
        // Search permission on the way to the binaries, said in one line; nothing else changed.
        expect(migrated.stderr).toMatch(
          /^linkboard: let the embedded PostgreSQL \(user "postgres"\) pass through .* to reach its data and binaries \(search permission only\)\n$/,
        );
        expect(migrated.stderr).toContain(parent);
        expect((await stat(parent)).mode & 0o777).toBe(0o701);
      }
      const sample = await importSample(path.join(data, 'sample'));
      const submitted = run([
        'submit',
        '--name',
        'from-home',
        '--manifest',
        sample,
        '--shots',
        '2',
        '--builtin',
        'random',
      ]);
      expect(submitted.status, submitted.stderr).toBe(0);
      expect(submitted.stdout).toMatch(/^submission 1: from-home on ISEKAI-sample@1/m);
    } finally {
      await rm(parent, { recursive: true, force: true });
      await rm(data, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('exit codes of every command group, as a script sees them', () => {
  // A data folder inside a folder only its owner may enter, as `mktemp -d` makes it: the
  // embedded PostgreSQL (its own user when linkboard runs as root) must still start there.
  let parent: string;
  let sample: string;
  let busy: Server;
  let busyPort: number;
  const dataDir = (name: string) => path.join(parent, name);
  const env = async (name: string) => ({
    LINKBOARD_DATA_DIR: dataDir(name),
    LINKBOARD_PG_PORT: String(await freePort()),
  });

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'linkboard-bin-'));
    await chmod(parent, 0o700);
    sample = await importSample(path.join(parent, 'sample'));
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(async () => {
    busy.close();
    await rm(parent, { recursive: true, force: true });
  });

  it('submit queues into a data folder under a mktemp -d parent; status reads it back', async () => {
    const e = await env('queued');
    const submitted = await linkboard(
      ['submit', '--name', 'x', '--manifest', sample, '--shots', '2', '--builtin', 'random'],
      e,
    );
    expect(submitted.status).toBe(0);
    if (process.getuid?.() === 0) {
      // The one change made outside the data folder is said, and is search permission only.
      expect(submitted.stderr).toBe(
        `linkboard: let the embedded PostgreSQL (user "postgres") pass through ${parent} to reach its data and binaries (search permission only)\n`,
      );
      expect((await stat(parent)).mode & 0o777).toBe(0o701);
    } else {
      // Not root: the server runs as the invoking user, who can reach the folder already.
      expect(submitted.stderr).toBe('');
    }
    expect(submitted.stdout).toMatch(
      // Two draws per query unless told: the ranked setting's.
      /^submission 1: x on ISEKAI-sample@1, 6 episodes in 1 job\(s\); queue position 1$/m,
    );
    const status = await linkboard(['status', '1'], e);
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/^submission 1: queued/);
    // A failure after the embedded server started: the exit code survives its stop.
    const missing = await linkboard(['status', '7'], e);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^linkboard: no submission 7 in postgres:\/\/linkboard:\*\*\*@/);
    const tooMany = await linkboard(
      ['submit', '--name', 'y', '--manifest', sample, '--shots', '4', '--builtin', 'random'],
      e,
    );
    expect(tooMany.status).not.toBe(0);
    expect(tooMany.stderr.trim().split('\n')).toHaveLength(1);
  }, 120_000);

  it('status on a data folder without a database says where it looked and creates nothing', async () => {
    const result = await linkboard(['status', '1'], await env('empty'));
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `linkboard: no linkboard database in ${path.join(dataDir('empty'), 'postgres')} (the data folder is LINKBOARD_DATA_DIR, default .data, resolved from where linkboard runs)\n`,
    );
    await expect(stat(dataDir('empty'))).rejects.toThrow(/ENOENT/);
  }, 60_000);

  it('an embedded PostgreSQL that cannot start fails submit, db, runner and start: one line each', async () => {
    // A file where the cluster's folder belongs: initdb fails.
    const e = await env('broken');
    await mkdir(dataDir('broken'), { recursive: true });
    await writeFile(path.join(dataDir('broken'), 'postgres'), 'not a folder');
    for (const args of [
      ['submit', '--name', 'x', '--manifest', sample, '--shots', '2', '--builtin', 'random'],
      ['db', 'migrate'],
      ['db', 'start'],
      ['runner', '--once'],
    ]) {
      const result = await linkboard(args, e);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(
        /^linkboard: unexpected error: could not start the embedded PostgreSQL in .*\/broken\/postgres: .*\(--verbose shows where\)\n$/,
      );
    }
    const verbose = await linkboard(['db', 'migrate', '--verbose'], e);
    expect(verbose.status).toBe(2);
    expect(verbose.stderr).toMatch(/^\s+at .*embedded\.ts/m);
    const debug = await linkboard(['db', 'migrate'], { ...e, LINKBOARD_DEBUG: '1' });
    expect(debug.stderr).toMatch(/^\s+at .*embedded\.ts/m);
  }, 120_000);

  it('the other groups fail with a non-zero code too', async () => {
    const file = path.join(parent, 'a-file');
    await writeFile(file, 'x');
    const cases: [string[], Record<string, string>, RegExp][] = [
      [
        [
          'dataset',
          'import',
          '--format',
          'isekai',
          path.join(parent, 'none.json'),
          '--out',
          dataDir('o'),
        ],
        {},
        /none\.json/,
      ],
      [['dataset', 'generate', '--out', path.join(file, 'synth')], {}, /a-file/],
      [['episodes', '--manifest', path.join(parent, 'none'), '--shots', '2'], {}, /none/],
      [
        [
          'eval',
          '--manifest',
          path.join(parent, 'none'),
          '--model',
          'builtin:random',
          '--shots',
          '2',
        ],
        {},
        /none/,
      ],
      [['calibrate'], { LINKBOARD_DATA_DIR: file }, /a-file/],
      [['start', '--no-web'], { LINKBOARD_DATA_DIR: file }, /a-file/],
      [
        ['runner', '--once'],
        // Nothing listens there: the connection is refused.
        { DATABASE_URL: `postgres://u:secret-pw@127.0.0.1:${await freePort()}/x` },
        /ECONNREFUSED/,
      ],
      [['db', 'start'], { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/x' }, /DATABASE_URL is set/],
      [['reference-server', '--manifest', sample, '--port', String(busyPort)], {}, /EADDRINUSE/],
      [['status', 'seven'], {}, /seven/],
      [[], { LINKBOARD_PG_PORT: 'not-a-port' }, /LINKBOARD_PG_PORT/],
    ];
    // Two at a time: each is a process of its own, and this machine has two cores.
    const results = [];
    for (let i = 0; i < cases.length; i += 2)
      results.push(
        ...(await Promise.all(
          cases
            .slice(i, i + 2)
            .map(([args, extra]) =>
              linkboard(args, { LINKBOARD_DATA_DIR: dataDir('other'), ...extra }),
            ),
        )),
      );
    for (const [i, [args, , says]] of cases.entries()) {
      const result = results[i] as Awaited<ReturnType<typeof linkboard>>;
      const what = `linkboard ${args.join(' ')}`;
      expect(result.status, what).not.toBe(0);
      expect(result.status, what).not.toBeNull();
      expect(result.stderr, what).toMatch(says);
      expect(result.stderr, what).not.toMatch(/^\s+at /m);
      expect(result.stderr, what).not.toMatch(/secret-pw/);
    }
  }, 240_000);
});
