import { AccountError, privilegedUsers, setUserRole, USER_ROLES } from '@linkboard/db';
import type { Command } from 'commander';
import { withDatabase } from '../database';
import type { Env } from '../env';
import { CliError } from '../errors';
import type { Io } from '../io';

/**
 * `users`: the operator's hand on accounts (they sign up on the site). The site's admin page
 * (/admin) sets roles and bans; this makes the first admin, and mends a site with none.
 */
export function registerUsers(program: Command, io: Io, env: Env): void {
  const users = program
    .command('users')
    .description('accounts of the site (operator only: needs the database)');
  users
    .command('role <email> <role>')
    .description(
      `set an account's role: ${USER_ROLES.join(', ')} (participant: may submit ranked runs; admin: everything)`,
    )
    .action(async (email: string, role: string) => {
      await withDatabase(env, io, async (database) => {
        try {
          const changed = await setUserRole(database.db, email, role);
          io.stdout.write(`${changed.email}: ${changed.previous} → ${role}\n`);
        } catch (error) {
          if (error instanceof AccountError) throw new CliError(error.message);
          throw error;
        }
      });
    });
  users
    .command('list')
    .description('list the accounts with a role beyond submitting (participants and admins)')
    .action(async () => {
      await withDatabase(env, io, async (database) => {
        const rows = await privilegedUsers(database.db);
        if (rows.length === 0) io.stdout.write('no participants or admins\n');
        for (const u of rows) io.stdout.write(`${u.email}\t${u.role}\t${u.name}\n`);
      });
    });
}
