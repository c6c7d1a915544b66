import assert from "node:assert/strict";
import { test } from "node:test";
import { FocusTracker, REGION_LINES } from "../src/focusPlan";

test("a new document is reported, moves within a region are not, another region is", () => {
  const tracker = new FocusTracker();
  assert.equal(tracker.shouldReport("file:///a.py", 10), true);
  assert.equal(tracker.shouldReport("file:///a.py", 10), false); // typing on the line
  assert.equal(tracker.shouldReport("file:///a.py", 11), false); // Enter
  assert.equal(tracker.shouldReport("file:///a.py", 10 + REGION_LINES), true);
  assert.equal(tracker.shouldReport("file:///b.py", 10 + REGION_LINES), true); // another file
  assert.equal(tracker.shouldReport("file:///a.py", 10 + REGION_LINES), true); // and back
});

test("after a reset the same place is reported again", () => {
  const tracker = new FocusTracker();
  assert.equal(tracker.shouldReport("file:///a.py", 3), true);
  tracker.reset();
  assert.equal(tracker.shouldReport("file:///a.py", 3), true);
});
