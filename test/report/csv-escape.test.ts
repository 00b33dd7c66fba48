import { describe, expect, it } from 'vitest';
import { csvCell, formatCsvNumber, toCsv } from '../../lib/report/csv.ts';
import { escapeHtml, jsonForScript } from '../../lib/report/escape.ts';

describe('CSV output', () => {
  it('neutralises text cells that a spreadsheet would run as formulas (OWASP CSV injection)', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('ok')).toBe('ok');
  });

  it('leaves numbers as numbers, without exponent notation or float noise', () => {
    expect(csvCell(-2)).toBe('-2');
    expect(formatCsvNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatCsvNumber(1 / 3)).toBe('0.333333333333');
    expect(formatCsvNumber(1e-9)).toBe('0.000000001');
    expect(formatCsvNumber(123456789.125)).toBe('123456789.125');
    expect(formatCsvNumber(NaN)).toBe('');
  });

  it('quotes cells with commas, quotes and line breaks and ends with a newline', () => {
    expect(toCsv(['a', 'b'], [{ a: 'x,y', b: 'say "hi"' }, { a: 'two\nlines', b: null }])).toBe('a,b\n"x,y","say ""hi"""\n"two\nlines",\n');
  });
});

describe('HTML escaping', () => {
  it('escapes text and attribute values', () => {
    expect(escapeHtml(`<img src=x onerror="alert('1')">&`)).toBe('&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;');
  });

  it('keeps JSON inside <script> from closing the tag', () => {
    const json = jsonForScript({ name: '</script><script>alert(1)</script>', c: '<!--' });
    expect(json).not.toContain('<');
    expect(JSON.parse(json)).toEqual({ name: '</script><script>alert(1)</script>', c: '<!--' });
  });
});
