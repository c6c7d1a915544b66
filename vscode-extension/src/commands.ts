/**
 * The user-facing commands: Explain this error and Fix this error (through the server's
 * code actions for the diagnostic at the cursor), Generate commit message (into the Git
 * view's input box), Install git hook, Show status and logs, Restart server, Choose Model
 * (a quick pick over the server's coderLsp.listModels; the choice goes to coderLsp.useModel).
 */
import { execFile } from "node:child_process";
import * as vscode from "vscode";
import { CodeActionRequest, CodeActionResolveRequest, type CodeAction, type Command } from "vscode-languageclient/node";
import type { ServerController } from "./client";
import { INSTALL_HELP } from "./discovery";
import { findRepository } from "./git";
import type { MarkdownViews } from "./markdownViews";
import { modelItems, useModelMessage, type ModelChoices } from "./modelPicker";
import { commitMessageOf, markdownOf } from "./results";

const EXPLAIN = "coderLsp.explainDiagnostic";

function diagnosticAtCursor(editor: vscode.TextEditor): vscode.Diagnostic | undefined {
  const position = editor.selection.active;
  const all = vscode.languages.getDiagnostics(editor.document.uri);
  return all.find((d) => d.range.contains(position)) ?? all.find((d) => d.range.start.line === position.line);
}

function isCommand(item: Command | CodeAction): item is Command {
  return typeof (item as Command).command === "string";
}

/** The server's code actions for the diagnostic at the cursor, or a reason there are none. */
async function serverActions(controller: ServerController, token: vscode.CancellationToken) {
  const editor = vscode.window.activeTextEditor;
  const client = controller.client;
  if (!editor || !client?.isRunning()) {
    return { reason: editor ? "the coder-lsp server is not running." : "open a file with an error first." };
  }
  const diagnostic = diagnosticAtCursor(editor);
  if (!diagnostic) {
    return { reason: "there is no error or warning at the cursor." };
  }
  const c2p = client.code2ProtocolConverter;
  const context = await c2p.asCodeActionContext({ diagnostics: [diagnostic], only: undefined, triggerKind: vscode.CodeActionTriggerKind.Invoke }, token);
  const params = { textDocument: c2p.asTextDocumentIdentifier(editor.document), range: c2p.asRange(diagnostic.range), context };
  const actions = (await client.sendRequest(CodeActionRequest.type, params, token)) ?? [];
  return { actions, editor };
}

