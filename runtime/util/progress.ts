// Progress for long work: a single redrawn line on a terminal, plain lines (at most one per `every`
// updates) when the output is a file or a pipe, so logs stay readable.

export interface Progress {
  update(done: number, total: number, text: string): void;
  line(text: string): void;
  finish(text?: string): void;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, every = 10): Progress {
  const tty = !!stream.isTTY && !process.env.CI;
  let last = -1;
  let drawn = false;
  const clear = () => {
    if (drawn) stream.write("\r\x1b[2K");
    drawn = false;
  };
  return {
    update(done, total, text) {
      if (tty) {
        const width = 24;
        const filled = total > 0 ? Math.round((width * done) / total) : 0;
        const bar = "=".repeat(Math.max(0, filled - 1)) + (filled > 0 ? ">" : "") + " ".repeat(width - filled);
        const cols = stream.columns ?? 120;
        clear();
        stream.write(`[${bar}] ${text}`.slice(0, cols - 1));
        drawn = true;
      } else if (done === total || last < 0 || done - last >= every) {
        stream.write(text + "\n");
        last = done;
      }
    },
    line(text) {
      clear();
      stream.write(text + "\n");
    },
    finish(text) {
      clear();
      if (text) stream.write(text + "\n");
    },
  };
}
