/**
 * The CDNOW sample (test/fixtures/cdnow/CDNOW_sample.txt: whitespace-separated
 * master id, sample id, date YYYYMMDD, CDs, dollars) as an orders CSV with the
 * sample id as customer_id, for end-to-end tests of the commands.
 */
import { readFileSync } from 'node:fs';
import { tempFile } from './pipeline.ts';

export function cdnowOrdersCsv(options: { numericIds?: boolean } = {}): string {
  const rows = readFileSync('test/fixtures/cdnow/CDNOW_sample.txt', 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [, id, date, , value] = l.trim().split(/\s+/);
      return `${options.numericIds ? Number(id) : id},${date},${value}`;
    });
  return `customer_id,order_date,amount\n${rows.join('\n')}\n`;
}

/** Writes {@link cdnowOrdersCsv} to a temporary file and returns its path. */
export function cdnowOrdersFile(options: { numericIds?: boolean } = {}): string {
  return tempFile('cdnow.csv', cdnowOrdersCsv(options));
}
