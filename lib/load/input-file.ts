/**
 * Checks every input file gets before its rows are read, with messages that
 * name the file, line and column: a regular file (not a folder, FIFO or
 * device, which would hang a reader), gzip data where the name ends in .gz,
 * UTF-8 text (UTF-16 and Latin-1 are recognised and named), no NUL bytes, and
 * header names that are not empty, not control characters and distinct
 * (ignoring case, as SQL does).
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { InputError, UserError, type InputProblem } from '../errors.ts';

export interface SourceColumn {
  /** Column name as in the file (trimmed). */
  name: string;
  /** 1-based position in the header. */
  position: number;
}

/** Size of a regular file; anything else (missing, a folder, a FIFO, a device) is a user error naming `what`. */
export async function regularFileSize(file: string, what: string): Promise<number> {
  let st;
  try {
    st = await stat(file);
  } catch (err) {
    throw new UserError(`${file}: cannot open ${what} (${(err as NodeJS.ErrnoException).code ?? 'error'}); check the path`);
  }
  if (st.isDirectory()) throw new UserError(`${file}: a folder, not a file; expected ${what} (.csv or .parquet)`);
  if (!st.isFile()) throw new UserError(`${file}: not a regular file (a pipe, socket or device, which cannot be read safely); expected ${what} saved as a .csv or .parquet file`);
  return st.size;
}

const isGz = (file: string) => file.toLowerCase().endsWith('.gz');

/** Up to `max` raw bytes from the start of the file. */
async function rawHead(file: string, max: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(max);
    const { bytesRead } = await handle.read(buf, 0, max, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function gzipProblem(err: unknown): InputProblem {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const truncated = code === 'Z_BUF_ERROR' || /unexpected end/i.test((err as Error).message);
  return {
    message: truncated
      ? 'the gzip data ends too early (the file is truncated: copy or download it again)'
      : `the gzip data is damaged (${(err as Error).message}); expected a file compressed with gzip`,
  };
}

/** The decompressed start of a .gz file (up to `max` bytes). */
async function gunzipHead(file: string, max: number): Promise<Buffer> {
  const magic = await rawHead(file, 2);
  if (magic.length < 2 || magic[0] !== 0x1f || magic[1] !== 0x8b) {
    throw new InputError(file, [{ message: 'the name ends in .gz but the file is not gzip-compressed; rename it to .csv, or compress it with gzip' }]);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const stream = createReadStream(file).pipe(createGunzip());
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= max) break;
    }
  } catch (err) {
    throw new InputError(file, [gzipProblem(err)]);
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, max);
}

/** The name of a text encoding other than UTF-8 that `bytes` look like, or null. */
export function foreignEncoding(bytes: Buffer): string | null {
  if (bytes.length >= 4 && ((bytes[0] === 0xff && bytes[1] === 0xfe && bytes[2] === 0 && bytes[3] === 0) || (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0xfe && bytes[3] === 0xff))) return 'UTF-32';
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) return 'UTF-16';
  // UTF-16 without a byte-order mark: every other byte of ASCII text is NUL.
  const n = Math.min(bytes.length, 512);
  let zeros = 0;
  for (let i = 0; i < n; i++) if (bytes[i] === 0) zeros++;
  if (n >= 4 && zeros >= n / 4) return 'UTF-16';
  return null;
}

/** Byte offset of the first byte that does not start a valid UTF-8 character, or null when `bytes` are UTF-8. */
function firstBadUtf8(bytes: Buffer): number | null {
  if (isUtf8(bytes)) return null;
  const n = bytes.length;
  for (let i = 0; i < n; ) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    if (need === 0) return i;
    for (let j = 1; j <= need; j++) if (i + j >= n || (bytes[i + j] & 0xc0) !== 0x80) return i;
    const c = bytes[i + 1];
    if ((b === 0xe0 && c < 0xa0) || (b === 0xed && c > 0x9f) || (b === 0xf0 && c < 0x90) || (b === 0xf4 && c > 0x8f)) return i;
    i += need + 1;
  }
  return 0;
}

/** Where the last complete UTF-8 character of `chunk` ends (an incomplete one is left for the next chunk). */
function completeEnd(chunk: Buffer): number {
  for (let k = chunk.length - 1; k >= Math.max(0, chunk.length - 4); k--) {
    const b = chunk[k];
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return chunk.length - k < need ? k : chunk.length;
  }
  return chunk.length;
}

function lineAt(bytes: Buffer, offset: number, linesBefore = 0): number {
  let line = linesBefore + 1;
  for (let i = bytes.indexOf(10); i !== -1 && i < offset; i = bytes.indexOf(10, i + 1)) line++;
  return line;
}

