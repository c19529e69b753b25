/** What a CSV cell may hold; null and undefined are empty cells. */
export type CsvCell = string | number | boolean | null | undefined;

// OWASP "CSV Injection": a spreadsheet reads a cell starting with one of these as a formula (tab
// and CR because some programs strip them and read on).
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One cell. Strings are always quoted (ids are strings end to end: they exceed
 * 2^53, and a spreadsheet must keep them as text) with `"` doubled, and a
 * string that a spreadsheet would take for a formula gets a leading `'`, as
 * OWASP advises: text from X (posts, author names) reaches these files.
 * Numbers and booleans, which the program writes, stay bare.
 */
export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return `"${text.replaceAll('"', '""')}"`;
}

/** RFC 4180 CSV, CRLF line ends: a header row, then the rows; every cell through {@link csvCell}. */
export function toCsv(columns: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return `${[columns, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
