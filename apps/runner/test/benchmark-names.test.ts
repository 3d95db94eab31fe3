import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli';
import { loadEnv } from '../src/env';
import { processIo } from '../src/io';

/**
 * One name for a benchmark version everywhere (`name@version`): no command of the CLI takes a
 * version by its database id. Read from every command's help, as a person reads it.
 */

/** Every command, parents too (`db`, `db migrate`), by its path. */
function everyCommand(command: Command, path: string[] = []): [string, Command][] {
  return [
    [path.join(' ') || '(linkboard)', command],
    ...command.commands.flatMap((sub) => everyCommand(sub, [...path, sub.name()])),
  ];
}

const commands = everyCommand(buildProgram(processIo, loadEnv({})));

/** How a database id of a version would be spelt in a flag, an argument or a help line. */
const VERSION_ID =
  /benchmark[-_ ]?version[-_ ]?id|version[-_ ]?id|benchmarkVersionId|--version <(n|id|number)>/i;

describe('the CLI names a benchmark version name@version, never by its database id', () => {
  it('has the commands a newcomer uses', () => {
    expect(commands.map(([name]) => name)).toEqual(
      expect.arrayContaining(['submit', 'calibrate', 'status', 'verify', 'db migrate']),
    );
  });

  it.each(commands)('%s --help', (_name, command) => {
    const help = command.helpInformation();
    expect(help).not.toMatch(VERSION_ID);
    for (const option of command.options) {
      expect(option.long ?? '', option.flags).not.toMatch(VERSION_ID);
      // A flag that names a benchmark version takes its name, `name[@version]`.
      if (option.long === '--benchmark') expect(option.flags).toBe('--benchmark <name[@version]>');
    }
    // The ids a command takes are submissions' (status, verify, db rescore), said so in its help.
    for (const argument of command.registeredArguments)
      if (/id/i.test(argument.name()))
        expect(`${argument.description} ${command.description()}`).toMatch(/submission/);
  });

  it('submit and calibrate take --benchmark name@version alike', () => {
    const byName = Object.fromEntries(commands);
    for (const name of ['submit', 'calibrate']) {
      const help = byName[name]?.helpInformation() ?? '';
      expect(help, name).toMatch(/--benchmark <name\[@version\]>/);
    }
    expect(byName.submit?.helpInformation()).toMatch(/default:\s+isekai-synth@3\.1/);
  });
});