function encodingProblem(line: number, byte: number): InputProblem {
  const hex = `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  const latin1 = byte >= 0xa0 || (byte >= 0x80 && byte < 0xa0);
  return {
    line,
    message: `the file is not UTF-8 (byte ${hex}${latin1 ? ', as Latin-1 or Windows-1252 write it' : ''}); save it as UTF-8 ("CSV UTF-8" in Excel) and run again`,
  };
}

/**
 * Checks the start of a CSV file: gzip data when the name ends in .gz, not
 * UTF-16/UTF-32, and UTF-8 in the first 64 KB. Throws {@link InputError}.
 */
export async function checkTextHead(file: string): Promise<void> {
  const head = isGz(file) ? await gunzipHead(file, 64 * 1024) : await rawHead(file, 64 * 1024);
  const foreign = foreignEncoding(head);
  if (foreign) throw new InputError(file, [{ message: `the file is ${foreign} text; expected UTF-8: save it as UTF-8 ("CSV UTF-8" in Excel) and run again` }]);
  // The last bytes may be the start of a character cut by the 64 KB limit.
  const bad = firstBadUtf8(head.length === 64 * 1024 ? head.subarray(0, completeEnd(head)) : head);
  if (bad !== null) throw new InputError(file, [encodingProblem(lineAt(head, bad), head[bad])]);
}

/**
 * One pass over the whole file: its sha256 (of the bytes on disk) and, for
 * CSV, the first problem of its decoded text (damaged gzip data, a NUL byte,
 * bytes that are not UTF-8), located by line.
 */
export async function scanFile(file: string, format: 'csv' | 'parquet'): Promise<{ sha256: string; problem?: InputProblem }> {
  const hash = createHash('sha256');
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const gz = format === 'csv' && isGz(file);
  // Compressed: the bytes on disk are hashed as they are read, the decompressed text is checked.
  if (gz) raw.on('data', (chunk) => hash.update(chunk as Buffer));
  const text: AsyncIterable<Buffer> = gz ? raw.pipe(createGunzip()) : raw;
  let problem: InputProblem | undefined;
  let lines = 0;
  let carry = Buffer.alloc(0);
  try {
    for await (const piece of text) {
      if (!gz) hash.update(piece);
      if (problem || format !== 'csv') continue; // keep reading: the hash needs every byte
      const chunk = carry.length > 0 ? Buffer.concat([carry, piece]) : piece;
      const nul = chunk.indexOf(0);
      // An incomplete character at the end waits for the next chunk.
      const end = completeEnd(chunk);
      const body = chunk.subarray(0, end);
      const bad = firstBadUtf8(body);
      if (nul !== -1 && (bad === null || nul < bad)) {
        problem = { line: lineAt(chunk, nul, lines), message: 'a NUL byte (character 0) in the text; the file is damaged or not a CSV file' };
      } else if (bad !== null) {
        problem = encodingProblem(lineAt(body, bad, lines), body[bad]);
      } else {
        for (let i = body.indexOf(10); i !== -1; i = body.indexOf(10, i + 1)) lines++;
        carry = Buffer.from(chunk.subarray(end));
      }
    }
    if (!problem && carry.length > 0) problem = encodingProblem(lines + 1, carry[0]);
  } catch (err) {
    if (!gz) throw err;
    raw.destroy();
    // The run stops at this problem, so the hash of the damaged file is never reported.
    problem = gzipProblem(err);
  }
  return { sha256: hash.digest('hex'), problem };
}

/**
 * Header names: trimmed; an empty name, a name with control characters, or two
 * names that are the same ignoring case (SQL identifiers ignore case) are
 * refused as line-1 problems.
 */
export function checkHeaderNames(file: string, names: string[], line: number | undefined = 1): SourceColumn[] {
  const seen = new Map<string, number>();
  const problems: InputProblem[] = [];
  names.forEach((raw, i) => {
    const name = raw.trim();
    if (name === '') problems.push({ line, column: i + 1, message: 'empty column name in the header; every column needs a name' });
    // eslint-disable-next-line no-control-regex
    else if (/[\u0000-\u001f\u007f]/.test(name)) problems.push({ line, column: i + 1, columnName: name, message: 'the column name contains a control character (such as a NUL byte or a tab); expected printable text' });
    else if (seen.has(name.toLowerCase())) {
      const other = seen.get(name.toLowerCase())!;
      problems.push({
        line,
        column: i + 1,
        columnName: name,
        message: names[other - 1].trim() === name ? `duplicate column name (also column ${other})` : `the same column name as column ${other} (${JSON.stringify(names[other - 1].trim())}) except for case; names must differ in more than case`,
      });
    } else seen.set(name.toLowerCase(), i + 1);
  });
  if (problems.length > 0) throw new InputError(file, problems);
  return names.map((name, i) => ({ name: name.trim(), position: i + 1 }));
}
