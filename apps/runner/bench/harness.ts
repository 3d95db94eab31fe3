/**
 * What the runner's benchmarks share: undoing what they started (child processes, temporary
 * folders, test platforms) however they end, starting the reference server, reading CPU time
 * from /proc, and a CPU profile of the bench's own process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { benchEnv } from './env';

export const BIN = fileURLToPath(new URL('../bin/linkboard.js', import.meta.url));

/**
 * Undo steps, run last first by `run()` from the bench's `finally`. A bench that throws reaches
 * its `finally` too; one interrupted (Ctrl-C, a timeout's SIGTERM) or ended by `process.exit`
 * (the embedded PostgreSQL's exit hook does that on a signal) does not, so the child processes
 * and folders are also undone synchronously on `exit`, and a signal runs the steps before exiting.
 */
export class Cleanup {
  private readonly steps: (() => Promise<unknown> | unknown)[] = [];
  private readonly children = new Set<ChildProcess>();
  private readonly dirs = new Set<string>();
  private running: Promise<void> | undefined;

  constructor() {
    process.once('exit', () => this.runSync());
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.once(signal, () => {
        void this.run().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
      });
  }

  /** A step to run at the end (after the ones deferred later). */
  defer(step: () => Promise<unknown> | unknown): void {
    this.steps.push(step);
  }

  /** A child process, stopped at the end if it still runs (SIGKILL if SIGTERM does not do). */
  child<T extends ChildProcess>(child: T): T {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    this.defer(() => stopChild(child));
    return child;
  }

  /** A folder removed at the end, with all it holds. */
  dir(dir: string): string {
    this.dirs.add(dir);
    this.defer(() => {
      rmSync(dir, { recursive: true, force: true });
      this.dirs.delete(dir);
    });
    return dir;
  }

