/**
 * A PostgreSQL database as an input: its URL (`postgres://user@host:port/db?table=orders`),
 * the password (from the URL, `PGPASSWORD` or the libpq password file `~/.pgpass`), the
 * connection with its timeouts, and the rows of a table or query streamed in batches through
 * a cursor. Nothing here prints or returns a password: {@link PgTarget.label} and every error
 * message are redacted.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Client, FieldDef, QueryConfig } from 'pg';
import type { Database, TextAppender } from '../engine/database.ts';
import { UserError } from '../errors.ts';

/** True when `text` names a PostgreSQL database (`postgres://…` or `postgresql://…`). */
export function isPostgresUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//i.test(text.trim());
}

/** Where rows come from in a PostgreSQL database. */
export interface PgTarget {
  /** The URL without its password, without `table`, for the pg client. */
  url: string;
  /** The password written in the URL, if any (never shown). */
  urlPassword?: string;
  /** A table (`name` or `schema.name`), or else a query. */
  table?: string;
  query?: string;
  /** How messages, the manifest and the report name the rows: the URL without a password, and the table (or "query"). */
  label: string;
  /** Seconds a statement may run (and the client waits for an answer) before the run stops. */
  timeoutSeconds: number;
}

/** Default of `--db-timeout`: seconds one statement (declaring the cursor, one fetch) may take. */
export const DEFAULT_DB_TIMEOUT = 600;
/** Seconds to wait for a connection at most (a host that drops packets must not hang the run); less when --db-timeout is less. */
const CONNECT_TIMEOUT = 20;
const connectSeconds = (t: PgTarget) => Math.min(CONNECT_TIMEOUT, t.timeoutSeconds);
/** Declares the cursor over the table's or the query's rows (positions in errors are counted after it). */
export const DECLARE = 'DECLARE clv_rows NO SCROLL CURSOR FOR ';
/** Rows per FETCH: the tool holds one batch of a table's rows at a time. */
export const FETCH_ROWS = 20_000;

/** Query parameters of the URL that name secrets: removed from every label. */
const SECRET_PARAMS = ['password', 'sslpassword'];

/**
 * Parses `--orders postgres://user[:password]@host[:port]/db?table=schema.name` (or a URL and
 * a query). `option` names the flag in messages. The password is taken out of the URL and kept
 * apart, so that no label or message can carry it.
 */
