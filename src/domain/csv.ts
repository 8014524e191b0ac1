/** A CSV cell before encoding: text, a number, a flag, or nothing (an empty cell). */
export type CsvCell = string | number | boolean | null;

/** First characters that make a spreadsheet read a cell as a formula (or hide one). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One cell of RFC 4180 CSV. Text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab,
 * carriage return first: OWASP "CSV injection") gets a leading `'`, so a name typed by a user
 * cannot run in an administrator's spreadsheet; then cells holding a comma, quote, CR or LF are
 * quoted, with quotes doubled.
 */
export function csvCell(value: CsvCell): string {
  if (value === null) return '';
  const text = typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 CSV of a header row and data rows: CRLF after every record. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly CsvCell[]>): string {
  return [header, ...rows].map((row) => `${row.map(csvCell).join(',')}\r\n`).join('');
}
