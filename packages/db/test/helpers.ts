import { randomBytes } from 'node:crypto';
import { afterEach, inject } from 'vitest';
import { connect, type Database } from '../src';

const open: { db: Database; name: string }[] = [];

async function admin<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  const db = connect(inject('pgUrl').replace(/\/linkboard$/, '/postgres'), { max: 1 });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** A database of its own for one test, cloned from the migrated template, dropped afterwards. */
export async function freshDatabase(options: { max?: number } = {}): Promise<Database> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  await admin((db) => db.pool.query(`CREATE DATABASE ${name} TEMPLATE linkboard_template`));
  const db = connect(inject('pgUrl').replace(/\/linkboard$/, `/${name}`), options);
  open.push({ db, name });
  return db;
}

afterEach(async () => {
  for (const { db, name } of open.splice(0)) {
    await db.close();
    await admin((a) => a.pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
});
