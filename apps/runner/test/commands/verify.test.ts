import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { drawCommitment } from '@linkboard/core';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { run, testPlatform } from '../helpers';

describe('a ranked run: submit --ranked, a runner, status and verify', () => {
  it('draws a run of its own, keeps its seed until it ends, and verifies from it', async () => {
    const platform = await testPlatform();
    try {
      const cli = (args: string[]) =>
        run(args, {
          dataDir: platform.env.dataDir,
          env: {
            LINKBOARD_PG_PORT: String(platform.env.LINKBOARD_PG_PORT),
            LINKBOARD_RANKED_PER_POLICY: '4',
            ...(platform.env.DATABASE_URL && { DATABASE_URL: platform.env.DATABASE_URL }),
          },
        });
      const submitted = await cli([
        'submit',
        '--name',
        'drawn',
        '--builtin',
        'prototype',
        '--ranked',
      ]);
      expect(submitted.code, submitted.stderr).toBe(0);
      expect(submitted.stdout).toMatch(
        /^submission (\d+): drawn on a ranked draw of its own \(commitment [0-9a-f]{16}…\), 32 episodes in 1 job\(s\)/,
      );
      const id = /^submission (\d+)/.exec(submitted.stdout)?.[1] as string;
      // No integer seed on a ranked run: it is sent in its draw's own (keyed) order.
      const { rows } = await platform.database.db.execute(
        sql`SELECT order_seed, draw_seed FROM submissions WHERE id = ${Number(id)}`,
      );
      expect(rows[0]?.order_seed).toBeNull();
      expect(String(rows[0]?.draw_seed)).toMatch(/^[0-9a-f]{64}$/);
      const key = (
        await readFile(path.join(platform.env.dataDir, 'secrets', 'ranked.key'), 'utf8')
      ).trim();

      // Open: the commitment is shown, the seed is not, and verify says why it cannot yet.
      const open = await cli(['status', id]);
      expect(open.stdout).toMatch(
        / {2}draw: isekai-synth-ranked@1\+[0-9a-f]{16}, key k[0-9a-f]{12}, commitment [0-9a-f]{64}\n {2}seed: revealed when the run ends/,
      );
      const early = await cli(['verify', id]);
      expect(early.code).toBe(1);
      expect(early.stderr).toMatch(/submission \d+ is queued: its seed is revealed when it ends/);

      expect((await cli(['runner', '--once', '--gpus', 'none'])).code).toBe(0);
      const done = await cli(['status', id]);
      expect(done.stdout).toMatch(/^submission \d+: done/);
      expect(done.stdout).toMatch(/ {2}lcl 16-shot: .*\n(.*\n)* {2}flip 16-shot: /);
      expect(done.stdout).toMatch(
        / {2}score \(mean of lcl and flip\): \d+\.\d% \[\d+\.\d%, \d+\.\d%\]/,
      );
      const seed = /seed \(revealed\): ([0-9a-f]{64})/.exec(done.stdout)?.[1] as string;
      const commitment = /commitment ([0-9a-f]{64})/.exec(done.stdout)?.[1];
      expect(drawCommitment(seed)).toBe(commitment);
      const verified = await cli(['verify', id]);
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(
        /regenerated 32 episodes from the seed: manifest [0-9a-f]{16}… as stored/,
      );
      expect(verified.stdout).toMatch(
        /^verified: the figures follow from the seed and the answers$/m,
      );
      // The key itself appears nowhere.
      for (const out of [submitted, open, done, verified])
        expect(out.stdout + out.stderr).not.toContain(key);

      // A stored answer changed after scoring: verify names the policy that no longer adds up.
      await platform.database.db.execute(
        sql`UPDATE results SET raw_answer = CASE WHEN raw_answer LIKE '%"%' THEN 'nothing' ELSE raw_answer END WHERE submission_id = ${Number(id)}`,
      );
      const tampered = await cli(['verify', id]);
      expect(tampered.code).toBe(1);
      expect(tampered.stderr).toMatch(
        /does not verify: (lcl|flip): re-scored \d+\/16, the platform reports \d+\/16/,
      );

      // Refused: what a ranked run does not take, and verify of a run that is not ranked.
      const refused = await cli([
        'submit',
        '--name',
        'x',
        '--builtin',
        'random',
        '--ranked',
        '--draws',
        '2',
      ]);
      expect(refused.stderr).toMatch(/--ranked draws its own episodes .* it takes no --draws/);
      const plain = await cli([
        'submit',
        '--name',
        'plain',
        '--builtin',
        'random',
        '--shots',
        '2',
        '--manifest',
        platform.dataset.dir,
      ]);
      expect(plain.code, plain.stderr).toBe(0);
      const plainId = /^submission (\d+)/.exec(plain.stdout)?.[1] as string;
      expect((await cli(['verify', plainId])).stderr).toMatch(/is not a ranked run/);
    } finally {
      await platform.shutdown();
    }
  }, 120_000);
});
