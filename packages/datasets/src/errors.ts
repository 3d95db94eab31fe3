/**
 * A refused import. `where` names the file and line (or folder) at fault, so the message can
 * point a researcher straight at the record to fix.
 */
export class ImportError extends Error {
  override name = 'ImportError';
  constructor(
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${where}: ${problem}`);
  }
}
