/** What a visitor is told where a hidden test split's per-episode detail would be. */
export function HiddenSplitNote() {
  return (
    <p className="badge" data-testid="hidden-split">
      Hidden test split: its images and labels are drawn from a secret kept by this deployment, so
      its answers cannot be looked up. Per-concept scores, per-episode answers and verdicts are not
      shown (on a two-way task a verdict gives the label away); its board shows accuracy per shot
      over all pairs.
    </p>
  );
}

/** What a visitor is told of a public benchmark on the board: its answers can be looked up. */
export function PublicTestSetNote() {
  return (
    <p className="muted" data-testid="public-test-set">
      Public test set: its labels are published (or can be regenerated from a published seed), so a
      score here could have been looked up. Rank on a hidden test split where there is one.
    </p>
  );
}
