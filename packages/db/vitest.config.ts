import { configDefaults, defineConfig } from 'vitest/config';

// A running PostgreSQL (≥ 15) to run the suite on as well, beside the embedded one: a superuser URL.
const external = process.env.LINKBOARD_TEST_DATABASE_URL;
// What needs the embedded server itself (starts, stops or kills it), not just a database.
const embeddedOnly = ['test/embedded.test.ts'];

export default defineConfig({
  test: {
    // One real PostgreSQL per project for the run; every test gets its own database cloned from a
    // migrated template.
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'embedded' } },
      ...(external
        ? [
            {
              extends: true as const,
              test: {
                name: 'external',
                provide: { pgServer: external },
                exclude: [...configDefaults.exclude, ...embeddedOnly],
              },
            },
          ]
        : []),
    ],
  },
});
