/**
 * The status bar item and the window progress for model loading, fed by the server's
 * `coderLsp/status` notifications; it remembers the last status for Show status.
 */
import * as vscode from "vscode";
import { statusView, type StatusParams } from "./statusText";

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("coderLsp.status", vscode.StatusBarAlignment.Right, 100);
  private loadingDone: (() => void) | undefined;
  private lastErrorShown = "";
  last: StatusParams = { state: "starting" };

  constructor() {
    this.item.name = "coder-lsp";
    this.item.command = "coderLsp.showStatus";
    this.update(this.last);
    this.item.show();
  }

  /** `quiet`: the caller already told the user, so an error shows no second message. */
  update(status: StatusParams, quiet = false): void {
    this.last = status;
    const view = statusView(status);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.backgroundColor = view.isError ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
    if (status.state === "loading" && !this.loadingDone) {
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: "coder-lsp: loading model" },
        () => new Promise<void>((resolve) => (this.loadingDone = resolve)),
      );
    } else if (status.state !== "loading" && this.loadingDone) {
      this.loadingDone();
      this.loadingDone = undefined;
    }
    if (status.state === "error" && !quiet && status.message && status.message !== this.lastErrorShown) {
      // Once per distinct error, never on every notification.
      this.lastErrorShown = status.message;
      // A model problem is fixed in the model settings; anything else starts from the log.
      const settings = /model|gguf/i.test(status.message) ? "coderLsp.model" : "coderLsp";
      void vscode.window.showErrorMessage(`coder-lsp: ${status.message}`, "Open settings", "Show logs").then((choice) => {
        if (choice === "Open settings") void vscode.commands.executeCommand("workbench.action.openSettings", settings);
        if (choice === "Show logs") void vscode.commands.executeCommand("coderLsp.showStatus");
      });
    }
  }

  dispose(): void {
    this.loadingDone?.();
    this.item.dispose();
  }
}
