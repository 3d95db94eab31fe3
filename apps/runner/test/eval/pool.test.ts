import { describe, expect, it } from 'vitest';
import { inPool } from '../../src/eval/pool';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('inPool', () => {
  it('works every item once, in order taken, never more than `concurrency` at a time', async () => {
    const items = Array.from({ length: 20 }, (_, i) => i * 10);
    let inFlight = 0;
    let most = 0;
    const taken: [number, number][] = [];
    await inPool(items, { concurrency: 3 }, async (item, index) => {
      taken.push([item, index]);
      most = Math.max(most, ++inFlight);
      await tick();
      inFlight--;
    });
    expect(taken).toEqual(items.map((item, index) => [item, index]));
    expect(most).toBe(3);
  });

  it('takes no item after `stop` says so; the calls in flight finish', async () => {
    const finished: number[] = [];
    await inPool(
      [0, 1, 2, 3, 4, 5, 6, 7],
      { concurrency: 2, stop: () => finished.length >= 3 },
      async (item) => {
        await tick();
        finished.push(item);
      },
    );
    // The fourth, taken while the third was in flight, finishes too.
    expect(finished).toEqual([0, 1, 2, 3]);
  });

  it('runs one worker at a concurrency under one, and none for no items', async () => {
    let most = 0;
    let inFlight = 0;
    await inPool([1, 2, 3], { concurrency: 0 }, async () => {
      most = Math.max(most, ++inFlight);
      await tick();
      inFlight--;
    });
    expect(most).toBe(1);
    let calls = 0;
    await inPool([], { concurrency: 4 }, async () => {
      calls++;
    });
    expect(calls).toBe(0);
  });

  it('rejects with the error a call throws', async () => {
    await expect(
      inPool([1, 2, 3], { concurrency: 2 }, async (item) => {
        if (item === 2) throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
  });
});
