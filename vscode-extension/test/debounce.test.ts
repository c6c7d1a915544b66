import assert from "node:assert/strict";
import { test } from "node:test";
import { waitUnlessCancelled, type CancellationLike } from "../src/debounce";

class Token implements CancellationLike {
  isCancellationRequested = false;
  private listeners: (() => void)[] = [];
  disposed = 0;

  onCancellationRequested(listener: () => void) {
    this.listeners.push(listener);
    return { dispose: () => { this.disposed += 1; } };
  }

  cancel(): void {
    this.isCancellationRequested = true;
    this.listeners.forEach((listener) => listener());
  }
}

test("waits the debounce when nobody cancels, and frees its listener", async () => {
  const token = new Token();
  assert.equal(await waitUnlessCancelled(20, token), true);
  assert.equal(token.disposed, 1);
});

test("a keystroke during the debounce cancels at once: no request is sent", async () => {
  // A ten-minute debounce: only an immediate answer to the cancel lets this test finish.
  const token = new Token();
  const waiting = waitUnlessCancelled(600_000, token);
  setTimeout(() => token.cancel(), 5);
  assert.equal(await waiting, false);
});

test("an already cancelled request never waits; zero debounce never waits", async () => {
  const token = new Token();
  assert.equal(await waitUnlessCancelled(0, token), true);
  token.cancel();
  assert.equal(await waitUnlessCancelled(10_000, token), false);
});