  /** Runs every step, last first; each step's failure is reported and the rest still run. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.splice(0).reverse()) {
        try {
          await step();
        } catch (error) {
          console.error(`bench cleanup: ${(error as Error).message}`);
        }
      }
    })();
    return this.running;
  }

  /** At exit, what cannot wait: children signalled, folders removed. */
  private runSync(): void {
    for (const child of this.children) child.kill('SIGKILL');
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const late = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(late);
}

/**
 * `linkboard reference-server` in a process of its own (so that its CPU is not the bench's),
 * ready once it says it listens; a server that exits or stays silent for a minute fails the bench.
 */
export async function startReferenceServer(
  cleanup: Cleanup,
  options: { port: number; latencyMs: number; manifestDir: string },
): Promise<ChildProcess> {
  const server = cleanup.child(
    spawn(
      process.execPath,
      [
        BIN,
        'reference-server',
        '--port',
        String(options.port),
        '--latency-ms',
        String(options.latencyMs),
        '--manifest',
        options.manifestDir,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...benchEnv.inherited, CI: 'true' } },
    ),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the reference server did not start')), 60_000);
    const hear = (chunk: Buffer) => {
      if (!String(chunk).includes('listening')) return;
      clearTimeout(timer);
      server.stdout?.off('data', hear);
      resolve();
    };
    server.stdout?.on('data', hear);
    server.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the reference server exited (${code}) before it listened`));
    });
  });
  server.stdout?.resume();
  return server;
}

// USER_HZ, the unit of /proc's CPU times: 100 on every Linux build Node runs on.
const CLOCK_TICKS = 100;

/** CPU time in ms of each of this process's descendants now running, by process id. */
export type DescendantsCpu = Map<number, { command: string; ms: number }>;

/**
 * What this process's descendants (the reference server, the embedded PostgreSQL and its
 * backends…) have used so far; empty off Linux. Other work on the machine is left out.
 */
export function descendantsCpu(): DescendantsCpu {
  const procs: { pid: number; ppid: number; command: string; ms: number }[] = [];
  let names: string[] = [];
  try {
    names = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {}
  for (const name of names) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      procs.push({
        pid: Number(name),
        ppid: Number(fields[1]),
        command: stat.slice(stat.indexOf('(') + 1, close),
        ms: ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS,
      });
    } catch {}
  }
  const mine = new Set([process.pid]);
  // Parents come before children in no particular order: repeat until no process joins.
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs)
      if (!mine.has(p.pid) && mine.has(p.ppid)) {
        mine.add(p.pid);
        grew = true;
      }
  }
  return new Map(
    procs
      .filter((p) => p.pid !== process.pid && mine.has(p.pid))
      .map((p) => [p.pid, { command: p.command, ms: p.ms }]),
  );
}

/**
 * CPU time in ms the descendants used since `before`, summed by command name (`node` for the
 * reference server, `postgres`…). A process that ended meanwhile is missed; one that started is
 * counted whole.
 */
export function descendantsCpuSince(before: DescendantsCpu): Map<string, number> {
  const by = new Map<string, number>();
  for (const [pid, { command, ms }] of descendantsCpu())
    by.set(command, (by.get(command) ?? 0) + ms - (before.get(pid)?.ms ?? 0));
  return by;
}

/** The whole machine's busy CPU time in ms, all processes and cores (Linux); undefined elsewhere. */
export function machineBusyMs(): number | undefined {
  try {
    const [cpu] = readFileSync('/proc/stat', 'utf8').split('\n');
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    const [user, nice, system, , , irq, softirq, steal] = (cpu ?? '')
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const busy = [user, nice, system, irq, softirq, steal].reduce<number>(
      (a, b) => a + (b ?? 0),
      0,
    );
    return Number.isFinite(busy) ? (busy * 1000) / CLOCK_TICKS : undefined;
  } catch {
    return undefined;
  }
}

/** This process's garbage collection pauses since the call, in ms by `ms()`; `stop` when done. */
export function gcPauses(): { ms(): number; stop(): void } {
  let total = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) total += entry.duration;
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    // Entries arrive on a later turn: what is pending is taken now.
    ms: () => {
      for (const entry of observer.takeRecords()) total += entry.duration;
      return total;
    },
    stop: () => observer.disconnect(),
  };
}

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** A function's self time in a CPU profile, and its share of the time the process was busy. */
export interface SelfTime {
  name: string;
  where: string;
  ms: number;
  share: number;
}

/**
 * A CPU profile of this process while `run` runs (the inspector's profiler, as `node --cpu-prof`
 * takes it, but over that span only), written to `file` for a viewer (Chrome's DevTools,
 * speedscope); returns its busy and idle time and the functions with the most self time.
 */
export async function cpuProfile(
  run: () => Promise<unknown>,
  file: string,
  count = 25,
): Promise<{ busyMs: number; idleMs: number; top: SelfTime[] }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
    let stopped: unknown;
    try {
      await run();
    } finally {
      stopped = await session.post('Profiler.stop');
    }
    const { profile } = stopped as {
      profile: { nodes: ProfileNode[]; startTime: number; endTime: number; samples?: number[] };
    };
    await writeFile(file, JSON.stringify(profile));
    const msPerHit =
      (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples?.length ?? 0);
    // A function appears once per call path: summed here by name and place.
    const byFunction = new Map<string, SelfTime>();
    let idleMs = 0;
    let busyMs = 0;
    for (const node of profile.nodes) {
      const ms = (node.hitCount ?? 0) * msPerHit;
      const { functionName, url, lineNumber } = node.callFrame;
      if (functionName === '(idle)') {
        idleMs += ms;
        continue;
      }
      busyMs += ms;
      const key = `${functionName}|${url}|${lineNumber}`;
      const entry = byFunction.get(key) ?? {
        name: functionName || '(anonymous)',
        where: url ? `${path.basename(url)}:${lineNumber + 1}` : '',
        ms: 0,
        share: 0,
      };
      entry.ms += ms;
      byFunction.set(key, entry);
    }
    const top = [...byFunction.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, count)
      .map((f) => ({ ...f, share: f.ms / Math.max(1e-9, busyMs) }));
    return { busyMs, idleMs, top };
  } finally {
    session.disconnect();
  }
}
