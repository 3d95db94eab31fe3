import { Command, CommanderError } from 'commander';
import { registerCalibrate } from './commands/calibrate';
import { registerDataset } from './commands/dataset';
import { registerDb } from './commands/db';
import { registerEpisodes } from './commands/episodes';
import { registerEval } from './commands/eval';
import { registerReferenceServer } from './commands/reference-server';
import { registerRunner } from './commands/runner';
import { registerScore } from './commands/score';
import { registerStart } from './commands/start';
import { registerSubmit } from './commands/submit';
import { type Env, loadEnv } from './env';
import { isUserError, rootMessage } from './errors';
import { type Io, processIo } from './io';
import { runnerProvenance } from './worker/runner';

/** `linkboard 0.1.0 (commit 1a2b3c4d5e6f, Node.js v20.20.2)`: what a bug report needs first. */
function versionLine(): string {
  const { version, commit, node } = runnerProvenance() as {
    version: string;
    commit: string | null;
    node: string;
  };
  return `linkboard ${version} (${commit ? `commit ${commit.slice(0, 12)}` : 'no git commit'}, Node.js ${node})`;
}

export function buildProgram(io: Io, env: Env = loadEnv()): Command {
  const program = new Command('linkboard')
    .description('linkboard: measure whether multimodal LLMs learn unseen concepts from context')
    .option('--verbose', 'print the stack trace of an unexpected error (or LINKBOARD_DEBUG=1)')
    .option('--version', 'print the version, git commit and Node.js, and exit')
    .showHelpAfterError()
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
  for (const command of program.commands) {
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
