/** Exit codes of the `clv` command (README, "Exit codes"). */
export const EXIT_BUG = 1;
/** Bad input, options or config; nothing was written. */
export const EXIT_INPUT = 2;
/** The output could not be written (disk full, read-only, permissions); the previous output is unchanged. */
export const EXIT_WRITE_FAILED = 4;

/**
 * Errors a user can cause (bad input, bad options). The CLI prints their
 * message without a stack trace and exits with `exitCode`.
 */
export class UserError extends Error {
  /** Process exit code the CLI uses for this error (2 = bad input or usage). */
  readonly exitCode: number;

  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}

/** One problem found in an input file, located as precisely as possible. */
export interface InputProblem {
  /** 1-based physical line in the file, or data row for formats without lines (Parquet). */
  line?: number;
  /** The row's key, for rows of a table that has no lines to point at (`order_id "A-17"`). */
  key?: string;
  /** 1-based column (field) number. */
  column?: number;
  /** Column name as it appears in the file. */
  columnName?: string;
  /** The offending value, verbatim. */
  value?: string;
  /** What was expected instead, in plain words. */
  message: string;
}

/** Largest number of individual problems printed before the rest are counted. */
export const MAX_LISTED_PROBLEMS = 20;

/**
 * Bad input file: names the file and lists up to {@link MAX_LISTED_PROBLEMS}
 * problems as `file:line:column`, then a count of the rest.
 */
export class InputError extends UserError {
  readonly file: string;
  readonly problems: InputProblem[];
  readonly totalProblems: number;

  constructor(file: string, problems: InputProblem[], totalProblems = problems.length, unit: 'line' | 'row' = 'line') {
    super(formatInputError(file, problems, totalProblems, unit), 2);
    this.name = 'InputError';
    this.file = file;
    this.problems = problems;
    this.totalProblems = totalProblems;
  }
}

function formatInputError(file: string, problems: InputProblem[], total: number, unit: 'line' | 'row'): string {
  const head =
    total === 1 ? `cannot read ${file}: 1 problem` : `cannot read ${file}: ${total} problems`;
  const lines = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `  ${formatProblem(file, p, unit)}`);
  const rest = total - lines.length;
  if (rest > 0) lines.push(`  … and ${rest} more ${rest === 1 ? 'problem' : 'problems'}`);
  return [head, ...lines].join('\n');
}

/** `file:line:column: column "name": value "v": message` with the parts that are known. */
export function formatProblem(file: string, p: InputProblem, unit: 'line' | 'row' = 'line'): string {
  let where = file;
  if (p.line !== undefined) where += unit === 'line' ? `:${p.line}` : ` row ${p.line}`;
  if (p.key !== undefined) where += ` (${p.key})`;
  if (p.column !== undefined) where += `:${p.column}`;
  const parts = [where];
  if (p.columnName !== undefined) parts.push(`column "${p.columnName}"`);
  if (p.value !== undefined) parts.push(`value ${JSON.stringify(p.value)}`);
  parts.push(p.message);
  return parts.join(': ');
}

/** Plain words for the errors of a file system that refuses a write. */
const WRITE_ERRORS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted',
  EIO: 'an input/output error of the disk',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ENAMETOOLONG: 'the path is too long',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'a folder is in the way of a file',
  ELOOP: 'too many symbolic links in the path',
  EXDEV: 'the folders are on different file systems',
  EBUSY: 'the folder is in use',
  ETXTBSY: 'the file is in use',
};

/**
 * A write that failed for a reason outside the program (ENOSPC, EROFS, EACCES…)
 * as a one-line user error with exit code {@link EXIT_WRITE_FAILED}; anything
 * else is returned unchanged (a bug, or already a user error).
 */
export function writeFailure(err: unknown, what: string, unchanged: string): unknown {
  if (err instanceof UserError) return err;
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code !== 'string' || !/^E[A-Z]+$/.test(e.code)) return err;
  const words = WRITE_ERRORS[e.code] ?? e.message.split('\n')[0];
  return new UserError(`cannot write ${what}: ${words} (${e.code}); ${unchanged}`, EXIT_WRITE_FAILED);
}