export function parsePgTarget(text: string, o: { option: string; query?: string; timeoutSeconds?: number }): PgTarget {
  let u: URL;
  try {
    // postgres://user@:5433/db?host=/run/postgresql (a Unix socket): a URL needs a host before the port or path.
    u = new URL(text.trim().replace(/^(postgres(?:ql)?:\/\/[^/@]*@)(?=[:/])/i, '$1localhost'));
  } catch {
    throw new UserError(`${o.option}: ${redactUrl(text)} is not a valid URL; expected postgres://user@host:port/database?table=orders`);
  }
  if (!/^postgres(ql)?:$/i.test(u.protocol)) {
    throw new UserError(`${o.option}: ${redactUrl(text)} is not a PostgreSQL URL; expected postgres://user@host:port/database?table=orders`);
  }
  if (u.pathname.replace(/^\//, '') === '') {
    throw new UserError(`${o.option}: ${redactUrl(text)} names no database; expected postgres://user@host:port/database?table=orders`);
  }
  const urlPassword = u.password !== '' ? decodeURIComponent(u.password) : (u.searchParams.get('password') ?? undefined);
  u.password = '';
  u.searchParams.delete('password');
  const table = u.searchParams.get('table') ?? undefined;
  u.searchParams.delete('table');
  const query = o.query?.trim().replace(/;\s*$/, '');
  if (table !== undefined && query !== undefined) {
    throw new UserError(`${o.option}: the URL names a table (table=${table}) and a query is given too; use one of them`);
  }
  if (table === undefined && query === undefined) {
    throw new UserError(`${o.option}: ${redactUrl(text)} names no table; add ?table=orders (or schema.orders) to the URL, or give a query`);
  }
  if (table !== undefined && !/^[^.\s]+(\.[^.\s]+)?$/.test(table)) {
    throw new UserError(`${o.option}: table=${JSON.stringify(table)}: expected a table name, or schema.table`);
  }
  if (query !== undefined && query === '') throw new UserError(`${o.option}: the query is empty; expected SELECT …`);
  const timeoutSeconds = o.timeoutSeconds ?? DEFAULT_DB_TIMEOUT;
  if (!(timeoutSeconds > 0) || !Number.isFinite(timeoutSeconds)) throw new UserError(`--db-timeout ${timeoutSeconds}: expected a number of seconds above 0`);
  const url = u.toString();
  const shown = redactUrl(url);
  return { url, urlPassword, table, query, label: table !== undefined ? `${shown}${shown.includes('?') ? '&' : '?'}table=${table}` : `query on ${shown}`, timeoutSeconds };
}

/** The URL with its password (and any secret query parameter) removed; text that is not a URL loses anything between `:` and `@`. */
export function redactUrl(text: string): string {
  try {
    const u = new URL(text.trim());
    u.password = '';
    for (const p of SECRET_PARAMS) u.searchParams.delete(p);
    return u.toString();
  } catch {
    return text.replace(/(\/\/[^/:@]*):[^@/]*@/, '$1@').replace(/([?&](ssl)?password=)[^&]*/gi, '$1***');
  }
}

/** `text` with every occurrence of `secret` replaced (a last guard on messages from the driver). */
function redact(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('***') : text;
}

/**
 * The password for `user` at `host:port/database` from the libpq password file: `PGPASSFILE`
 * or `~/.pgpass`, lines `hostname:port:database:username:password` where `*` matches anything
 * and `\:` `\\` escape. Like libpq, a file that others can read is ignored (with a warning).
 */
export function pgpassPassword(c: { host: string; port: string; database: string; user: string }, warn?: (m: string) => void): string | undefined {
  const file = process.env.PGPASSFILE ?? join(homedir(), '.pgpass');
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) return undefined;
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      warn?.(`${file} is ignored: others can read it (chmod 0600 ${file})`);
      return undefined;
    }
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const fields: string[] = [];
    let cur = '';
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (ch === '\\' && i + 1 < line.length) cur += line[++i];
      else if (ch === ':' && fields.length < 4) {
        fields.push(cur);
        cur = '';
      } else cur += ch;
    }
    fields.push(cur);
    if (fields.length < 5) continue;
    // libpq: a connection over a Unix socket (a host that is a folder) matches the host "localhost".
    const want = [c.host.startsWith('/') ? 'localhost' : c.host, c.port, c.database, c.user];
    if (want.every((w, i) => fields[i] === '*' || fields[i] === w)) return fields[4];
  }
  return undefined;
}

