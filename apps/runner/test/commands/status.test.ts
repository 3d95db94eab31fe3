import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSubmission, registerModel } from '@linkboard/db';
import { describe, expect, it } from 'vitest';
import { localStatusSource, showStatus } from '../../src/commands/status';
import { testPlatform } from '../helpers';

describe('status --wait on this machine’s database', () => {
  it('says once that no runner is working when a run stays queued, and nothing while one works', async () => {
    const platform = await testPlatform();
    try {
      const { db, pool } = platform.database;
      const modelId = await registerModel(db, { name: 'waiting' });
      const { submissionId } = await createSubmission(db, {
        modelId,
        benchmarkVersionId: platform.benchmarkVersionId,
        adapterConfig: { adapter: 'builtin', name: 'random' },
        shots: [2],
        policies: ['lcl'],
      });
      const follow = async () => {
        const stderr = new PassThrough();
        let said = '';
        stderr.on('data', (chunk: Buffer) => {
          said += chunk.toString('utf8');
        });
        const io = { stdin: Readable.from(['']), stdout: new PassThrough(), stderr };
        const source = await localStatusSource(platform.env, io);
        const waiting = showStatus(io, source, submissionId, {
          wait: true,
          pollMs: 20,
          noRunnerAfterMs: 100,
        }).finally(() => source.close());
        return { waiting, said: () => said };
      };
      const hint =
        /still queued after \d+ s, and no runner is working on .+; is `npm start` or `npx linkboard runner` running on it\?/;

      const alone = await follow();
      for (let i = 0; i < 200 && !hint.test(alone.said()); i++) await sleep(20);
      await sleep(200); // several more polls: said once, not at each
      expect(alone.said().match(new RegExp(hint.source, 'g'))).toHaveLength(1);

      // A runner holding another job, its heartbeat fresh: the queue is being worked on.
      const other = await createSubmission(db, {
        modelId,
        benchmarkVersionId: platform.benchmarkVersionId,
        adapterConfig: { adapter: 'builtin', name: 'random' },
        shots: [2],
        policies: ['lcl'],
      });
      await pool.query(
        `UPDATE jobs SET status = 'running', lease_owner = 'busy-runner', heartbeat_at = now() WHERE submission_id = $1`,
        [other.submissionId],
      );
      const worked = await follow();
      await sleep(500);
      expect(worked.said()).not.toMatch(hint);

      await pool.query(`UPDATE submissions SET status = 'cancelled' WHERE id = $1`, [submissionId]);
      await alone.waiting;
      await worked.waiting;
    } finally {
      await platform.shutdown();
    }
  }, 60_000);
});
