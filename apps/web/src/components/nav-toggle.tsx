'use client';

import { usePathname } from 'next/navigation';
import { useEffect, useRef } from 'react';

/**
 * The checkbox that opens the menu on a narrow screen (CSS does the rest, so it works without
 * script); with script, it also closes the menu once a link was followed.
 */
export function NavToggle() {
  const pathname = usePathname();
  const box = useRef<HTMLInputElement>(null);
  useEffect(() => {
    void pathname;
    if (box.current) box.current.checked = false;
  }, [pathname]);
  return (
    <input ref={box} type="checkbox" id="nav-toggle" className="nav-toggle" aria-label="Menu" />
  );
}
