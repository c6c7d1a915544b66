import assert from "node:assert/strict";
import { test } from "node:test";
import { itemFor, planPreview, type InlineEditItem } from "../src/nextEditPlan";

const item = (text: string, start: [number, number], end: [number, number]): InlineEditItem => ({
  text,
  textDocument: { uri: "file:///a.py", version: 3 },
  range: { start: { line: start[0], character: start[1] }, end: { line: end[0], character: end[1] } },
});

test("a replacement is struck through with its new text as ghost lines", () => {
  const plan = planPreview(item("w", [1, 11], [1, 16]), 1);
  assert.deepEqual(plan, { strike: { start: { line: 1, character: 11 }, end: { line: 1, character: 16 } },
    ghostLines: ["w"], jumpFirst: false });
});

test("an insertion strikes nothing, a deletion shows no ghost, and a far edit is a jump first", () => {
  assert.equal(planPreview(item("x\ny", [4, 0], [4, 0]), 4).strike, undefined);
  assert.deepEqual(planPreview(item("x\ny", [4, 0], [4, 0]), 4).ghostLines, ["x", "y"]);
  assert.deepEqual(planPreview(item("", [4, 0], [4, 3]), 4).ghostLines, []);
  assert.equal(planPreview(item("w", [20, 0], [20, 5]), 2).jumpFirst, true);
});

test("only an item for this document version is shown", () => {
  const answer = { edits: [item("w", [1, 11], [1, 16])] };
  assert.equal(itemFor(answer, "file:///a.py", 3), answer.edits[0]);
  assert.equal(itemFor(answer, "file:///a.py", 4), undefined);
  assert.equal(itemFor(answer, "file:///b.py", 3), undefined);
  assert.equal(itemFor({ edits: [] }, "file:///a.py", 3), undefined);
  assert.equal(itemFor(null, "file:///a.py", 3), undefined);
});
