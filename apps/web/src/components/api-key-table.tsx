import { formatTime } from './format';

/** A key as the tables list it (the db's listing, as it reaches the browser). */
export interface ListedKey {
  id: string;
  name: string | null;
  start: string | null;
  scopes: readonly string[];
  enabled: boolean;
  expiresAt: Date | string | null;
  createdAt: Date | string;
  lastRequest: Date | string | null;
  /** On the admin page: whose key it is. */
  ownerEmail?: string;
}

/** What a listed key is now: working, revoked, or past its expiry. */
export function keyState(key: Pick<ListedKey, 'enabled' | 'expiresAt'>, now: Date) {
  if (!key.enabled) return 'revoked';
  if (key.expiresAt !== null && new Date(key.expiresAt) <= now) return 'expired';
  return 'active';
}

/**
 * API keys in a table, a working one with its Revoke button: the keys page's (the user's own) and
 * the admin page's (everyone's, with an owner column), named by the heading `labelledBy`.
 */
export function ApiKeyTable({
  keys,
  labelledBy,
  testId,
  onRevoke,
}: {
  keys: readonly ListedKey[];
  labelledBy: string;
  testId: string;
  onRevoke: (key: ListedKey) => void;
}) {
  const now = new Date();
  const owners = keys.some((k) => k.ownerEmail !== undefined);
  return (
    <table
      data-testid={testId}
      // On a phone a table scrolls sideways in its own box (globals.css): in the Tab order, so a
      // keyboard can scroll it even when no row has a button, and named by its heading.
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region takes the focus (WCAG 2.1.1)
      tabIndex={0}
      aria-labelledby={labelledBy}
    >
      <thead>
        <tr>
          {owners ? <th scope="col">Owner</th> : null}
          <th scope="col">Name</th>
          <th scope="col">Key</th>
          <th scope="col">May</th>
          <th scope="col">Created</th>
          <th scope="col">Expires</th>
          <th scope="col">Last used</th>
          <th scope="col">State</th>
        </tr>
      </thead>
      <tbody>
        {keys.map((key) => {
          const state = keyState(key, now);
          const named = owners ? `${key.ownerEmail}'s key ${key.name ?? ''}` : (key.name ?? 'key');
          return (
            <tr key={key.id}>
              {owners ? <td>{key.ownerEmail}</td> : null}
              <td>{key.name}</td>
              <td>
                <code>{key.start ?? ''}…</code>
              </td>
              <td>{key.scopes.join(', ') || 'nothing'}</td>
              <td>{formatTime(key.createdAt)}</td>
              <td>{key.expiresAt ? formatTime(key.expiresAt) : 'never'}</td>
              <td>{formatTime(key.lastRequest)}</td>
              <td>
                {state === 'active' ? (
                  <button
                    type="button"
                    onClick={() => onRevoke(key)}
                    aria-label={`Revoke ${named}`}
                  >
                    Revoke
                  </button>
                ) : (
                  <span className="muted">{state}</span>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
