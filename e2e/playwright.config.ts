import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { e2eEnv } from './env';

/** The whole platform, as a newcomer starts it, on its own data folder and ports. */
export const E2E = {
  dataDir: path.resolve(import.meta.dirname, '.data-e2e'),
  port: e2eEnv.LINKBOARD_E2E_PORT,
  pgPort: e2eEnv.LINKBOARD_E2E_PG_PORT,
  referencePort: e2eEnv.LINKBOARD_E2E_REFERENCE_PORT,
  screenshotDir: e2eEnv.screenshotDir,
};
export const BIN = path.resolve(import.meta.dirname, '../apps/runner/bin/linkboard.js');
export const platformEnv = {
  LINKBOARD_DATA_DIR: E2E.dataDir,
  LINKBOARD_PORT: String(E2E.port),
  LINKBOARD_PG_PORT: String(E2E.pgPort),
  LINKBOARD_REFERENCE_PORT: String(E2E.referencePort),
  // Fresh draws for the ranked baselines smaller than the default (301 would take minutes of CPU),
  // large enough that prototype's lead over chance (about 8 points) is some three standard errors.
  LINKBOARD_RANKED_PER_POLICY: '100',
  CI: 'true',
};

export default defineConfig({
  testDir: './tests',
  timeout: 120_000,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${E2E.port}`,
    viewport: { width: 1280, height: 900 },
    launchOptions: {
      // Debian's Chromium: Playwright's own browser download is not reachable here.
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    // A smaller isekai-synth v3 than the default keeps the baselines' runs short (one query per
    // concept), with all 24 pairs: ranking resamples pairs, and few would leave ranks uncertain.
    // The rest is `npm start`, run from a copy of the repository under a 0700 folder
    // (start-platform.sh), as a clone in root's home would be.
    command: [
      `rm -rf ${E2E.dataDir}`,
      `node ${BIN} dataset generate --generator-version 3 --pairs 24 --per-concept 10 --queries 1 --out ${E2E.dataDir}/benchmarks/isekai-synth-v3`,
      `bash ${path.resolve(import.meta.dirname, 'start-platform.sh')}`,
    ].join(' && '),
    url: `http://127.0.0.1:${E2E.port}/queue`,
    env: platformEnv,
    timeout: 300_000,
    reuseExistingServer: false,
    // As Ctrl-C would: linkboard stops its runner, site and embedded PostgreSQL in order (the
    // default, SIGKILL to the group, would leave PostgreSQL, which runs in a group of its own).
    gracefulShutdown: { signal: 'SIGTERM', timeout: 30_000 },
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
