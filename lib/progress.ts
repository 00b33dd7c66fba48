/**
 * Progress for long work: on a terminal, one status line on stderr that is
 * rewritten in place; otherwise (cron, CI, pipes) plain timestamped lines.
 */
export interface Progress {
  step(message: string): void;
  done(message?: string): void;
}

export function createProgress(options: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { step() {}, done() {} };
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  if (stream.isTTY) {
    let last = '';
    return {
      step(message) {
        last = `[${elapsed()}] ${message}…`;
        stream.write(`\r\x1b[2K${last}`);
      },
      done(message) {
        stream.write(`\r\x1b[2K${message ? `${message} (${elapsed()})\n` : ''}`);
      },
    };
  }
  return {
    step(message) {
      stream.write(`${new Date().toISOString()} clv: ${message}\n`);
    },
    done(message) {
      if (message) stream.write(`${new Date().toISOString()} clv: ${message} (${elapsed()})\n`);
    },
  };
}
