/**
 * The slice of the built-in `vscode.git` extension's API (version 1) that the commit
 * command uses: find the repository for a folder and fill its commit input box.
 */
import * as vscode from "vscode";

export interface GitRepository {
  readonly rootUri: vscode.Uri;
  readonly inputBox: { value: string };
}

interface GitApi {
  readonly repositories: GitRepository[];
  getRepository(uri: vscode.Uri): GitRepository | null;
}

interface GitExtension {
  readonly enabled: boolean;
  getAPI(version: 1): GitApi;
}

export type RepositoryLookup = { repository: GitRepository } | { reason: string };

/** The repository for the SCM view the command came from, the active file, or the only one. */
export async function findRepository(scmRootUri?: vscode.Uri): Promise<RepositoryLookup> {
  const extension = vscode.extensions.getExtension<GitExtension>("vscode.git");
  if (!extension) {
    return { reason: "the built-in Git extension is not installed, so the commit box cannot be filled." };
  }
  const exports = extension.isActive ? extension.exports : await extension.activate();
  if (!exports.enabled) {
    return { reason: "Git is disabled (setting git.enabled) or the git executable was not found." };
  }
  const api = exports.getAPI(1);
  const hint = scmRootUri ?? vscode.window.activeTextEditor?.document.uri;
  const fromHint = hint ? api.getRepository(hint) : null;
  const repository = fromHint ?? api.repositories[0];
  if (!repository) {
    return { reason: "this workspace is not a git repository. Run `git init` (or open a folder inside a repository), stage changes, then try again." };
  }
  return { repository };
}
