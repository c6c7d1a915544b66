import assert from "node:assert/strict";
import { test } from "node:test";
import { commandFor, discoverServer, expandHome, type DiscoveryInput } from "../src/discovery";

function input(overrides: Partial<DiscoveryInput>, executables: string[] = []): DiscoveryInput {
  return {
    settingPath: "",
    extraArgs: [],
    workspaceFolders: [],
    envPath: "",
    platform: "linux",
    isExecutable: (file) => executables.includes(file),
    ...overrides,
  };
}

test("the path setting wins, even when the workspace has a venv", () => {
  const found = discoverServer(input({ settingPath: "/opt/coder-lsp", workspaceFolders: ["/w"] }, ["/opt/coder-lsp", "/w/.venv/bin/coder-lsp"]));
  assert.deepEqual(found, { command: "/opt/coder-lsp", args: ["serve"], source: "setting" });
});

test("a setting naming no executable is not found (no fallback that would surprise)", () => {
  assert.equal(discoverServer(input({ settingPath: "/nope/coder-lsp", envPath: "/usr/bin" }, ["/usr/bin/coder-lsp"])), undefined);
});

test("a Python interpreter in the setting runs the module", () => {
  assert.deepEqual(commandFor("/w/.venv/bin/python3.11", ["--log", "x"], "setting").args, ["-m", "lsp_server", "serve", "--log", "x"]);
  assert.deepEqual(commandFor("C:\\py\\python.exe", [], "setting").args, ["-m", "lsp_server", "serve"]);
  assert.deepEqual(commandFor("/usr/bin/pythonista", [], "setting").args, ["serve"]);
});

test("workspace .venv is preferred to venv and to PATH", () => {
  const found = discoverServer(input({ workspaceFolders: ["/w"], envPath: "/usr/bin" }, ["/w/venv/bin/coder-lsp", "/w/.venv/bin/coder-lsp", "/usr/bin/coder-lsp"]));
  assert.equal(found?.command, "/w/.venv/bin/coder-lsp");
  assert.equal(found?.source, "workspace");
});

test("the second workspace folder's venv is found", () => {
  const found = discoverServer(input({ workspaceFolders: ["/a", "/b"] }, ["/b/venv/bin/coder-lsp"]));
  assert.equal(found?.command, "/b/venv/bin/coder-lsp");
});

test("PATH is searched in order, skipping empty entries", () => {
  const found = discoverServer(input({ envPath: "::/first:/second" }, ["/second/coder-lsp"]));
  assert.deepEqual(found, { command: "/second/coder-lsp", args: ["serve"], source: "path" });
});

test("Windows venvs use Scripts and .exe", () => {
  const found = discoverServer(input({ workspaceFolders: ["C:/w"], platform: "win32" }, ["C:/w/.venv/Scripts/coder-lsp.exe"]));
  assert.equal(found?.source, "workspace");
});

test("nothing found -> undefined (the extension then explains how to install)", () => {
  assert.equal(discoverServer(input({ workspaceFolders: ["/w"], envPath: "/usr/bin" })), undefined);
  assert.equal(discoverServer(input({ settingPath: "   " })), undefined);
});

test("~ in the setting is the home folder", () => {
  assert.equal(expandHome("~/bin/coder-lsp", "/home/u"), "/home/u/bin/coder-lsp");
  assert.equal(expandHome("/x/~y", "/home/u"), "/x/~y");
});
