import assert from "node:assert/strict";
import { test } from "node:test";
import { RestartPolicy } from "../src/restartPolicy";
import { commitMessageOf, markdownOf } from "../src/results";
import { deviceLabel, modelLabel, statusView } from "../src/statusText";

test("ready shows the model file name and GPU or CPU", () => {
  assert.equal(statusView({ state: "ready", model: "/models/deepseek-coder-v2-lite.Q4_K_M.gguf", device: "cuda" }).text, "$(sparkle) deepseek-coder-v2-lite.Q4_K_M · GPU");
  assert.equal(statusView({ state: "ready", model: "smollm2", device: "cpu" }).text, "$(sparkle) smollm2 · CPU");
});

test("device labels", () => {
  assert.equal(deviceLabel("CUDA0"), "GPU");
  assert.equal(deviceLabel("metal"), "GPU");
  assert.equal(deviceLabel("CPU (8 threads)"), "CPU");
  assert.equal(deviceLabel("http://vllm:8000"), "http://vllm:8000");
  assert.equal(deviceLabel(undefined), "");
  assert.equal(modelLabel("C:\\m\\x.GGUF"), "x");
});

test("loading spins, error is marked and carries the message", () => {
  assert.match(statusView({ state: "loading", model: "a.gguf" }).text, /loading~spin.*loading a/);
  const error = statusView({ state: "error", message: "model file not found: /x.gguf" });
  assert.equal(error.isError, true);
  assert.match(error.tooltip, /model file not found/);
  assert.equal(statusView({ state: "missing" }).isError, true);
  assert.equal(statusView({ state: "busy" }).isError, false);
  const idle = statusView({ state: "unloaded", message: "model unloaded after 15 min without requests" });
  assert.equal(idle.isError, false);
  assert.match(idle.text, /idle/);
  assert.match(idle.tooltip, /next request reloads it/);
});

test("restart policy allows maxCrashes restarts inside the window, then stops", () => {
  const policy = new RestartPolicy(2, 1000);
  assert.equal(policy.recordCrash(0), true);
  assert.equal(policy.recordCrash(10), true);
  assert.equal(policy.recordCrash(20), false);
  assert.equal(policy.recentCrashes, 3);
});

test("old crashes fall out of the window", () => {
  const policy = new RestartPolicy(1, 1000);
  assert.equal(policy.recordCrash(0), true);
  assert.equal(policy.recordCrash(5000), true);
  policy.reset();
  assert.equal(policy.recentCrashes, 0);
});

test("command results: strings, MarkupContent and wrapped objects", () => {
  assert.equal(markdownOf("# Why"), "# Why");
  assert.equal(markdownOf({ kind: "markdown", value: "**x**" }), "**x**");
  assert.equal(markdownOf({ explanation: "because" }), "because");
  assert.match(markdownOf({ other: 1 }), /```json/);
  assert.equal(commitMessageOf("  feat: x\n\nbody\n"), "feat: x\n\nbody");
  assert.equal(commitMessageOf({ message: "fix: y" }), "fix: y");
  assert.equal(commitMessageOf(""), undefined);
  assert.equal(commitMessageOf(null), undefined);
});