/** Plain words for the errors of a connection or a statement (one line, no stack, no password). */
export function pgFailure(err: unknown, target: PgTarget, stage: 'connect' | 'read'): UserError {
  if (err instanceof UserError) return err;
  const e = err as { code?: string; message?: string; position?: string };
  const msg = redact(String(e?.message ?? err).split('\n')[0], target.urlPassword);
  const where = redactUrl(target.url);
  const code = e?.code ?? '';
  const what = target.table !== undefined ? `table ${target.table}` : '--orders-query';
  let text: string;
  if (code === 'ECONNREFUSED') text = `cannot connect to ${where}: connection refused; check the host and port, and that the server is running`;
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') text = `cannot connect to ${where}: the host is not found; check the host name`;
  else if (code === 'ETIMEDOUT' || /timeout expired|Connection terminated due to connection timeout/i.test(msg)) text = `cannot connect to ${where}: no answer within ${connectSeconds(target)} s; check the host, port and firewall`;
  else if (code === '28P01') text = `cannot connect to ${where}: ${msg}; check the password (PGPASSWORD or ~/.pgpass)`;
  else if (code === '28000') text = `cannot connect to ${where}: ${msg}`;
  else if (code === '3D000') text = `cannot connect to ${where}: ${msg}; check the database name in the URL`;
  else if (/client password must be a string|password must be a string/i.test(msg)) text = `cannot connect to ${where}: the server asks for a password; set PGPASSWORD or add the database to ~/.pgpass`;
  else if (code === '57014') text = `${where}: reading ${what} took longer than ${target.timeoutSeconds} s and was cancelled; raise --db-timeout SECONDS, or add an index or a narrower query`;
  else if (/Query read timeout/i.test(msg)) text = `${where}: no answer from the server within ${target.timeoutSeconds} s while reading ${what}; raise --db-timeout SECONDS`;
  else if (code === '42P01') text = `${where}: ${msg}; check the table name (?table=schema.name)`;
  else if (/multiple commands/.test(msg)) text = `${where}: --orders-query: expected one SELECT statement, found several (separated by ;)`;
  else if (code.startsWith('42') && target.query !== undefined) text = `${where}: --orders-query: ${msg}${Number(e.position) > DECLARE.length ? ` (at character ${Number(e.position) - DECLARE.length} of the query)` : ''}`;
  else if (code !== '' && /^[0-9A-Z]{5}$/.test(code)) text = `${where}: ${stage === 'connect' ? 'cannot connect: ' : `cannot read ${what}: `}${msg}`;
  else text = `${stage === 'connect' ? `cannot connect to ${where}` : `${where}: the connection failed while reading ${what}`}: ${msg}`;
  return new UserError(text);
}

/** Opens a connection: UTC time zone, ISO dates, every value as text; timeouts on connecting and on every statement. */
export async function connectPg(target: PgTarget, warn?: (m: string) => void): Promise<Client> {
  const pg = (await import('pg')).default;
  const text = (v: string) => v;
  const u = new URL(target.url);
  const user = decodeURIComponent(u.username) || process.env.PGUSER || userInfo().username;
  // ?host=/run/postgresql: a Unix socket folder (libpq's way).
  const host = u.searchParams.get('host') ?? (decodeURIComponent(u.hostname.replace(/^\[(.*)\]$/, '$1')) || 'localhost');
  const where = { host, port: u.port || '5432', database: decodeURIComponent(u.pathname.slice(1)), user };
  const sslmode = u.searchParams.get('sslmode');
  // Not a connectionString: pg would take its (empty) password over the function below.
  const client = new pg.Client({
    host,
    port: Number(where.port),
    database: where.database,
    user,
    ssl: sslmode === 'require' ? { rejectUnauthorized: false } : sslmode === 'verify-ca' || sslmode === 'verify-full' ? true : undefined,
    // Asked only when the server wants a password; undefined = none (pg then reports that one is needed).
    password: async () => (target.urlPassword ?? process.env.PGPASSWORD ?? pgpassPassword(where, warn)) as string,
    connectionTimeoutMillis: connectSeconds(target) * 1000,
    statement_timeout: target.timeoutSeconds * 1000,
    query_timeout: (target.timeoutSeconds + 10) * 1000,
    keepAlive: true,
    application_name: 'clv',
    types: { getTypeParser: () => text },
  });
  // A connection lost later surfaces as the error of the running query; do not crash on the event.
  client.on('error', () => undefined);
  try {
    await client.connect();
    // synchronize_seqscans off: a scan of a large table starts at its first page even while another
    // scan runs (otherwise it may start midway), so the same table gives its rows in the same order.
    await client.query(`SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'; SET client_encoding = 'UTF8'; SET IntervalStyle = 'iso_8601'; SET extra_float_digits = 1; SET synchronize_seqscans = off`);
  } catch (err) {
    await client.end().catch(() => undefined);
    throw pgFailure(err, target, 'connect');
  }
  return client;
}

