import { GeistSans } from 'geist/font/sans';
import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { AccountMenu } from '~/components/account-menu';
import { NavToggle } from '~/components/nav-toggle';
import './globals.css';

export const metadata: Metadata = {
  // Each page names itself ("Queue · linkboard"), so tabs and history tell pages apart.
  title: {
    default: 'linkboard — can multimodal LLMs learn unseen concepts from context?',
    template: '%s · linkboard',
  },
  description: 'Link-context learning leaderboard',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" className={GeistSans.className}>
      <body>
        {/* The first Tab stop: a keyboard user skips the header's ten links to the page itself. */}
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="nav">
          <Link className="brand" href="/">
            linkboard
          </Link>
          {/* On a narrow screen the links fold behind "Menu" (a checkbox: no script needed). */}
          <NavToggle />
          <label htmlFor="nav-toggle" className="nav-toggle-label" data-testid="menu">
            Menu
          </label>
          <nav className="nav-links" aria-label="Main">
            <Link href="/">Leaderboard</Link>
            <Link href="/ranked">Ranked</Link>
            <Link href="/concepts">Concepts</Link>
            <Link href="/queue">Queue</Link>
            <Link href="/compare">Compare</Link>
            <Link href="/submit">Submit</Link>
            <Link href="/tokens">API keys</Link>
            <Link href="/about">About</Link>
            {/* Filled in by the browser: the page itself is the same for every visitor. */}
            <AccountMenu />
          </nav>
        </header>
        {/* Focusable by script only, so that the skip link moves the Tab order here. */}
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      </body>
    </html>
  );
}
