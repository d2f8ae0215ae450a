// Two renderers for diagnostics: a one-line form for CI and logs, and a terminal frame that shows the
// source line and underlines the span (in the manner of rustc and Elm).
import type { Diagnostic, Label, Span } from "../core/diagnostics.js";

export type SourceLookup = (file: string) => string | undefined;

export function renderPlain(d: Diagnostic): string {
  return `${d.span.file}:${d.span.line}:${d.span.col}: ${d.severity} ${d.code}: ${d.message}`;
}

interface Style {
  bold(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  cyan(s: string): string;
}
const plainStyle: Style = { bold: (s) => s, red: (s) => s, yellow: (s) => s, blue: (s) => s, cyan: (s) => s };
const ansiStyle: Style = {
  bold: (s) => `\x1b[1m${s}\x1b[0m`,
  red: (s) => `\x1b[1;31m${s}\x1b[0m`,
  yellow: (s) => `\x1b[1;33m${s}\x1b[0m`,
  blue: (s) => `\x1b[1;34m${s}\x1b[0m`,
  cyan: (s) => `\x1b[1;36m${s}\x1b[0m`,
};

function lineText(source: string | undefined, line: number): string | undefined {
  if (source === undefined) return undefined;
  const lines = source.split("\n");
  // invisible characters (NUL, zero-width space, ...) are shown as one visible column each
  return line >= 1 && line <= lines.length ? lines[line - 1].replace(/\r$/, "").replace(/\t/g, " ").replace(/[\p{Cc}\p{Cf}]/gu, "\uFFFD") : undefined;
}

/** Columns of source shown around a span on a long line. */
const FRAME_WIDTH = 120;

/** The underlined snippet for one span; multi-line spans underline to the end of their first line. */
function snippet(span: Span, marker: string, message: string, source: string | undefined, gutter: number, st: Style, color: (s: string) => string): string[] {
  let text = lineText(source, span.line);
  const pad = " ".repeat(gutter);
  if (text === undefined) return [`${pad} ${st.blue("|")} ${color(message)}`];
  let start = Math.max(0, span.col - 1);
  let end = span.endLine === span.line ? Math.max(start + 1, span.endCol - 1) : Math.max(start + 1, text.length);
  // A very long line (generated or hostile input) is shown as a window around the span's start.
  if (text.length > FRAME_WIDTH) {
    const from = Math.max(0, Math.min(start - 20, text.length - FRAME_WIDTH));
    const shift = from > 0 ? from - 1 : 0; // one column for the leading "…"
    text = (from > 0 ? "…" : "") + text.slice(from, from + FRAME_WIDTH) + (from + FRAME_WIDTH < text.length ? "…" : "");
    start -= shift;
    end = Math.min(end - shift, text.length);
  }
  const under = " ".repeat(start) + marker.repeat(Math.max(1, Math.min(end, text.length + 1) - start));
  return [
    `${String(span.line).padStart(gutter)} ${st.blue("|")} ${text}`,
    `${pad} ${st.blue("|")} ${color(under)}${message ? " " + color(message) : ""}`,
  ];
}

export function renderPretty(d: Diagnostic, sources: SourceLookup, options: { color?: boolean } = {}): string {
  const st = options.color ? ansiStyle : plainStyle;
  const sevColor = d.severity === "error" ? st.red : d.severity === "warning" ? st.yellow : st.cyan;
  const all: Label[] = [{ span: d.span, message: "" }, ...d.labels];
  const gutter = Math.max(...all.map((l) => String(l.span.line).length));
  const pad = " ".repeat(gutter);
  const out: string[] = [`${sevColor(`${d.severity}[${d.code}]`)}${st.bold(`: ${d.message}`)}`];
  out.push(`${pad}${st.blue("-->")} ${d.span.file}:${d.span.line}:${d.span.col}`);
  out.push(`${pad} ${st.blue("|")}`);
  const sameFile = d.labels.filter((l) => l.span.file === d.span.file);
  const otherFiles = d.labels.filter((l) => l.span.file !== d.span.file);
  // Labels in the primary's file are shown in line order around it.
  const inFile = [{ span: d.span, message: "", primary: true }, ...sameFile.map((l) => ({ ...l, primary: false }))].sort(
    (a, b) => a.span.line - b.span.line || a.span.col - b.span.col || (a.primary ? -1 : 1),
  );
  for (const l of inFile) {
    out.push(...snippet(l.span, l.primary ? "^" : "-", l.message, sources(l.span.file), gutter, st, l.primary ? sevColor : st.blue));
  }
  for (const l of otherFiles) {
    out.push(`${pad}${st.blue(":::")} ${l.span.file}:${l.span.line}:${l.span.col}`);
    out.push(...snippet(l.span, "-", l.message, sources(l.span.file), gutter, st, st.blue));
  }
  out.push(`${pad} ${st.blue("|")}`);
  for (const n of d.notes) out.push(`${pad} ${st.blue("=")} ${st.bold("note")}: ${n}`);
  if (d.help) out.push(`${pad} ${st.blue("=")} ${st.bold("help")}: ${d.help}`);
  return out.join("\n");
}

export function renderJson(diags: readonly Diagnostic[]): string {
  return JSON.stringify(diags, null, 2);
}

export function summaryLine(diags: readonly Diagnostic[]): string {
  const errors = diags.filter((d) => d.severity === "error").length;
  const warnings = diags.filter((d) => d.severity === "warning").length;
  const part = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  return `${part(errors, "error")}, ${part(warnings, "warning")}`;
}
