/**
 * Maps CSV data records to the physical line they start on, for error
 * messages. Only used when reporting problems, so it may read the file again.
 * Quoted fields may span lines; blank lines are skipped as DuckDB skips them.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

/** The decoded text of a CSV file as a stream of strings; `.gz` files are decompressed. */
export function openText(path: string, chunkSize = 1 << 20): AsyncIterable<string> & { destroy(): void } {
  const raw = createReadStream(path, { highWaterMark: chunkSize });
  const stream = path.toLowerCase().endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  stream.setEncoding('utf8');
  return {
    [Symbol.asyncIterator]: () => (stream as unknown as AsyncIterable<string>)[Symbol.asyncIterator](),
    destroy() {
      stream.destroy();
      if (stream !== raw) raw.destroy();
    },
  };
}

/** Up to `max` characters from the start of a CSV file (decompressed), without a BOM. */
export async function readHead(path: string, max = 64 * 1024): Promise<string> {
  const stream = openText(path, 64 * 1024);
  let head = '';
  try {
    for await (const chunk of stream) {
      head += chunk;
      if (head.length >= max) break;
    }
  } finally {
    stream.destroy();
  }
  return head.slice(0, max).replace(/^\uFEFF/, '');
}

/**
 * Returns, for each requested 0-based data record index (the header is not a
 * data record), the 1-based line on which that record starts.
 */
export async function recordLines(path: string, records: number[]): Promise<Map<number, number>> {
  const wanted = new Set(records);
  const result = new Map<number, number>();
  if (wanted.size === 0) return result;
  const maxWanted = Math.max(...records);
  let line = 1;
  let record = -2; // the header becomes record -1, the first data row record 0
  let inQuotes = false;
  let atRecordStart = true;
  let recordHasContent = false;
  let prevCR = false;
  const stream = openText(path);
  outer: for await (const chunk of stream) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 10 && prevCR) {
        prevCR = false;
        continue;
      }
      prevCR = c === 13;
      const isNewline = c === 10 || c === 13;
      if (atRecordStart) {
        if (isNewline) {
          line++;
          continue; // blank line: not a record
        }
        atRecordStart = false;
        recordHasContent = true;
        record++;
        if (wanted.has(record)) result.set(record, line);
        if (record > maxWanted) break outer;
      }
      if (c === 34) {
        inQuotes = !inQuotes;
      } else if (isNewline) {
        line++;
        if (!inQuotes && recordHasContent) {
          atRecordStart = true;
          recordHasContent = false;
        }
      }
    }
  }
  stream.destroy();
  return result;
}

/**
 * Reads the header record of a CSV file (UTF-8, optional BOM, quoted names
 * with "" escapes). Returns the raw names, in order.
 */
export async function readCsvHeader(path: string, delimiter: string): Promise<string[]> {
  const stream = openText(path, 64 * 1024);
  const names: string[] = [];
  let field = '';
  let inQuotes = false;
  let first = true;
  let prevQuote = false;
  try {
    for await (const chunk of stream) {
      for (let i = 0; i < chunk.length; i++) {
        let ch = chunk[i];
        if (first) {
          first = false;
          if (ch === '\uFEFF') continue;
        }
        if (inQuotes) {
          if (ch === '"') {
            inQuotes = false;
            prevQuote = true;
          } else field += ch;
          continue;
        }
        if (ch === '"') {
          if (prevQuote) field += '"';
          inQuotes = true;
          prevQuote = false;
          continue;
        }
        prevQuote = false;
        if (ch === delimiter) {
          names.push(field);
          field = '';
        } else if (ch === '\n' || ch === '\r') {
          names.push(field);
          return names;
        } else {
          ch = ch ?? '';
          field += ch;
        }
      }
    }
  } finally {
    stream.destroy();
  }
  names.push(field);
  return names;
}