export function registerCommands(context: vscode.ExtensionContext, controller: ServerController, views: MarkdownViews, output: vscode.LogOutputChannel): void {
  const register = (id: string, run: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, run));
  const progress = <T>(title: string, location: vscode.ProgressLocation, work: (token: vscode.CancellationToken) => Thenable<T>) =>
    vscode.window.withProgress({ location, title, cancellable: location === vscode.ProgressLocation.Notification }, (_p, token) => work(token));

  register("coderLsp.explainError", () =>
    progress("coder-lsp: explaining the error…", vscode.ProgressLocation.Notification, async (token) => {
      const found = await serverActions(controller, token);
      if ("reason" in found) return void vscode.window.showInformationMessage(`coder-lsp: ${found.reason}`);
      const explain = found.actions.map((a) => (isCommand(a) ? a : a.command)).find((c) => c?.command === EXPLAIN);
      if (!explain) return void vscode.window.showInformationMessage("coder-lsp: the server offers no explanation here.");
      const result = await controller.executeServerCommand(explain.command, explain.arguments, token);
      if (!token.isCancellationRequested) await views.show("Explanation", markdownOf(result));
    }),
  );

  register("coderLsp.fixError", () =>
    progress("coder-lsp: fixing the error…", vscode.ProgressLocation.Notification, async (token) => {
      const found = await serverActions(controller, token);
      if ("reason" in found) return void vscode.window.showInformationMessage(`coder-lsp: ${found.reason}`);
      let fix = found.actions.find((a): a is CodeAction => !isCommand(a) && a.command?.command !== EXPLAIN && (a.kind ?? "").startsWith("quickfix"));
      if (!fix) return void vscode.window.showInformationMessage("coder-lsp: the server offers no fix here.");
      const client = controller.client!;
      if (!fix.edit && fix.data !== undefined) fix = await client.sendRequest(CodeActionResolveRequest.type, fix, token);
      if (token.isCancellationRequested) return;
      if (fix.edit) await vscode.workspace.applyEdit(await client.protocol2CodeConverter.asWorkspaceEdit(fix.edit, token));
      if (fix.command) await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? []));
      if (!fix.edit && !fix.command) void vscode.window.showInformationMessage("coder-lsp: the model proposed no change.");
    }),
  );

  register("coderLsp.fillCommitMessage", async (scm?: vscode.SourceControl) => {
    const found = await findRepository(scm?.rootUri);
    if ("reason" in found) return void vscode.window.showWarningMessage(`coder-lsp: cannot write a commit message: ${found.reason}`);
    const repository = found.repository;
    await progress("coder-lsp: writing the commit message…", vscode.ProgressLocation.SourceControl, async (token) => {
      try {
        const result = await controller.executeServerCommand(
          "coderLsp.generateCommitMessage", [{ repository: repository.rootUri.fsPath, rootUri: repository.rootUri.toString() }], token);
        const message = commitMessageOf(result);
        if (message) repository.inputBox.value = message;
        else void vscode.window.showInformationMessage("coder-lsp: nothing to describe (are changes staged?).");
      } catch (error) {
        void vscode.window.showWarningMessage(`coder-lsp: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  });

  register("coderLsp.installGitHook", async () => {
    const found = await findRepository();
    if ("reason" in found) return void vscode.window.showWarningMessage(`coder-lsp: cannot install the git hook: ${found.reason}`);
    const server = controller.server;
    if (!server) return void vscode.commands.executeCommand("coderLsp.showInstallHelp");
    const prefix = server.args.slice(0, server.args.indexOf("serve"));
    execFile(server.command, [...prefix, "hook", "install"], { cwd: found.repository.rootUri.fsPath }, (error, stdout, stderr) => {
      output.info(`coder-lsp hook install: ${stdout}${stderr}`);
      if (error) void vscode.window.showErrorMessage(`coder-lsp: hook install failed: ${(stderr || error.message).trim()}`);
      else void vscode.window.showInformationMessage(`coder-lsp: ${stdout.trim() || "prepare-commit-msg hook installed."}`);
    });
  });

  register("coderLsp.showStatus", async () => {
    if (!controller.server) return void vscode.commands.executeCommand("coderLsp.showInstallHelp");
    output.info(`server: ${controller.server.command} ${controller.server.args.join(" ")}`);
    output.info(`last status: ${JSON.stringify(controller.lastStatus())}`);
    try {
      const status = await controller.executeServerCommand("coderLsp.status");
      output.info(`coderLsp.status: ${JSON.stringify(status, null, 2)}`);
      // One line last, where the panel scrolls to: what the model thread did, by kind and outcome.
      output.info(`job outcomes: ${JSON.stringify((status as { jobOutcomes?: unknown } | null)?.jobOutcomes ?? {})}`);
    } catch (error) {
      output.warn(`coderLsp.status failed: ${String(error)}`);
    }
    output.show(true);
  });

  register("coderLsp.chooseModel", async () => {
    try {
      const choices = await controller.executeServerCommand<ModelChoices>("coderLsp.listModels");
      const picked = await vscode.window.showQuickPick(modelItems(choices), {
        title: "coder-lsp: choose a model", placeHolder: "A model on this machine, or a preset to download", matchOnDescription: true, matchOnDetail: true });
      if (!picked) return;
      const said = useModelMessage(picked.value, await controller.executeServerCommand("coderLsp.useModel", [picked.value]));
      if (said.level === "error") return void vscode.window.showErrorMessage(said.text);
      if (said.level === "info") return void vscode.window.showInformationMessage(said.text);
      const clear = said.clearSetting ? "Clear coderLsp.model.path" : undefined;
      if ((await vscode.window.showWarningMessage(said.text, ...(clear ? [clear] : []))) === clear && clear) {
        const section = vscode.workspace.getConfiguration("coderLsp");
        await section.update("model.path", undefined, vscode.ConfigurationTarget.Global);
        await section.update("model.path", undefined, vscode.ConfigurationTarget.Workspace);
      }
    } catch (error) {
      void vscode.window.showWarningMessage(`coder-lsp: ${error instanceof Error ? error.message : String(error)}`);
    }
  });

  register("coderLsp.restartServer", async () => {
    if (await controller.restart()) void vscode.window.setStatusBarMessage("coder-lsp: server restarted", 3000);
  });

  register("coderLsp.showInstallHelp", () => views.show("Install coder-lsp", INSTALL_HELP));
}
