import Link from 'next/link';
import type { ComponentProps } from 'react';

/**
 * A link repeated per row of a list or table. Next prefetches every link that scrolls into view,
 * so a page of rows would ask the server for each row's page on every visit; these prefetch
 * nothing, and navigation stays client-side.
 */
export function RowLink(props: Omit<ComponentProps<typeof Link>, 'prefetch'>) {
  return <Link {...props} prefetch={false} />;
}
