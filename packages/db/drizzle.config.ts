import { defineConfig } from 'drizzle-kit';

// Migrations are generated from src/schema.ts and committed; the CLI applies them at start.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema.ts',
  out: './drizzle',
});
