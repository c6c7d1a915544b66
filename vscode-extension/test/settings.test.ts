import assert from "node:assert/strict";
import { test } from "node:test";
import { changedSettings, serverSettings, wantsInlineCompletion, isServedDocument } from "../src/settings";

test("only the values the user set are sent, nested and camelCase", () => {
  const set: Record<string, unknown> = { debounceMs: 50, "model.path": "/m.gguf", "model.nGpuLayers": 0, "backend.kind": "openai", "backend.url": "http://h/v1" };
  assert.deepEqual(serverSettings((key) => set[key]), {
    debounceMs: 50,
    model: { path: "/m.gguf", nGpuLayers: 0 },
    backend: { kind: "openai", url: "http://h/v1" },
  });
});

test("nothing set -> an empty object, so the server keeps its defaults", () => {
  assert.deepEqual(serverSettings(() => undefined), {});
});

test("false and 0 are real values, not unset", () => {
  assert.deepEqual(serverSettings((key) => ({ enable: false, maxTokens: 0 })[key]), { enable: false, maxTokens: 0 });
});

test("client-only keys never reach the server", () => {
  const sent = serverSettings((key) => `value of ${key}`);
  assert.equal("server" in sent, false);
  assert.equal("trace" in sent, false);
});

test("maxFileBytes also goes to the server, which indexes no larger file", () => {
  assert.deepEqual(serverSettings((key) => ({ maxFileBytes: 5000 })[key]), { maxFileBytes: 5000 });
});

const python = { scheme: "file", languageId: "python", byteLength: 100 };
const rules = { enable: true, languages: {}, maxFileBytes: 1000 };

test("untitled, virtual and huge documents get no requests", () => {
  assert.equal(isServedDocument(python, 1000), true);
  assert.equal(isServedDocument({ ...python, scheme: "untitled" }, 1000), false);
  assert.equal(isServedDocument({ ...python, scheme: "git" }, 1000), false);
  assert.equal(isServedDocument({ ...python, byteLength: 1001 }, 1000), false);
});

test("inline completion follows enable and the language list", () => {
  assert.equal(wantsInlineCompletion(python, rules), true);
  assert.equal(wantsInlineCompletion(python, { ...rules, enable: false }), false);
  assert.equal(wantsInlineCompletion(python, { ...rules, languages: { python: false } }), false);
  assert.equal(wantsInlineCompletion(python, { ...rules, languages: { "*": false } }), false);
  assert.equal(wantsInlineCompletion(python, { ...rules, languages: { "*": false, python: true } }), true);
  assert.equal(wantsInlineCompletion(python, { ...rules, languages: { go: false } }), true);
  assert.equal(wantsInlineCompletion({ ...python, scheme: "vscode-notebook-cell" }, rules), false);
});

test("server path/args changes restart; other coderLsp changes notify", () => {
  assert.equal(changedSettings((s) => s === "coderLsp" || s === "coderLsp.server.path"), "restart");
  assert.equal(changedSettings((s) => s === "coderLsp" || s === "coderLsp.model.path"), "notify");
  assert.equal(changedSettings(() => false), "none");
});