/** A PostgreSQL identifier, quoted (`schema.name` → `"schema"."name"`). */
export function pgTableSql(table: string): string {
  return table.split('.').map((p) => `"${p.replaceAll('"', '""')}"`).join('.');
}

export interface StreamedRows {
  /** Column names, in the order of the table or query. */
  columns: string[];
  rows: number;
  /** sha256 of the rows as text (tab-separated, `\N` for NULL, one line per row), in the order read. */
  sha256: string;
  /** Bytes of that text. */
  bytes: number;
}

/**
 * Streams the rows of the target through a read-only cursor, {@link FETCH_ROWS} at a time, every
 * value as PostgreSQL's text output (NULL as null), into `sink`. The first call gives the columns.
 */
export async function streamPgRows(
  target: PgTarget,
  sink: { columns(names: string[]): Promise<void>; rows(batch: (string | null)[][]): void },
  warn?: (m: string) => void,
): Promise<StreamedRows> {
  const client = await connectPg(target, warn);
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    const streamed = await fetchCursor(client, sourceSelect(target), sink);
    await client.query('COMMIT');
    return streamed;
  } catch (err) {
    throw pgFailure(err, target, 'read');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The SELECT of the target's rows: its table, or its query. */
export function sourceSelect(target: PgTarget): string {
  return target.table !== undefined ? `SELECT * FROM ${pgTableSql(target.table)}` : target.query!;
}

/**
 * Runs `select` through a cursor in the client's open transaction and hands its rows, {@link FETCH_ROWS}
 * at a time, every value as text (NULL as null), to `sink`; the first call gives the columns. Errors
 * are the driver's (the caller says them in plain words: {@link pgFailure}).
 */
export async function fetchCursor(
  client: Client,
  select: string,
  sink: { columns(names: string[]): Promise<void>; rows(batch: (string | null)[][]): void | Promise<void> },
): Promise<StreamedRows> {
  const hash = createHash('sha256');
  let bytes = 0;
  let rows = 0;
  let columns: string[] | undefined;
  // The extended protocol refuses several statements in one query text.
  await client.query({ text: `${DECLARE}${select}`, queryMode: 'extended' } as QueryConfig);
  for (;;) {
    const r = await client.query<(string | null)[]>({ text: `FETCH FORWARD ${FETCH_ROWS} FROM clv_rows`, rowMode: 'array' });
    if (columns === undefined) {
      columns = r.fields.map((f: FieldDef) => f.name);
      await sink.columns(columns);
    }
    if (r.rows.length === 0) break;
    for (const row of r.rows) {
      const line = `${row.map((v) => (v === null ? '\\N' : v.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!))).join('\t')}\n`;
      hash.update(line);
      bytes += Buffer.byteLength(line);
    }
    rows += r.rows.length;
    await sink.rows(r.rows);
    if (r.rows.length < FETCH_ROWS) break;
  }
  await client.query('CLOSE clv_rows');
  return { columns: columns ?? [], rows, sha256: hash.digest('hex'), bytes };
}

/**
 * Streams the rows of the target into the new temporary DuckDB table `table`, all columns text named
 * c1, c2… in the order of the table or query (the header names checked like a file's).
 */
export async function streamPgTable(db: Database, target: PgTarget, table: string, warn?: (m: string) => void): Promise<StreamedRows> {
  const { checkHeaderNames } = await import('../load/input-file.ts');
  let appender: TextAppender | undefined;
  try {
    const streamed = await streamPgRows(
      target,
      {
        columns: async (names) => {
          checkHeaderNames(target.label, names, undefined);
          appender = await db.textAppender(table, names.map((_, i) => `c${i + 1}`));
        },
        rows: (batch) => appender!.append(batch),
      },
      warn,
    );
    return { ...streamed, columns: streamed.columns.map((c) => c.trim()) };
  } finally {
    appender?.close();
  }
}
