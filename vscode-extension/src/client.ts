/**
 * The language client's life cycle: find and start `coder-lsp serve` over stdio, send the
 * `coderLsp` settings (initializationOptions and didChangeConfiguration), feed the status
 * bar from `coderLsp/status`, run server commands, and restart after crashes up to a
 * limit, then stop with one clear message.
 */
import * as vscode from "vscode";
import {
  CloseAction,
  DidChangeConfigurationNotification,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  State,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";
import { configuration, currentServerSettings, findServer, SECTION } from "./config";
import type { ServerCommand } from "./discovery";
import { createMiddleware } from "./middleware";
import { RestartPolicy } from "./restartPolicy";
import type { StatusBar } from "./statusBar";
import type { StatusParams } from "./statusText";

/**
 * The client logs its errors without raising a notification for each: a crash loop would
 * otherwise stack several per restart. This extension tells the user once, through the
 * status bar and the crash-limit message.
 */
class QuietLanguageClient extends LanguageClient {
  override error(message: string, data?: unknown): void {
    super.error(message, data, false);
  }
}

/** An inline suggestion at the cursor of the active editor, if its document was typed in. */
function askIfTypedIn(typedIn: Set<string>): void {
  const editor = vscode.window.activeTextEditor;
  if (editor && typedIn.has(editor.document.uri.toString())) {
    void vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
  }
}

export class ServerController implements vscode.Disposable {
  client: LanguageClient | undefined;
  server: ServerCommand | undefined;
  private readonly policy = new RestartPolicy();
  private readonly skipped = new Set<string>();
  private stopping = false;
  private readonly markdownHandlers: ((title: string, markdown: string) => void)[] = [];

  constructor(
    private readonly output: vscode.LogOutputChannel,
    private readonly status: StatusBar,
  ) {}

  onMarkdownResult(handler: (title: string, markdown: string) => void): void {
    this.markdownHandlers.push(handler);
  }

  /** Shows the status; a `ready` without a device is completed from `coderLsp.status`. */
  private statusChanged(params: StatusParams): void {
    this.status.update(params);
    if (params.state === "ready" && !params.device) {
      this.executeServerCommand<{ device?: string; model?: { name?: string } }>("coderLsp.status").then(
        (report) => {
          if (this.status.last === params && report?.device) this.status.update({ ...params, device: report.device });
        },
        (error) => this.output.warn(`coderLsp.status: ${String(error)}`),
      );
    }
  }

  lastStatus(): unknown {
    return this.status.last;
  }

  async start(): Promise<boolean> {
    this.server = findServer();
    if (!this.server) {
      this.status.update({ state: "missing" });
      this.output.error("coder-lsp executable not found (setting coderLsp.server.path, workspace .venv/venv, PATH)");
      const setting = configuration().get<string>("server.path", "").trim();
      const message = setting
        ? `coder-lsp: coderLsp.server.path is set to "${setting}", which is not an executable.`
        : "coder-lsp: the language server `coder-lsp` was not found (workspace .venv/venv, PATH).";
      void vscode.window
        .showErrorMessage(message, "How to install", "Open settings")
        .then((choice) => {
          if (choice === "How to install") void vscode.commands.executeCommand("coderLsp.showInstallHelp");
          if (choice === "Open settings") void vscode.commands.executeCommand("workbench.action.openSettings", "coderLsp.server.path");
        });
      return false;
    }
    this.output.info(`starting ${this.server.command} ${this.server.args.join(" ")} (found via ${this.server.source})`);
    this.status.update({ state: "starting" });
    const cwd = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === "file")?.uri.fsPath;
    const serverOptions: ServerOptions = {
      command: this.server.command,
      args: this.server.args,
      options: { cwd, env: { ...process.env, PYTHONUNBUFFERED: "1" } },
    };
    this.stopping = false;
    this.client = new QuietLanguageClient("coderLsp", "coder-lsp", serverOptions, this.clientOptions());
    this.client.onNotification("coderLsp/status", (params: StatusParams) => this.statusChanged(params));
    this.client.onDidChangeState((event) => {
      // Keep an error (crash limit, failed start) visible rather than a plain "stopped".
      if (event.newState === State.Stopped && !this.stopping && this.status.last.state !== "error") this.status.update({ state: "stopped" });
    });
    // Typing while the server starts asks nothing (no provider yet), and VS Code asks again
    // only on the next keystroke: once started, ask in the editor typed in meanwhile.
    const typedIn = new Set<string>();
    const typing = vscode.workspace.onDidChangeTextDocument((event) => typedIn.add(event.document.uri.toString()));
    try {
      await this.client.start();
      askIfTypedIn(typedIn);
      return true;
    } catch (error) {
      this.output.error(`the server failed to start: ${String(error)}`);
      if (this.status.last.state !== "error") this.status.update({ state: "error", message: "The server failed to start; see the log." });
      return false;
    } finally {
      typing.dispose();
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const client = this.client;
    this.client = undefined;
    this.skipped.clear();
    if (client && client.state !== State.Stopped) {
      try {
        await client.stop(5000);
      } catch (error) {
        this.output.warn(`stopping the server: ${String(error)}`);
      }
    }
  }

  async restart(): Promise<boolean> {
    this.policy.reset();
    await this.stop();
    return this.start();
  }

  /** Pushes the settings; the server also pulls them through workspace/configuration. */
  async settingsChanged(): Promise<void> {
    if (this.client?.isRunning()) {
      await this.client.sendNotification(DidChangeConfigurationNotification.type, { settings: { [SECTION]: currentServerSettings() } });
    }
  }

  async executeServerCommand<T>(command: string, args: unknown[] = [], token?: vscode.CancellationToken): Promise<T> {
    if (!this.client?.isRunning()) {
      throw new Error("the coder-lsp server is not running (see Show status and logs)");
    }
    return this.client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }, token) as Promise<T>;
  }

  private clientOptions(): LanguageClientOptions {
    return {
      // Only real files on disk: untitled and virtual documents never reach the server.
      documentSelector: [{ scheme: "file" }],
      initializationOptions: currentServerSettings(),
      outputChannel: this.output,
      middleware: createMiddleware(this.skipped, (markdown) => this.markdownHandlers.forEach((show) => show("Explanation", markdown))),
      // Logged, not shown: the crash limit and the status bar tell the user once.
      initializationFailedHandler: (error) => {
        this.output.error(`the server failed to initialize: ${String(error)}`);
        return false;
      },
      errorHandler: {
        error: (_error, _message, count) => ({ action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true }),
        closed: () => this.closed(),
      },
    };
  }

  private closed(): { action: CloseAction; message?: string; handled?: boolean } {
    if (this.stopping) {
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    if (this.policy.recordCrash(Date.now())) {
      this.output.warn(`the server exited unexpectedly; restarting (${this.policy.recentCrashes}/${this.policy.maxCrashes})`);
      this.status.update({ state: "starting" });
      return { action: CloseAction.Restart, handled: true };
    }
    const message = `coder-lsp: the server crashed ${this.policy.recentCrashes} times in ${this.policy.windowMs / 60000} minutes and will not be restarted.`;
    this.output.error(message);
    this.status.update({ state: "error", message: "The server keeps crashing; see the log." }, true);
    void vscode.window.showErrorMessage(message, "Show logs", "Restart server").then((choice) => {
      if (choice === "Show logs") this.output.show();
      if (choice === "Restart server") void vscode.commands.executeCommand("coderLsp.restartServer");
    });
    return { action: CloseAction.DoNotRestart, handled: true };
  }

  dispose(): void {
    void this.stop();
  }
}
