/**
 * Reading the `coderLsp` configuration section for the client: the settings object sent to
 * the server (only values the user set), the facts about a document that decide whether
 * it is served, and where the server executable is.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as vscode from "vscode";
import { discoverServer, expandHome, type ServerCommand } from "./discovery";
import { serverSettings, type DocumentFacts } from "./settings";

export const SECTION = "coderLsp";

export function configuration(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION);
}

/** Values set by the user in any scope; unset keys stay the server's defaults. */
export function currentServerSettings(): Record<string, unknown> {
  const config = configuration();
  return serverSettings((key) => {
    const inspected = config.inspect(key);
    return inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue;
  });
}

export function facts(document: vscode.TextDocument): DocumentFacts {
  // UTF-16 length is close enough to bytes for a size guard and costs nothing.
  return { scheme: document.uri.scheme, languageId: document.languageId, byteLength: document.getText().length };
}

export function maxFileBytes(): number {
  return configuration().get<number>("maxFileBytes", 1_000_000);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function findServer(): ServerCommand | undefined {
  const config = configuration();
  const setting = config.get<string>("server.path", "");
  return discoverServer({
    settingPath: expandHome(setting, os.homedir()),
    extraArgs: config.get<string[]>("server.args", []),
    workspaceFolders: (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === "file").map((f) => f.uri.fsPath),
    envPath: process.env.PATH ?? "",
    platform: process.platform,
    isExecutable,
  });
}
