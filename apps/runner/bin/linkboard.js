#!/usr/bin/env node
// The CLI runs from TypeScript source through tsx, so a fresh clone needs no build step.
import { register } from 'tsx/esm/api';

// `linkboard episodes | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

register();
const { main } = await import('../src/cli.ts');
const code = await main(process.argv);
// A failed command exits now, with its code: left to end on its own, a process that loaded the
// embedded PostgreSQL would exit 0 (that package's exit hook answers `beforeExit` with
// process.exit(0)), and a server it started could hold it open. Its `exit` hook still stops such
// a server. A command that succeeded ends when its work and its output do.
if (code !== 0) process.exit(code);
