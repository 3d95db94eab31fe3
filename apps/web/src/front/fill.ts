/**
 * Marks the requests the page cache makes to Next to (re)fill itself. The server removes it
 * from every other request, so inside Next its presence means "this answer will be kept until
 * the leaderboard changes: read the database, not the few-seconds row cache".
 */
export const FILL_HEADER = 'x-linkboard-fill';
