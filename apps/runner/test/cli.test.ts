import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli';
import { ENV_VARIABLES, loadEnv } from '../src/env';
import { processIo } from '../src/io';
import { run } from './helpers';

/** Every command that runs something (`db migrate`, not `db`), by its path. */
function leafCommands(command: Command, path: string[] = []): string[][] {
  if (command.commands.length === 0) return [path];
  return command.commands.flatMap((sub) => leafCommands(sub, [...path, sub.name()]));
}

/** The variable names under "Environment:" in a help text. */
function environmentSection(help: string): string[] {
  const at = help.indexOf('\nEnvironment:\n');
  if (at < 0) return [];
  return [...help.slice(at).matchAll(/^ {2}([A-Z][A-Z0-9_]+) {2,}\S/gm)].map((m) => m[1] as string);
}

describe('every command’s help names the variables it reads', () => {
  const leaves = leafCommands(buildProgram(processIo, loadEnv({})));

  it.each(leaves.map((path) => [path.join(' '), path]))('%s --help', async (_name, path) => {
    const { code, stdout } = await run([...path, '--help']);
    expect(code).toBe(0);
    const named = environmentSection(stdout);
    // At least the ones every command reads, each a variable the schema validates.
    expect(named).toEqual(expect.arrayContaining(['LINKBOARD_DEBUG', 'CI']));
    for (const name of named) expect(ENV_VARIABLES).toContain(name);
    expect(new Set(named).size).toBe(named.length);
  });

  it('names every variable somewhere, and those of a command where it reads them', async () => {
    const named = new Map<string, string[]>();
    for (const path of leaves) {
      const { stdout } = await run([...path, '--help']);
      named.set(path.join(' '), environmentSection(stdout));
    }
    const all = new Set([...named.values()].flat());
    expect([...ENV_VARIABLES].filter((v) => !all.has(v))).toEqual([]);
    // What a newcomer looks for first: the ports and data folder of `start`.
    expect(named.get('start')).toEqual(
      expect.arrayContaining([
        'LINKBOARD_PORT',
        'LINKBOARD_REFERENCE_PORT',
        'LINKBOARD_DATA_DIR',
        'LINKBOARD_PG_PORT',
        'DATABASE_URL',
      ]),
    );
    expect(named.get('submit')).toEqual(
      expect.arrayContaining(['LINKBOARD_DATA_DIR', 'LINKBOARD_ALLOW_PRIVATE_ENDPOINTS']),
    );
    expect(named.get('db migrate')).toEqual(expect.arrayContaining(['DATABASE_URL']));
    // A command that reads no database does not claim to.
    expect(named.get('score')).not.toContain('DATABASE_URL');
    const start = await run(['start', '--help']);
    expect(start.stdout).toContain('docs/operations.md');
  });
});
