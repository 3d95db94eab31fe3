import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GpuState {
  index: number;
  name: string;
  memoryUsedMiB: number;
  memoryTotalMiB: number;
  utilizationPct: number;
}

/** The GPUs `nvidia-smi` reports, or [] where there is none (no driver, no tool, no GPU). */
export async function listGpus(): Promise<GpuState[]> {
  try {
    const { stdout } = await run(
      'nvidia-smi',
      [
        '--query-gpu=index,name,memory.used,memory.total,utilization.gpu',
        '--format=csv,noheader,nounits',
      ],
      { timeout: 10_000 },
    );
    return parseNvidiaSmi(stdout);
  } catch {
    return [];
  }
}

export function parseNvidiaSmi(csv: string): GpuState[] {
  return csv
    .split('\n')
    .map((line) => line.split(',').map((cell) => cell.trim()))
    .filter((cells) => cells.length >= 5 && /^\d+$/.test(cells[0] ?? ''))
    .map(([index, name, used, total, util]) => ({
      index: Number(index),
      name: name ?? '',
      memoryUsedMiB: Number(used),
      memoryTotalMiB: Number(total),
      utilizationPct: Number(util) || 0,
    }));
}

/**
 * GPUs a serve job may take: those allowed by `--gpus`, not held by another job of this runner,
 * and nearly empty (under 1 GiB used: another process on the machine may be using the rest).
 */
export function pickFreeGpus(
  gpus: readonly GpuState[],
  count: number,
  options: { allowed: readonly number[] | 'auto'; busy: ReadonlySet<number> },
): number[] | null {
  const candidates = gpus
    .filter((g) => options.allowed === 'auto' || options.allowed.includes(g.index))
    .filter((g) => !options.busy.has(g.index) && g.memoryUsedMiB < 1024)
    .map((g) => g.index);
  return candidates.length >= count ? candidates.slice(0, count) : null;
}
