'use client';

import dynamic from 'next/dynamic';

/**
 * The leaderboard's sparklines load their chart code after the page is interactive: recharts is
 * the largest script of the site, and the table is readable without it.
 */
export const LazySparkline = dynamic(() => import('./charts').then((m) => m.Sparkline), {
  ssr: false,
  loading: () => <div style={{ width: 90, height: 24 }} />,
});
