/**
 * The debounce before an inline completion request: wait, unless VS Code cancels the
 * request first (the user typed on), in which case nothing is sent at all. Pure over a
 * minimal cancellation-token shape, so it is unit-tested without VS Code.
 */
export interface CancellationLike {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

/** Resolves true after `ms`, or false as soon as the token is cancelled. */
export function waitUnlessCancelled(ms: number, token: CancellationLike): Promise<boolean> {
  if (token.isCancellationRequested) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      listener.dispose();
      resolve(!token.isCancellationRequested);
    }, ms);
    const listener = token.onCancellationRequested(() => {
      clearTimeout(timer);
      listener.dispose();
      resolve(false);
    });
  });
}
