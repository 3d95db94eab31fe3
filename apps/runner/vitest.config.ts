import { configDefaults, defineConfig } from 'vitest/config';

// A running PostgreSQL (≥ 15) to run the database tests on as well, beside the embedded one: a
// superuser URL.
const external = process.env.LINKBOARD_TEST_DATABASE_URL;
// What runs on both: the tests of the worker and of served models, on a test platform whose
// database is the project's (see testPlatform in test/helpers.ts). The rest drive the CLI, which
// starts, joins, stops or kills the embedded server under its data folder, or need no database.
const onEveryServer = ['test/worker/*.test.ts', 'test/serve/*.test.ts'];
const embeddedOnly = [
  'test/worker/outage.test.ts', // stops and restarts the embedded server
  // Kills runner processes at random for minutes; what it checks (leases expire, results are
  // idempotent) is the same SQL that the other worker tests run on the external server.
  'test/worker/crash.test.ts',
];

export default defineConfig({
  test: {
    // Image rendering, real servers and PostgreSQL share two cores with the other packages' tests.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      // Each test platform starts an embedded PostgreSQL of its own.
      { extends: true, test: { name: 'embedded' } },
      ...(external
        ? [
            {
              extends: true as const,
              test: {
                name: 'external',
                // One migrated template on the external server; each platform clones it.
                globalSetup: ['./test/global-setup.ts'],
                provide: { pgServer: external },
                include: onEveryServer,
                exclude: [...configDefaults.exclude, ...embeddedOnly],
              },
            },
          ]
        : []),
    ],
  },
});
