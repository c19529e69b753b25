export type Figure = string | number;

/**
 * Prints a benchmark's result the same way for every bench: an aligned table for
 * people, then one last line of `key=value` figures for scripts.
 */
export function printBench(
  title: string,
  rows: Record<string, Figure>[],
  figures: Record<string, Figure>,
): void {
  printTable(title, rows);
  console.log(
    Object.entries(figures)
      .map(([k, v]) => `${k}=${formatFigure(v)}`)
      .join(' '),
  );
}

/** An aligned table under a title, for a bench that shows more than one before its figures. */
export function printTable(title: string, rows: Record<string, Figure>[]): void {
  console.log(`\n${title}\n`);
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cells = [columns, ...rows.map((row) => columns.map((c) => formatFigure(row[c] ?? '')))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => String(line[i]).length)));
  for (const [n, line] of cells.entries()) {
    console.log(line.map((cell, i) => String(cell).padStart(widths[i] ?? 0)).join('  '));
    if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  console.log('');
}

function formatFigure(value: Figure): string {
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3);
}
