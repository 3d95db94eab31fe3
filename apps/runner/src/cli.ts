import { Command, CommanderError } from 'commander';
import { registerCalibrate } from './commands/calibrate';
import { registerDataset } from './commands/dataset';
import { registerDb } from './commands/db';
import { registerEpisodes } from './commands/episodes';
import { registerEval } from './commands/eval';
import { registerReferenceServer } from './commands/reference-server';
import { registerRunner } from './commands/runner';
import { registerScore } from './commands/score';
import { registerServe } from './commands/serve';
import { registerStart } from './commands/start';
import { registerStatus } from './commands/status';
import { registerSubmit } from './commands/submit';
import { registerUsers } from './commands/users';
import { registerVerify } from './commands/verify';
import {
  DATABASE_VARIABLES,
  ENDPOINT_VARIABLES,
  type Env,
  type EnvVariable,
  environmentHelp,
  loadEnv,
  QUOTA_VARIABLES,
} from './env';
import { isUserError, rootMessage } from './errors';
import { type Io, processIo } from './io';
import { runnerProvenance } from './worker/runner';

/** `linkboard 0.1.0 (commit 1a2b3c4d5e6f, Node.js v20.20.2)`: what a bug report needs first. */
function versionLine(): string {
  const { version, commit, node } = runnerProvenance();
  return `linkboard ${version} (${commit ? `commit ${commit.slice(0, 12)}` : 'no git commit'}, Node.js ${node})`;
}

/**
 * The variables each command reads, by its path (`runner-token create`): printed under
 * "Environment:" in its help. buildProgram refuses a command that is missing here, so a new one
 * cannot ship without saying what it reads.
 */
const ENVIRONMENT_OF: Readonly<Record<string, readonly EnvVariable[]>> = {
  start: [
    ...DATABASE_VARIABLES,
    'LINKBOARD_HOST',
    'LINKBOARD_PORT',
    'LINKBOARD_REFERENCE_PORT',
    'LINKBOARD_SITE_URL',
    'LINKBOARD_SECRET_KEY',
    ...ENDPOINT_VARIABLES,
    'LINKBOARD_SERVE_PROFILES',
    'LINKBOARD_ATTEMPT_LIMIT_MS',
    'LINKBOARD_LEASE_MS',
    ...QUOTA_VARIABLES,
    'LINKBOARD_DAILY_CONNECTION_TESTS',
  ],
  'dataset import': [],
  'dataset generate': [],
  episodes: [],
  score: [],
  eval: ENDPOINT_VARIABLES,
  'reference-server': ['LINKBOARD_DATA_DIR'],
  calibrate: ['LINKBOARD_DATA_DIR'],
  verify: DATABASE_VARIABLES,
  'db rescore': DATABASE_VARIABLES,
  'db migrate': DATABASE_VARIABLES,
  'db start': ['LINKBOARD_DATA_DIR', 'LINKBOARD_PG_PORT'],
  runner: [
    ...DATABASE_VARIABLES,
    'LINKBOARD_SECRET_KEY',
    ...ENDPOINT_VARIABLES,
    'LINKBOARD_SERVE_PROFILES',
    'LINKBOARD_ATTEMPT_LIMIT_MS',
    'LINKBOARD_LEASE_MS',
    'LINKBOARD_SITE_URL',
  ],
  'runner-token create': DATABASE_VARIABLES,
  'runner-token list': DATABASE_VARIABLES,
  'runner-token revoke': DATABASE_VARIABLES,
  'users role': DATABASE_VARIABLES,
  'users list': DATABASE_VARIABLES,
  submit: [
    ...DATABASE_VARIABLES,
    'LINKBOARD_SECRET_KEY',
    ...ENDPOINT_VARIABLES,
    ...QUOTA_VARIABLES,
  ],
  status: DATABASE_VARIABLES,
  serve: ['LINKBOARD_SERVE_PROFILES'],
};

/** Variables every command reads. */
const EVERY_COMMAND: readonly EnvVariable[] = ['LINKBOARD_DEBUG', 'CI'];

/** The site's own variables, which `start` passes on; the runner cannot name them (web is above it). */
const SITE_VARIABLES_NOTE =
  '  The site that start serves reads its own as well (LINKBOARD_TRUSTED_PROXIES, LINKBOARD_PAGE_CACHE_MB, …): see docs/operations.md.\n';

/** Appends each leaf command's "Environment:" section, or throws for a command not in the table. */
function describeEnvironment(command: Command, path: string[]): void {
  if (command.commands.length > 0) {
    for (const sub of command.commands) describeEnvironment(sub, [...path, sub.name()]);
    return;
  }
  const key = path.join(' ');
  const names = ENVIRONMENT_OF[key];
  if (!names) throw new Error(`linkboard ${key}: say which variables it reads in ENVIRONMENT_OF`);
  command.addHelpText(
    'after',
    environmentHelp([...names, ...EVERY_COMMAND]) + (key === 'start' ? SITE_VARIABLES_NOTE : ''),
  );
}

export function buildProgram(io: Io, env: Env = loadEnv()): Command {
  const program = new Command('linkboard')
    .description('linkboard: measure whether multimodal LLMs learn unseen concepts from context')
    .option('--verbose', 'print the stack trace of an unexpected error (or LINKBOARD_DEBUG=1)')
    .option('--version', 'print the version, git commit and Node.js, and exit')
    // The error alone, and where to read more: the whole help after it buried the one line.
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  // Asked for only when given: finding the commit runs git, which no other command should wait on.
  program.on('option:version', () => {
    io.stdout.write(`${versionLine()}\n`);
    throw new CommanderError(0, 'commander.version', 'version printed');
  });
  registerStart(program, io, env);
  registerDataset(program, io, env);
  registerEpisodes(program, io);
  registerScore(program, io);
  registerEval(program, io, env);
  registerReferenceServer(program, io, env);
  registerCalibrate(program, io, env);
  registerDb(program, io, env);
  registerRunner(program, io, env);
  registerSubmit(program, io, env);
  registerStatus(program, io, env);
  registerVerify(program, io, env);
  registerUsers(program, io, env);
  registerServe(program, io, env);
  for (const command of program.commands) {
    describeEnvironment(command, [command.name()]);
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

/**
 * Runs the CLI; returns the exit code instead of exiting, so tests can call it in-process: 0, 1
 * for a mistake in the input (one line saying what and where), 2 for anything unexpected (one
 * line with its cause; the stack with --verbose or LINKBOARD_DEBUG=1), or commander's own code.
 */
export async function main(argv: string[], io: Io = processIo, env?: Env): Promise<number> {
  let program: Command | undefined;
  let debug = false;
  try {
    const resolved = env ?? loadEnv();
    debug = resolved.LINKBOARD_DEBUG === '1';
    program = buildProgram(io, resolved);
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (isUserError(error)) {
      io.stderr.write(`linkboard: ${error.message}\n`);
      return 1;
    }
    const verbose = debug || program?.opts().verbose === true;
    io.stderr.write(
      verbose
        ? `linkboard: unexpected error\n${(error as Error)?.stack ?? String(error)}\n`
        : `linkboard: unexpected error: ${rootMessage(error)} (--verbose shows where)\n`,
    );
    return 2;
  }
}
