/**
 * D1 refuses a bound string over 2,000,000 bytes (developers.cloudflare.com/d1/platform/limits), and
 * Miniflare does not: rows that travel to SQL as one JSON array are cut into arrays of at most
 * `maxBytes` (UTF-8) each, one statement per array. The stores name the rows' fields with one or two
 * letters (t ticket, f address fingerprint, u ticket updated at, …; each store's SQL reads them back beside the
 * column they fill): a field name repeats in every row, so short ones fit more rows in each statement.
 */
const MAX_JSON_BYTES = 1_000_000;

export function jsonChunks(rows: unknown[]): string[] {
  const maxBytes = MAX_JSON_BYTES;
  const encoder = new TextEncoder();
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 2;
  for (const row of rows) {
    const json = JSON.stringify(row);
    const bytes = encoder.encode(json).length + 1;
    if (bytes + 2 > maxBytes) throw new Error(`one row is ${bytes} bytes of JSON, over the ${maxBytes}-byte limit`);
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(`[${current.join(",")}]`);
      current = [];
      size = 2;
    }
    current.push(json);
    size += bytes;
  }
  if (current.length > 0) chunks.push(`[${current.join(",")}]`);
  return chunks;
}
