import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from './csv.js';

describe('CSV', () => {
  it('quotes strings, doubles their quotes and leaves numbers bare', () => {
    expect(
      toCsv(
        ['id', 'text', 'n'],
        [
          ['1283061474936598528', 'a "b", c\r\nd', 12],
          [null, undefined, -0.5],
        ],
      ),
    ).toBe('"id","text","n"\r\n"1283061474936598528","a ""b"", c\r\nd",12\r\n,,-0.5\r\n');
  });

  it('defuses every cell a spreadsheet would read as a formula (OWASP)', () => {
    expect(csvCell('=HYPERLINK("https://evil","x")')).toBe(`"'=HYPERLINK(""https://evil"",""x"")"`);
    expect(csvCell('+1+1')).toBe(`"'+1+1"`);
    expect(csvCell("-2+3+cmd|' /C calc'!A0")).toBe(`"'-2+3+cmd|' /C calc'!A0"`);
    expect(csvCell('@SUM(1+1)')).toBe(`"'@SUM(1+1)"`);
    expect(csvCell('\t=1')).toBe(`"'\t=1"`);
    expect(csvCell('\r=1')).toBe(`"'\r=1"`);
    // Only the first character counts: the rest of a cell is text once it starts as text.
    expect(csvCell('a=1')).toBe('"a=1"');
    expect(csvCell('2020-07-06T00:00:00.000-04:00')).toBe('"2020-07-06T00:00:00.000-04:00"');
  });
});
