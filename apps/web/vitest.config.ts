import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Pages are rendered in tests (test/app/render.ts): tsconfig keeps JSX for Next to compile
  // (`preserve`), so the tests compile it themselves, as Next does, with React's automatic runtime.
  oxc: { jsx: { runtime: 'automatic' } },
  resolve: {
    alias: {
      // `server-only` throws outside a React server bundle; the routers are tested as plain modules.
      'server-only': fileURLToPath(new URL('./test/server-only.ts', import.meta.url)),
      '~': fileURLToPath(new URL('./src', import.meta.url)),
    },
  },
  test: {
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
