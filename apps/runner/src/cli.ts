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
import { isUserError } from './errors';
import { type Io, processIo } from './io';

export function buildProgram(io: Io, env: Env = loadEnv()): Command {
  const program = new Command('linkboard')
    .description('linkboard: measure whether multimodal LLMs learn unseen concepts from context')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
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

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it in-process. */
export async function main(argv: string[], io: Io = processIo, env?: Env): Promise<number> {
  try {
    await buildProgram(io, env).parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (isUserError(error)) {
      io.stderr.write(`linkboard: ${error.message}\n`);
      return 1;
    }
    io.stderr.write(`linkboard: unexpected error\n${(error as Error).stack ?? String(error)}\n`);
    return 2;
  }
}
