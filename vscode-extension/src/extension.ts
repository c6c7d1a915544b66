/**
 * Entry point: wires the output channel, status bar, markdown views, language client and
 * commands, and forwards `coderLsp.*` setting changes (restart for server path/args,
 * didChangeConfiguration for the rest).
 */
import * as vscode from "vscode";
import { ServerController } from "./client";
import { registerCommands } from "./commands";
import { FocusReporter } from "./focus";
import { MarkdownViews } from "./markdownViews";
import { NextEditController } from "./nextEdit";
import { changedSettings } from "./settings";
import { StatusBar } from "./statusBar";

let controller: ServerController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("coder-lsp", { log: true });
  const status = new StatusBar();
  const views = new MarkdownViews();
  controller = new ServerController(output, status);
  controller.onMarkdownResult((title, markdown) => void views.show(title, markdown));
  context.subscriptions.push(output, status, views, controller);
  registerCommands(context, controller, views, output);
  context.subscriptions.push(new NextEditController(controller), new FocusReporter(controller));
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      const change = changedSettings((section) => event.affectsConfiguration(section));
      if (change === "restart") void controller?.restart();
      else if (change === "notify") void controller?.settingsChanged();
    }),
  );
  await controller.start();
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
}
