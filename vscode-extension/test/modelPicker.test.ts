import assert from "node:assert/strict";
import { test } from "node:test";
import { humanSize, modelItems, useModelMessage } from "../src/modelPicker";

const CHOICES = {
  preset: { name: "cpu" },
  models: [
    { name: "Qwen/Qwen2.5-Coder-GGUF:q.gguf", path: "/hf/q.gguf", source: "huggingface", size_bytes: 1_100_000_000, quantization: "Q8_0", fim_format: "qwen", fits: true },
    { name: "broken.gguf", path: "/m/broken.gguf", source: "models", error: "not a GGUF file" },
    { name: "big.gguf", path: "/m/big.gguf", source: "models", size_bytes: 40_000_000_000, fits: false },
  ],
  presets: [
    { name: "cpu", title: "Qwen2.5-Coder-1.5B", model: { file: "qwen2.5-coder-1.5b-q8_0.gguf", size_bytes: 1_646_000_000 }, downloaded: null },
    { name: "gpu-8gb", title: "Qwen2.5-Coder-3B", model: { file: "q3b.gguf", size_bytes: 3_300_000_000 }, downloaded: "/hf/q3b.gguf" },
  ],
};

test("local models first (unreadable ones left out), then every preset with its download state", () => {
  const items = modelItems(CHOICES);
  assert.deepEqual(items.map((i) => i.value), ["Qwen/Qwen2.5-Coder-GGUF:q.gguf", "big.gguf", "cpu", "gpu-8gb"]);
  assert.equal(items[0].description, "huggingface · 1.1 GB · Q8_0 · FIM: qwen");
  assert.equal(items[0].detail, "/hf/q.gguf");
  assert.match(items[1].description, /too big for this machine$/);
  assert.equal(items[2].description, "preset cpu · download 1.6 GB · fits this machine");
  assert.equal(items[3].description, "preset gpu-8gb · downloaded");
  assert.deepEqual(modelItems(null), []);
  assert.deepEqual(modelItems({ models: [{}], presets: [{}] }), []);
});

test("sizes are decimal, as downloads are shown", () => {
  assert.equal(humanSize(1_646_000_000), "1.6 GB");
  assert.equal(humanSize(512), "512 B");
  assert.equal(humanSize(23_000_000), "23 MB");
  assert.equal(humanSize(undefined), "");
});

test("the useModel answer becomes one message; an editor setting that outranks the choice offers to clear it", () => {
  assert.deepEqual(useModelMessage("x", { path: "/m/x.gguf" }), { level: "info", text: "coder-lsp: now using /m/x.gguf" });
  assert.equal(useModelMessage("cpu", { downloading: "cpu" }).level, "info");
  assert.deepEqual(useModelMessage("x", { error: "No model named 'x'" }), { level: "error", text: "coder-lsp: No model named 'x'" });
  const outranked = useModelMessage("x", { path: "/m/x.gguf", outrankedBy: "coderLsp.model.path" });
  assert.equal(outranked.level, "warning");
  assert.equal(outranked.clearSetting, true);
  assert.equal(useModelMessage("x", { path: "/m/x.gguf", outrankedBy: "the CODER_LSP_MODEL environment variable" }).clearSetting, false);
  assert.equal(useModelMessage("x", null).level, "info");
});
