/**
 * Progress for long work: on a terminal, one status line on stderr that is
 * rewritten in place; otherwise (cron, CI, pipes) plain timestamped lines.
 * `verbose` adds detail lines and, on a terminal, keeps each step on its own
 * line with its elapsed time. `quiet` silences progress and detail, but not
 * warnings (things an operator should know, such as a stale lock taken over).
 */
export interface Progress {
  step(message: string): void;
  done(message?: string): void;
  /** Extra detail, shown with --verbose only. */
  detail?(message: string): void;
  /** Shown even with --quiet. */
  warn?(message: string): void;
}

export function createProgress(options: { quiet?: boolean; verbose?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  const line = (message: string) => `${new Date().toISOString()} clv: ${message}\n`;
  if (options.quiet) {
    return { step() {}, done() {}, detail() {}, warn: (message) => stream.write(stream.isTTY ? `clv: ${message}\n` : line(message)) };
  }
  if (stream.isTTY) {
    let last = '';
    // A permanent line above the status line, which is then redrawn.
    const above = (text: string) => stream.write(`\r\x1b[2K${text}\n${last}`);
    return {
      step(message) {
        if (options.verbose) {
          last = '';
          stream.write(`\r\x1b[2K[${elapsed()}] ${message}\n`);
          return;
        }
        last = `[${elapsed()}] ${message}…`;
        stream.write(`\r\x1b[2K${last}`);
      },
      done(message) {
        stream.write(`\r\x1b[2K${message ? `${message} (${elapsed()})\n` : ''}`);
      },
      detail(message) {
        if (options.verbose) above(`  ${message}`);
      },
      warn(message) {
        above(`clv: ${message}`);
      },
    };
  }
  return {
    step(message) {
      stream.write(line(options.verbose ? `${message} [${elapsed()}]` : message));
    },
    done(message) {
      if (message) stream.write(line(`${message} (${elapsed()})`));
    },
    detail(message) {
      if (options.verbose) stream.write(line(`  ${message}`));
    },
    warn(message) {
      stream.write(line(message));
    },
  };
}
