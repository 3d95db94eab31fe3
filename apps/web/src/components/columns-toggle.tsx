/**
 * A board's "every column" switch. On a narrow screen a board shows what it is for (rank, model,
 * the score with its interval) and hides its other columns, so that nothing scrolls sideways;
 * this checkbox brings them back, in the table's own scrolling box. A checkbox and CSS (see
 * `.columns-toggle` in globals.css): no script. Hidden on wide screens, where every column shows.
 */
export function ColumnsToggle({ id }: { id: string }) {
  return (
    <>
      <input type="checkbox" id={id} className="columns-toggle" />
      <label htmlFor={id} className="columns-toggle-label" data-testid="columns-toggle">
        Show every column
      </label>
    </>
  );
}
