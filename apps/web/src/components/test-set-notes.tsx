/** What a visitor is told of a public benchmark on the board: its answers can be looked up. */
export function PublicTestSetNote() {
  return (
    <p className="muted" data-testid="public-test-set">
      Public test set: its labels are published (or can be regenerated from a published seed), so a
      score here could have been looked up. The <a href="/ranked">ranked board</a> scores every run
      on a fresh secret draw of its own.
    </p>
  );
}

/** What a visitor is told of a retired benchmark version: history, no longer submitted to. */
export function RetiredVersionNote() {
  return (
    <p className="badge" data-testid="retired-version">
      Retired: this fixed hidden test split leaked its answer key a little with every score asked of
      it, so it takes no more submissions; its board is kept as history. Ranked runs replaced it:
      each draws fresh episodes of its own.
    </p>
  );
}
