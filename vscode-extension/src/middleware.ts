/**
 * The language client's middleware: which documents reach the server (files on disk under
 * the size limit; skipped documents get no open/change/close either), the debounced inline
 * completion with its cancellation token, no duplicate completion list, the explanation
 * of a light-bulb action shown as markdown, and the `coderLsp` section answered from the
 * user's settings.
 */
import * as vscode from "vscode";
import type { Middleware } from "vscode-languageclient/node";
import { configuration, currentServerSettings, facts, maxFileBytes, SECTION } from "./config";
import { waitUnlessCancelled } from "./debounce";
import { markdownOf } from "./results";
import { isServedDocument, wantsInlineCompletion } from "./settings";

export function createMiddleware(skipped: Set<string>, onExplanation: (markdown: string) => void): Middleware {
  const served = (document: vscode.TextDocument) => isServedDocument(facts(document), maxFileBytes());
  return {
    didOpen: async (document, next) => {
      if (!served(document)) {
        skipped.add(document.uri.toString());
        return;
      }
      return next(document);
    },
    didChange: async (event, next) => (skipped.has(event.document.uri.toString()) ? undefined : next(event)),
    didSave: async (document, next) => (skipped.has(document.uri.toString()) ? undefined : next(document)),
    didClose: async (document, next) => {
      if (skipped.delete(document.uri.toString())) return;
      return next(document);
    },
    provideInlineCompletionItems: async (document, position, context, token, next) => {
      const config = configuration();
      const rules = {
        enable: config.get("enable", true) && config.get("enableInlineCompletion", true),
        languages: config.get<Record<string, boolean>>("languages", {}),
        maxFileBytes: maxFileBytes(),
      };
      if (skipped.has(document.uri.toString()) || !wantsInlineCompletion(facts(document), rules)) {
        return null;
      }
      const automatic = context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic;
      if (!(await waitUnlessCancelled(automatic ? config.get<number>("debounceMs", 75) : 0, token))) {
        return null;
      }
      // The token goes to the client, which sends $/cancelRequest when VS Code drops the request.
      return next(document, position, context, token);
    },
    // VS Code shows the same suggestion as ghost text; the server's textDocument/completion
    // fallback (for clients without inline completion) would only duplicate it in the list.
    provideCompletionItem: async () => null,
    provideCodeActions: async (document, range, context, token, next) =>
      skipped.has(document.uri.toString()) || !served(document) ? [] : next(document, range, context, token),
    // A light-bulb action runs the server command through here; show what it answers.
    executeCommand: async (command, args, next) => {
      if (command !== "coderLsp.explainDiagnostic") {
        return next(command, args);
      }
      const title = "coder-lsp: explaining the error…";
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, async () => next(command, args));
      if (result) {
        onExplanation(markdownOf(result));
      }
      return result;
    },
    workspace: {
      configuration: async (params, token, next) => {
        const answers = (await next(params, token)) as unknown[];
        if (!Array.isArray(answers)) return answers;
        return params.items.map((item, index) => (item.section === SECTION ? currentServerSettings() : answers[index]));
      },
    },
  };
}
