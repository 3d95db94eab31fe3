import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { Env } from '../env';
import { CliError } from '../errors';
import type { Io } from '../io';
import { parseShots } from '../options';
import { loadServeProfiles, serveCommand } from '../serve/serve';

/** One argument as a POSIX shell reads it back: bare when it holds nothing the shell would act on. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new InvalidArgumentError(`"${value}" is not a port`);
  return port;
}

export function registerServe(program: Command, io: Io, env: Env): void {
  program
    .command('serve')
    .description(
      "show the command a serve profile launches for a job's shot counts (the runner does the serving)",
    )
    .option('--print-command', 'print the command, shell-quoted, without running it')
    .requiredOption('--profile <name>', 'the serve profile')
    .requiredOption(
      '--shots <n,...>',
      'the shot counts the episodes have (the largest sets the image limit and context)',
      parseShots,
    )
    .option('--model <name>', 'the model to fill in for {model} (default: left as {model})')
    .option(
      '--port <port>',
      'the port to fill in for {port} (the runner picks a free one)',
      parsePort,
      8000,
    )
    .option('--profiles <file>', 'the profiles file (default: $LINKBOARD_SERVE_PROFILES)')
    .action(
      async (flags: {
        printCommand?: boolean;
        profile: string;
        shots: number[];
        model?: string;
        port: number;
        profiles?: string;
      }) => {
        // Serving is the runner's: a model server outlives no job, so there is nothing to start here.
        if (!flags.printCommand)
          throw new CliError(
            'serve only shows a command (--print-command); models are served by `linkboard runner` for submissions made with `submit --serve`',
          );
        const file = flags.profiles ?? env.LINKBOARD_SERVE_PROFILES;
        if (!file)
          throw new CliError(
            'no serve profiles: give --profiles FILE or set LINKBOARD_SERVE_PROFILES',
          );
        const profiles = await loadServeProfiles(file);
        const profile = profiles[flags.profile];
        if (!profile) {
          const names = Object.keys(profiles);
          throw new CliError(
            `${file}: no serve profile "${flags.profile}"; ${names.length ? `registered: ${names.join(', ')}` : 'it registers none'}`,
          );
        }
        if (flags.shots.length === 0) throw new CliError('--shots: give at least one shot count');
        const maxShots = Math.max(...flags.shots);
        const args = serveCommand(profile, {
          model: flags.model,
          port: flags.port,
          maxShots,
          name: flags.profile,
        });
        const assignments = Object.entries(profile.env).map(([k, v]) => `${k}=${shellQuote(v)}`);
        io.stdout.write(`${[...assignments, ...args.map(shellQuote)].join(' ')}\n`);
        io.stderr.write(
          `# port ${flags.port} is an example: the runner picks a free port and sets CUDA_VISIBLE_DEVICES for each job${flags.model === undefined ? '; replace {model} or give --model' : ''}\n`,
        );
      },
    );
}
