/**
 * A set of Parquet files read as one orders input: a glob (`exports/**\/*.parquet`) or a folder
 * (every `.parquet` file under it). Hive-partitioned folders (`year=2024/month=05/part-0.parquet`)
 * add their keys as text columns (`year` = "2024", `month` = "05", as written in the folder names).
 * DuckDB streams the files; the set is hashed as `sha256sum` lists it (each file's sha256 and its
 * path under the root, in path order), so that a changed, added or removed file changes the hash.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { UserError } from '../errors.ts';
import type { Database } from '../engine/database.ts';
import { literal } from '../engine/sql.ts';
import { scanFile } from './input-file.ts';

const GLOB = /[*?[{]/;

/** True when `path` names several files: a glob, or a folder. */
export function isFileSet(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    // Not an existing file or folder: a glob when it has wildcards.
    return GLOB.test(path);
  }
}

/** The glob of a set: a folder means every .parquet file under it. */
export function setPattern(path: string): string {
  return isFileSet(path) && !GLOB.test(path) ? join(path, '**', '*.parquet') : path;
}

/** The folder a glob starts from (its part before the first segment with a wildcard). */
export function setRoot(path: string): string {
  if (!GLOB.test(path)) return path;
  const parts = path.split(/[\\/]/);
  const fixed = parts.slice(0, parts.findIndex((p) => GLOB.test(p)));
  return fixed.length === 0 ? '.' : fixed.join(sep) || sep;
}

export interface ParquetSet {
  pattern: string;
  root: string;
  /** Matched files, in the order DuckDB reads them (sorted by path). */
  files: string[];
  /** True when the files sit in key=value folders. */
  hive: boolean;
  /** DuckDB's reader over the whole set. */
  scan: string;
}

/** Finds the files of the set; none is a user error naming the pattern. */
export async function openParquetSet(db: Database, path: string): Promise<ParquetSet> {
  const pattern = setPattern(path);
  if (!/\.(parquet|pq)$/i.test(pattern)) {
    throw new UserError(`${path}: a set of files must be Parquet files; expected a pattern ending in .parquet (e.g. "exports/**/*.parquet") or a folder of .parquet files`);
  }
  const root = setRoot(path);
  const files = (await db.rows<{ file: string }>(`SELECT file FROM glob(${literal(pattern)}) ORDER BY file`)).map((r) => r.file);
  if (files.length === 0) throw new UserError(`${path}: no Parquet files match ${pattern}; check the path`);
  const hive = files.some((f) => relative(root, f).split(/[\\/]/).slice(0, -1).some((d) => /^[^=]+=.*$/.test(d)));
  const scan = `read_parquet(${literal(pattern)}, union_by_name = true${hive ? ', hive_partitioning = true, hive_types_autocast = false' : ', hive_partitioning = false'})`;
  return { pattern, root, files, hive, scan };
}

/** The sha256 of the set (of `sha256sum` lines: each file's hash and path under the root) and its total size. */
export async function hashParquetSet(set: ParquetSet): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for (const file of set.files) {
    const { sha256 } = await scanFile(file, 'parquet');
    hash.update(`${sha256}  ${relative(set.root, file).split(sep).join('/')}\n`);
    bytes += statSync(file).size;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** The file and row (1-based, within the file) of 0-based rows of the set, as problems name them (error path only: one read per row). */
export async function locateInSet(db: Database, set: ParquetSet, recs: number[]): Promise<Map<number, { line: number; key: string }>> {
  const out = new Map<number, { line: number; key: string }>();
  for (const rec of recs) {
    const [r] = await db.rows<{ filename: string; row: number }>(
      `SELECT filename, file_row_number AS row FROM read_parquet(${literal(set.pattern)}, union_by_name = true, filename = true, file_row_number = true) LIMIT 1 OFFSET ${Number(rec)}`,
    );
    if (r) out.set(rec, { line: Number(r.row) + 1, key: `in ${relative(set.root, r.filename).split(sep).join('/')}` });
  }
  return out;
}
