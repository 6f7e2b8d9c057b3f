/**
 * The size of a GraphQL result as JSON, counted without building the text and given up as soon as
 * it passes a limit, so an oversized result costs no second copy (docs/design.md "GraphQL API").
 * Strings count their UTF-16 length plus quotes: escapes make the JSON text slightly longer, so the
 * count is a lower bound within a few per cent for our payloads (PNG data URLs are plain ASCII).
 */
export function jsonSizeExceeds(value: unknown, limit: number): boolean {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') size += v.length + 2;
    else if (typeof v === 'number' || typeof v === 'boolean') size += String(v).length;
    else if (v === null || v === undefined) size += 4;
    else if (Array.isArray(v)) {
      size += 2 + v.length;
      for (const item of v) stack.push(item);
    } else if (typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>);
      size += 2 + entries.length;
      for (const [key, item] of entries) {
        size += key.length + 3;
        stack.push(item);
      }
    }
    if (size > limit) return true;
  }
  return false;
}
