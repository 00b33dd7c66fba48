/** The SQL used to write customers.csv follows the same CSV rules as lib/report/csv.ts. */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../lib/engine/database.ts';
import { decimalTextSql, neutraliseSql } from '../../lib/engine/export-customers.ts';
import { formatCsvNumber, neutraliseText } from '../../lib/report/csv.ts';

describe('customers.csv formatting in SQL', () => {
  it('writes money with at most 4 decimals and no trailing zeros, like formatCsvNumber', async () => {
    const db = await openDatabase();
    try {
      const values = ['0', '100', '10.5', '-12.25', '1425.2500', '0.0001', '-0.5', '123456789.125', '64.72238095238095', '1e-9'];
      const rows = await db.rows<{ v: string; s: string }>(
        `SELECT v, ${decimalTextSql('CAST(v AS DOUBLE)')} AS s FROM (VALUES ${values.map((v) => `('${v}')`).join(',')}) t(v)`,
      );
      expect(rows.map((r) => r.s)).toEqual(values.map((v) => formatCsvNumber(Math.round(Number(v) * 1e4) / 1e4)));
    } finally {
      db.close();
    }
  });

  it('neutralises formula-like text like neutraliseText', async () => {
    const db = await openDatabase();
    try {
      const values = ['=1+1', '+plus', '-minus', '@at', '\tTab', '\rcr', 'plain', "it's", ''];
      const rows = await db.rows<{ s: string }>(
        `SELECT ${neutraliseSql('v')} AS s FROM (SELECT unnest([${values.map((v) => `'${v.replaceAll("'", "''").replace('\t', "' || chr(9) || '").replace('\r', "' || chr(13) || '")}'`).join(',')}]) AS v)`,
      );
      expect(rows.map((r) => r.s)).toEqual(values.map(neutraliseText));
    } finally {
      db.close();
    }
  });
});
