/**
 * When to tell the server where the user is looking (`coderLsp/didFocus`, so it can evaluate
 * that prompt while idle): on another document, or when the cursor settles at least
 * `REGION_LINES` lines from where it was last reported; never on each keystroke, which moves
 * the cursor within a line or to the next one. Pure, so it is unit-tested without VS Code.
 */

/** Lines the cursor must move, in one document, to count as another region. */
export const REGION_LINES = 16;

export class FocusTracker {
  private last: { uri: string; line: number } | undefined;

  /** True if a focus at `line` of `uri` should be reported (and remembers it as reported). */
  shouldReport(uri: string, line: number): boolean {
    const last = this.last;
    if (last && last.uri === uri && Math.abs(last.line - line) < REGION_LINES) return false;
    this.last = { uri, line };
    return true;
  }

  /** Forget the last report (the server restarted: it knows nothing). */
  reset(): void {
    this.last = undefined;
  }
}
