/**
 * Read-only markdown results (explanations, install help) as virtual documents shown in
 * VS Code's markdown preview beside the editor; a plain read-only editor if there is no preview.
 */
import * as vscode from "vscode";

export const SCHEME = "coder-lsp";

export class MarkdownViews implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(SCHEME, this);
  private counter = 0;
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? "";
  }

  async show(title: string, markdown: string): Promise<void> {
    this.counter += 1;
    const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${title.replace(/[^\w-]+/g, "-")}-${this.counter}.md` });
    this.contents.set(uri.toString(), markdown);
    try {
      await vscode.commands.executeCommand("markdown.showPreviewToSide", uri);
    } catch {
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    }
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
