import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { RESTART_KEYS, SERVER_KEYS } from "../src/settings";

const manifest = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"));
const CLIENT_ONLY = ["trace.server", ...RESTART_KEYS];

test("every coderLsp.* setting is either sent to the server or used by the client", () => {
  const declared = Object.keys(manifest.contributes.configuration.properties).map((key) => key.replace(/^coderLsp\./, ""));
  const known = new Set<string>([...SERVER_KEYS, ...CLIENT_ONLY]);
  assert.deepEqual(declared.filter((key) => !known.has(key)), []);
  assert.deepEqual([...SERVER_KEYS].filter((key) => !declared.includes(key)), []);
});

test("every command the code calls is declared with a title", () => {
  const declared = new Set(manifest.contributes.commands.map((c: { command: string; title: string }) => c.command));
  for (const id of ["coderLsp.explainError", "coderLsp.fixError", "coderLsp.fillCommitMessage", "coderLsp.installGitHook",
    "coderLsp.showStatus", "coderLsp.restartServer", "coderLsp.showInstallHelp", "coderLsp.chooseModel"]) {
    assert.ok(declared.has(id), id);
  }
});

test("no extension command shadows a server command (the client registers those itself)", () => {
  const serverCommands = ["coderLsp.explainDiagnostic", "coderLsp.fixDiagnostic", "coderLsp.status", "coderLsp.generateCommitMessage",
    "coderLsp.listModels", "coderLsp.useModel"];
  const declared = manifest.contributes.commands.map((c: { command: string }) => c.command);
  assert.deepEqual(declared.filter((id: string) => serverCommands.includes(id)), []);
});
