/**
 * Restart with a limit: the server is restarted after a crash unless it crashed
 * `maxCrashes` times within `windowMs`; then the extension stops and says so.
 */
export class RestartPolicy {
  private crashes: number[] = [];

  constructor(
    readonly maxCrashes = 4,
    readonly windowMs = 3 * 60_000,
  ) {}

  /** Records a crash at `now`; true when one more restart is allowed. */
  recordCrash(now: number): boolean {
    this.crashes = this.crashes.filter((time) => now - time < this.windowMs);
    this.crashes.push(now);
    return this.crashes.length <= this.maxCrashes;
  }

  get recentCrashes(): number {
    return this.crashes.length;
  }

  reset(): void {
    this.crashes = [];
  }
}
