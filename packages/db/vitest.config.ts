import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One real PostgreSQL for the run; every test gets its own database cloned from a migrated template.
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
