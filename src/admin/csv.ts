/**
 * What a spreadsheet may read as the start of a formula. OWASP's CSV Injection page
 * (owasp.org/www-community/attacks/CSV_Injection) lists =, +, -, @, tab (0x09), carriage return (0x0D)
 * and line feed (0x0A). Where a spreadsheet runs with a Japanese or other East Asian input setup, the
 * full-width forms (＝ U+FF1D, ＋ U+FF0B, － U+FF0D, ＠ U+FF20) are read as the same characters, so
 * they start formulas too.
 */
const FORMULA_START = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * One CSV field (RFC 4180 quoting). A text that a spreadsheet would run as a formula is prefixed with a
 * quote (OWASP's advice): customers write these comments, and Zendesk names end up in the breakdowns.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return "";
  if (typeof value === "number") return String(value);
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csv(header: string[], rows: Array<Array<string | number | null>>): string {
  return [header, ...rows].map((r) => r.map(csvField).join(",")).join("\r\n") + "\r\n";
}
