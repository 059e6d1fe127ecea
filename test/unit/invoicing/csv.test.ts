import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { csvCell, toCsv } from '#shared/domain/invoicing/csv.js';

/** A minimal RFC 4180 reader, to check that what is written reads back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}

describe('CSV cells', () => {
  it('quotes commas, quotes and line breaks, doubling quotes', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell(null)).toBe('');
    expect(csvCell(12.5)).toBe('12.5');
  });

  it.each(['=1+1', '+1', '-1', '@A1', '\tx', '\rx'])('defuses a formula-looking text cell %j with a leading apostrophe', (value) => {
    expect(csvCell(value).replace(/^"/, '').startsWith("'")).toBe(true);
  });

  it('quotes a cell holding a semicolon or a TAB, as a semicolon-locale spreadsheet splits there', () => {
    expect(csvCell('Acme;Ltd')).toBe('"Acme;Ltd"');
    expect(csvCell('a\tb')).toBe('"a\tb"');
  });

  it("defuses a formula right after a separator inside a cell: `Acme;=cmd|' /C calc'!A0`", () => {
    // A semicolon locale splits the cell at `;` and would run the second half as a formula.
    expect(csvCell("Acme;=cmd|' /C calc'!A0")).toBe(`"Acme;'=cmd|' /C calc'!A0"`);
  });

  it.each([
    ['Acme,=1+1', `"Acme,'=1+1"`],
    ['a;+1', `"a;'+1"`],
    ['a;-1', `"a;'-1"`],
    ['a;@SUM(A1)', `"a;'@SUM(A1)"`],
    ['a; =1+1', `"a; '=1+1"`],
    ['a;\t=1', `"a;'\t=1"`],
    ['=1;=2,+3', `"'=1;'=2,'+3"`],
    ['x;;=1', `"x;;'=1"`],
  ])('defuses every formula start after a separator in %j', (value, written) => {
    expect(csvCell(value)).toBe(written);
  });

  it('replaces control characters, unpaired surrogates and bidi controls of values stored before input refused them', () => {
    expect(csvCell('Acme\u0000\u001b[31m\u007f\u0085')).toBe('Acme\ufffd\ufffd[31m\ufffd\ufffd');
    expect(csvCell('Acme \u202egnp.exe\u202c \u2066x\u2069')).toBe('Acme \ufffdgnp.exe\ufffd \ufffdx\ufffd');
    expect(csvCell('a\ud800b\udc00c 🙂')).toBe('a\ufffdb\ufffdc 🙂');
    // TAB, CR and LF stay, quoted, as RFC 4180 allows.
    expect(csvCell('two\r\nlines\tand a tab')).toBe('"two\r\nlines\tand a tab"');
  });

  it('defuses a formula that a stripped control character would have hidden', () => {
    expect(csvCell('\u0000=1+1')).toBe('\ufffd=1+1');
    expect(csvCell('a;\u202e=1+1')).toBe('"a;\ufffd=1+1"');
  });

  it('leaves separators followed by ordinary text alone, quoted', () => {
    expect(csvCell('Smith; Jones, Ltd')).toBe('"Smith; Jones, Ltd"');
  });

  it('round-trips any text through a standard reader (property), formulas defused', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string(), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }), (table) => {
        const columns = table[0]!.map((_, i) => `c${i}`);
        const rows = table.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i] ?? ''])));
        const read = parseCsv(toCsv(columns, rows, true));
        expect(read[0]).toEqual(columns);
        read.slice(1).forEach((r, i) =>
          r.forEach((cell, j) => {
            const original = rows[i]![columns[j]!] as string;
            // What was written reads back, with an apostrophe before each formula start...
            expect(cell).toBe(original.replace(/(^|[;,]) *(?=[=+\-@\t\r])/g, "$&'"));
            // ...and no piece a comma or semicolon locale would make of it starts a formula.
            for (const piece of cell.split(/[;,]/)) expect(piece.replace(/^ */, '')).not.toMatch(/^[=+\-@\t\r]/);
          }),
        );
      }),
    );
  });
});
