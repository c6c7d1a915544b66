/**
 * What the next-edit preview shows for one `textDocument/copilotInlineEdit` item, without
 * VS Code: the range struck through, the new text as ghost lines after it, and whether the
 * edit is away from the cursor (then the first Tab jumps there, the second accepts). Pure,
 * so it is unit-tested without an editor.
 */
export interface WirePosition {
  line: number;
  character: number;
}

export interface InlineEditItem {
  text: string;
  textDocument: { uri: string; version: number };
  range: { start: WirePosition; end: WirePosition };
  command?: { title: string; command: string; arguments?: unknown[] };
}

export interface PreviewPlan {
  strike: { start: WirePosition; end: WirePosition } | undefined; // undefined: a pure insertion
  ghostLines: string[]; // the inserted text, line by line (empty: a pure deletion)
  jumpFirst: boolean;
}

/** Lines between the cursor and the edit beyond which the edit is offered as a jump first. */
export const JUMP_LINES = 2;

export function planPreview(item: InlineEditItem, cursorLine: number): PreviewPlan {
  const { start, end } = item.range;
  const empty = start.line === end.line && start.character === end.character;
  const ghostLines = item.text === "" ? [] : item.text.split(/\r\n|\r|\n/);
  const away = cursorLine < start.line - JUMP_LINES || cursorLine > end.line + JUMP_LINES;
  return { strike: empty ? undefined : { start, end }, ghostLines, jumpFirst: away };
}

/** The one item to show from an answer, if it is for `version` of `uri` (never a stale one). */
export function itemFor(answer: unknown, uri: string, version: number): InlineEditItem | undefined {
  const edits = (answer as { edits?: InlineEditItem[] } | null)?.edits;
  const item = Array.isArray(edits) ? edits[0] : undefined;
  if (!item || item.textDocument?.uri !== uri || item.textDocument.version !== version) return undefined;
  return typeof item.text === "string" && item.range ? item : undefined;
}
