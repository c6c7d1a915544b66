/**
 * Tells the server where the user is looking: `coderLsp/didFocus` with the document and the
 * cursor, once the cursor has settled (`SETTLE_MS`) in a newly focused editor or in another
 * region of the same one (`focusPlan.ts` decides). The server then evaluates the prompt a
 * completion there would use while the model is idle, so the first keystroke finds it ready.
 */
import * as vscode from "vscode";
import type { ServerController } from "./client";
import { FocusTracker } from "./focusPlan";

const SETTLE_MS = 300;

export class FocusReporter implements vscode.Disposable {
  private readonly tracker = new FocusTracker();
  private timer: NodeJS.Timeout | undefined;
  private reportedTo: unknown; // the client last reported to: a restarted server knows nothing
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly controller: ServerController) {
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor((editor) => this.schedule(editor)),
      vscode.window.onDidChangeTextEditorSelection((event) => this.schedule(event.textEditor)),
    );
    this.schedule(vscode.window.activeTextEditor);
  }

  private schedule(editor: vscode.TextEditor | undefined): void {
    clearTimeout(this.timer);
    if (editor) this.timer = setTimeout(() => this.report(editor), SETTLE_MS);
  }

  private report(editor: vscode.TextEditor): void {
    const client = this.controller.client;
    if (!client || !client.isRunning() || vscode.window.activeTextEditor !== editor) return;
    if (client !== this.reportedTo) this.tracker.reset();
    this.reportedTo = client;
    const { document } = editor;
    const uri = client.code2ProtocolConverter.asUri(document.uri);
    const cursor = editor.selection.active;
    if (!this.tracker.shouldReport(uri, cursor.line)) return;
    void client.sendNotification("coderLsp/didFocus", {
      textDocument: { uri, version: document.version },
      position: { line: cursor.line, character: cursor.character },
    }).catch(() => this.tracker.reset());
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const disposable of this.disposables) disposable.dispose();
  }
}
