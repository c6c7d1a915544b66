/**
 * Reading the server's command results, whose exact shape is the server's business:
 * the explanation (markdown) and the commit message may come as a plain string or
 * wrapped in an object. Pure, unit-tested.
 */

function firstString(result: unknown, keys: string[]): string | undefined {
  if (typeof result === "string") return result;
  if (result && typeof result === "object") {
    const record = result as Record<string, unknown>;
    for (const key of keys) {
      const value = record[key];
      if (typeof value === "string") return value;
      if (value && typeof value === "object" && typeof (value as Record<string, unknown>).value === "string") {
        return (value as Record<string, string>).value;
      }
    }
  }
  return undefined;
}

/** A string, MarkupContent, or {markdown | explanation | text | message}. */
export function markdownOf(result: unknown): string {
  return firstString(result, ["value", "markdown", "explanation", "contents", "text", "message"]) ?? "```json\n" + JSON.stringify(result, null, 2) + "\n```";
}

/** A string or {message | text}; undefined when there is nothing to put in the box. */
export function commitMessageOf(result: unknown): string | undefined {
  const text = firstString(result, ["message", "text", "value"]);
  return text?.trim() ? text.trim() : undefined;
}
