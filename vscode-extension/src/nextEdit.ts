/**
 * Next-edit suggestions in VS Code: after a pause in typing (or on `coderLsp.nextEdit`), ask
 * the server (`textDocument/copilotInlineEdit`) for the edit that follows the recent ones and
 * preview it in place with decorations: the replaced text struck through, the new text as
 * ghost text after it. Tab accepts (an edit away from the cursor is a jump first, then an
 * accept), Escape dismisses, typing drops it. Only an answer for the document's current
 * version is shown, and accepting tells the server (the item's command), so its edit history
 * marks the change as an accepted suggestion. What to draw is `nextEditPlan.ts`.
 */
import * as vscode from "vscode";
import type { ServerController } from "./client";
import { itemFor, planPreview, type InlineEditItem } from "./nextEditPlan";

const VISIBLE = "coderLsp.nextEditVisible";
const PAUSE_MS = 400;

export class NextEditController implements vscode.Disposable {
  private readonly strike = vscode.window.createTextEditorDecorationType({
    textDecoration: "line-through", opacity: "0.6",
    backgroundColor: new vscode.ThemeColor("diffEditor.removedTextBackground"),
  });
  private readonly ghost = vscode.window.createTextEditorDecorationType({});
  private shown: { editor: vscode.TextEditor; item: InlineEditItem; jumpFirst: boolean } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pending: vscode.CancellationTokenSource | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly controller: ServerController) {
    this.disposables.push(
      vscode.commands.registerCommand("coderLsp.nextEdit", () => this.request()),
      vscode.commands.registerCommand("coderLsp.acceptNextEdit", () => this.accept()),
      vscode.commands.registerCommand("coderLsp.dismissNextEdit", () => this.dismiss()),
      vscode.workspace.onDidChangeTextDocument((event) => this.changed(event.document)),
    );
  }

  private changed(document: vscode.TextDocument): void {
    if (this.shown?.editor.document === document) this.dismiss();
    if (vscode.window.activeTextEditor?.document !== document) return;
    if (!vscode.workspace.getConfiguration("coderLsp").get<boolean>("nextEdit.enable", true)) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.request(), PAUSE_MS);
  }

  async request(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const client = this.controller.client;
    if (!editor || !client) return;
    this.pending?.cancel();
    const source = (this.pending = new vscode.CancellationTokenSource());
    const { document } = editor;
    const version = document.version;
    const uri = client.code2ProtocolConverter.asUri(document.uri);
    const position = editor.selection.active;
    try {
      const answer = await client.sendRequest("textDocument/copilotInlineEdit", {
        textDocument: { uri, version }, position: { line: position.line, character: position.character },
      }, source.token);
      const item = itemFor(answer, uri, version);
      if (item && document.version === version && vscode.window.activeTextEditor === editor) this.show(editor, item);
    } catch {
      // cancelled by a newer request or the server went away: silence, as for no suggestion
    }
  }

  private show(editor: vscode.TextEditor, item: InlineEditItem): void {
    const plan = planPreview(item, editor.selection.active.line);
    const range = (r: { start: { line: number; character: number }; end: { line: number; character: number } }) =>
      new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
    editor.setDecorations(this.strike, plan.strike ? [range(plan.strike)] : []);
    const at = new vscode.Range(item.range.end.line, item.range.end.character, item.range.end.line, item.range.end.character);
    const shownText = plan.ghostLines.join(" ⏎ ");
    editor.setDecorations(this.ghost, shownText ? [{
      range: at,
      hoverMessage: new vscode.MarkdownString().appendCodeblock(item.text, editor.document.languageId),
      renderOptions: { after: { contentText: shownText, color: new vscode.ThemeColor("editorGhostText.foreground"),
        backgroundColor: new vscode.ThemeColor("diffEditor.insertedTextBackground") } },
    }] : []);
    this.shown = { editor, item, jumpFirst: plan.jumpFirst };
    void vscode.commands.executeCommand("setContext", VISIBLE, true);
    void this.controller.client?.sendNotification("textDocument/didShowInlineEdit", { item });
  }

  async accept(): Promise<void> {
    const shown = this.shown;
    if (!shown) return;
    const { editor, item } = shown;
    const start = new vscode.Position(item.range.start.line, item.range.start.character);
    if (shown.jumpFirst) {
      shown.jumpFirst = false;
      editor.selection = new vscode.Selection(start, start);
      editor.revealRange(new vscode.Range(start, start), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      return;
    }
    this.dismiss();
    if (editor.document.version !== item.textDocument.version) return;
    const end = new vscode.Position(item.range.end.line, item.range.end.character);
    const applied = await editor.edit((builder) => builder.replace(new vscode.Range(start, end), item.text));
    if (applied && item.command) {
      await vscode.commands.executeCommand(item.command.command, ...(item.command.arguments ?? []));
    }
  }

  dismiss(): void {
    if (!this.shown) return;
    this.shown.editor.setDecorations(this.strike, []);
    this.shown.editor.setDecorations(this.ghost, []);
    this.shown = undefined;
    void vscode.commands.executeCommand("setContext", VISIBLE, false);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.pending?.cancel();
    this.dismiss();
    this.strike.dispose();
    this.ghost.dispose();
    this.disposables.forEach((d) => d.dispose());
  }
}
