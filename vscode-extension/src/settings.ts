/**
 * The `coderLsp.*` settings: which are the server's (sent as initializationOptions and on
 * change, camelCase as the server reads them; the list is tested against the server's
 * schema) and which stay in the client (server path, trace), plus the rule for which
 * documents get requests at all (the client also reads maxFileBytes for that).
 * Pure: the VS Code configuration is passed in as a lookup of explicitly set values.
 */

/** Returns the value the user set (any scope), or undefined to leave the server's default. */
export type SettingLookup = (key: string) => unknown;

/** Server keys, as dotted paths under `coderLsp`. */
export const SERVER_KEYS = [
  "enable",
  "languages",
  "enableInlineCompletion",
  "enableCodeActions",
  "debounceMs",
  "maxTokens",
  "contextBudget",
  "latencyBudgetMs",
  "multiline",
  "speculative",
  "contextGuidance",
  "chatMaxTokens",
  "index.exclude",
  "nextEdit.enable",
  "nextEdit.aggressiveness",
  "nextEdit.historySize",
  "secretFiles",
  "maxFileBytes",
  "model.path",
  "model.repo",
  "model.file",
  "model.nCtx",
  "model.nGpuLayers",
  "model.threads",
  "model.flashAttention",
  "model.promptFormat",
  "model.fimOrder",
  "model.timeoutS",
  "model.keepAliveMinutes",
  "model.stateCacheMb",
  "chatModel.path",
  "chatModel.repo",
  "chatModel.file",
  "backend.kind",
  "backend.url",
  "backend.apiKey",
  "backend.model",
] as const;

/** Client-only keys whose change needs a server restart. */
export const RESTART_KEYS = ["server.path", "server.args"] as const;

export type ServerSettings = Record<string, unknown>;

/** Nested camelCase object of the values the user set; unset keys are left to the server. */
export function serverSettings(lookup: SettingLookup): ServerSettings {
  const result: ServerSettings = {};
  for (const key of SERVER_KEYS) {
    const value = lookup(key);
    if (value === undefined) {
      continue;
    }
    const parts = key.split(".");
    let node = result;
    for (const part of parts.slice(0, -1)) {
      node = (node[part] ??= {}) as ServerSettings;
    }
    node[parts[parts.length - 1]] = value;
  }
  return result;
}

export interface DocumentFacts {
  scheme: string;
  languageId: string;
  byteLength: number;
}

export interface RequestRules {
  enable: boolean;
  /** languageId -> on/off; "*" is the default for languages not listed (on when absent). */
  languages: Record<string, boolean>;
  maxFileBytes: number;
}

/** Untitled, virtual (git:, output:, vscode-notebook-cell: ...) and very large documents get no requests. */
export function isServedDocument(doc: DocumentFacts, maxFileBytes: number): boolean {
  return doc.scheme === "file" && doc.byteLength <= maxFileBytes;
}

export function wantsInlineCompletion(doc: DocumentFacts, rules: RequestRules): boolean {
  if (!rules.enable || !isServedDocument(doc, rules.maxFileBytes)) {
    return false;
  }
  const languages = rules.languages ?? {};
  return languages[doc.languageId] ?? languages["*"] ?? true;
}

export function changedSettings(affects: (section: string) => boolean): "restart" | "notify" | "none" {
  if (RESTART_KEYS.some((key) => affects(`coderLsp.${key}`))) {
    return "restart";
  }
  return affects("coderLsp") ? "notify" : "none";
}
