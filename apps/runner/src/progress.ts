import type { Writable } from 'node:stream';
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/**
 * A progress bar on stderr when a person is watching (a TTY, not CI); silent otherwise, so logs
 * and pipes stay clean.
 */
export function createProgress(stream: Writable, label: string, enabled: boolean): Progress {
  const tty = (stream as Writable & { isTTY?: boolean }).isTTY === true;
  if (!enabled || !tty) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WriteStream,
      format: `${label} [{bar}] {value}/{total} {percentage}% | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.setTotal(total);
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
