// Small state files (the epoch record, a lock's holder) are JSON objects written by wg-compose
// itself; anything else in their place is treated as absent or foreign by the caller.

/** The JSON object `text` holds; undefined when it is not JSON or not an object. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
}
