import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Image rendering, real servers and PostgreSQL share two cores with the other packages' tests.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
