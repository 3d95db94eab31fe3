import { expect, inject, it } from 'vitest';
import { connect } from '../src';
import { databaseUrl } from '../src/testing';

// Names the server each project ran on, in the log, and checks it is the one meant.
it('runs on the PostgreSQL of its project', async ({ task }) => {
  const database = connect(databaseUrl(inject('pgUrl'), 'postgres'), { max: 1 });
  try {
    const { rows } = await database.pool.query(
      `SELECT version(), current_setting('server_version_num')::int AS num, inet_server_port() AS port`,
    );
    const { version, num, port } = rows[0];
    console.log(`${task.file.projectName}: ${version}`);
    const external = inject('pgServer');
    if (task.file.projectName === 'external') {
      expect(external).toBeTruthy();
      expect(port).toBe(Number(new URL(external as string).port || 5432));
      expect(num).toBeGreaterThanOrEqual(150000);
    } else {
      expect(task.file.projectName).toBe('embedded');
      expect(external).toBeUndefined();
      expect(Math.floor(num / 10000)).toBe(18);
    }
  } finally {
    await database.close();
  }
});
