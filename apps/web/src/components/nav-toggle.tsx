'use client';

import { usePathname } from 'next/navigation';
import { type KeyboardEvent, useEffect, useRef } from 'react';

/**
 * The checkbox that opens the menu on a narrow screen (CSS does the rest, so it works without
 * script); with script, it also closes the menu once a link was followed. From the keyboard it
 * opens and closes with Space (a checkbox's own key) or Enter (a menu button's), and Escape
 * anywhere in the open menu closes it and puts the focus back on the switch.
 */
export function NavToggle() {
  const pathname = usePathname();
  const box = useRef<HTMLInputElement>(null);
  useEffect(() => {
    void pathname;
    if (box.current) box.current.checked = false;
  }, [pathname]);
  useEffect(() => {
    const closeOnEscape = (event: globalThis.KeyboardEvent) => {
      const toggle = box.current;
      if (event.key !== 'Escape' || !toggle?.checked) return;
      if (!(event.target instanceof Node) || !toggle.closest('header')?.contains(event.target))
        return;
      toggle.checked = false;
      toggle.focus();
    };
    document.addEventListener('keydown', closeOnEscape);
    return () => document.removeEventListener('keydown', closeOnEscape);
  }, []);
  const toggleOnEnter = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    event.currentTarget.click();
  };
  return (
    <input
      ref={box}
      type="checkbox"
      id="nav-toggle"
      className="nav-toggle"
      aria-label="Menu"
      onKeyDown={toggleOnEnter}
    />
  );
}
