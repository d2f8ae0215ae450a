// The front end's one entry point: text -> AST + syntax errors + comments. Never throws, and costs time
// and memory linear in the text: the size of a file, the nesting of its brackets and the length of its
// expressions are bounded (grammar/limits.ts) before anything recursive sees them, and at most
// MAX_SYNTAX_ERRORS errors are reported.
import type { IToken } from "chevrotain";
import type { FileAst, Span } from "./ast.js";
import { AstBuilder } from "./build-ast.js";
import { checkLimits, LIMITS } from "./limits.js";
import { MAX_SYNTAX_ERRORS, parseTokens } from "./parser.js";
import { Identifier, lex, StringLiteral, type LexResult } from "./tokens.js";
import { fixTypos, keywordHint } from "./typos.js";

export interface SyntaxError {
  kind: "invalid-character" | "unexpected-token" | "missing-token" | "unexpected-end" | "limit";
  /** the diagnostic code: PN1001 invalid character, PN1002 syntax error, PN1003/PN1004/PN1005 limits */
  code: "PN1001" | "PN1002" | "PN1003" | "PN1004" | "PN1005";
  message: string;
  span: Span;
}

export interface Comment {
  text: string;
  span: Span;
}

export interface ParsedFile {
  ast: FileAst;
  errors: SyntaxError[];
  comments: Comment[];
  text: string;
}

/** A character as it can be shown in a message: printable ones as they are, others as `\u{200b}`. */
export function showChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  // controls, separators and format characters (zero-width spaces, BOMs, direction marks) are invisible
  return /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Zs}]/u.test(ch) ? `\\u{${cp.toString(16)}}` : String.fromCodePoint(cp);
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

export function parseSource(file: string, text: string): ParsedFile {
  const builder = new AstBuilder(file);
  const emptyFile = (): FileAst => ({ kind: "File", file, decls: [], span: spanAt(file) });
  // A size check that reads nothing it does not need to (a character is at most 3 UTF-8 bytes here).
  if (text.length > LIMITS.specBytes || (text.length > LIMITS.specBytes / 3 && utf8Length(text) > LIMITS.specBytes)) {
    const message = `spec too large: ${(utf8Length(text) / 1048576).toFixed(1)} MiB; a spec may have at most ${LIMITS.specBytes / 1048576} MiB`;
    return { ast: emptyFile(), errors: [{ kind: "limit", code: "PN1005", message, span: spanAt(file) }], comments: [], text };
  }
  // A byte-order mark is accepted (editors on Windows write one): it lexes as a space, so offsets stay.
  const lexed = lex(text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text);
  const errors: SyntaxError[] = [];
  for (const e of closeUnterminatedStrings(lexed, text)) errors.push(e(file));
  for (const e of lexed.errors) {
    const ch = String.fromCodePoint(text.codePointAt(e.offset) ?? 0);
    errors.push({
      kind: "invalid-character",
      code: "PN1001",
      message: `unexpected character \`${showChar(ch)}\``,
      span: { file, start: e.offset, end: e.offset + ch.length, line: e.line, col: e.column, endLine: e.line, endCol: e.column + 1 },
    });
  }
  const typos = fixTypos(lexed.tokens);
  lexed.tokens = typos.tokens;
  for (const e of typos.errors) errors.push({ kind: "unexpected-token", code: "PN1002", message: e.message, span: builder.spanOfTokens(e.token, e.token) });
  const limits = checkLimits(lexed.tokens);
  if (limits.length > 0) {
    // Past a limit the parser itself could overflow: report the limits (and bad characters) only.
    for (const l of limits) errors.push({ kind: "limit", code: l.code, message: l.message, span: builder.spanOfTokens(l.token, l.token) });
    return { ast: emptyFile(), errors: capErrors(errors), comments: comments(lexed, builder), text };
  }
  const parsed = parseTokens(lexed.tokens);
  const lastToken = lexed.tokens[lexed.tokens.length - 1];
  for (const e of parsed.errors) {
    // At the end of the input chevrotain's token has no position: point at the last real token.
    const t = Number.isFinite(e.token.startOffset) && e.token.tokenType.name !== "EOF" ? e.token : lastToken;
    const span = t ? builder.spanOfTokens(t, t) : spanAt(file);
    const kind = e.name === "MismatchedTokenException" ? "missing-token" : "unexpected-token";
    // an unexpected name may be a keyword misspelt (`frist`, `extend`)
    const hint = t === e.token && t.tokenType === Identifier ? keywordHint(t.image) : undefined;
    // The parser stops at a top-level token that cannot continue the declaration and "expects the end
    // of the file" there; unknown sections are caught before (grammar/typos.ts), so say what it is.
    const message = t === e.token && e.message.startsWith("expected the end of the file but found") ? `unexpected \`${t.image}\`: expected the end of the declaration` : e.message;
    errors.push({ kind: t === e.token ? kind : "unexpected-end", code: "PN1002", message: hint ? `${message}: ${hint}` : message, span });
  }
  const ast = builder.file(parsed.cst);
  return { ast, errors: capErrors(errors), comments: comments(lexed, builder), text };
}

function comments(lexed: LexResult, builder: AstBuilder): Comment[] {
  return lexed.comments.map((c) => ({ text: c.image, span: builder.spanOfTokens(c, c) }));
}

/**
 * Sorted by position; past MAX_SYNTAX_ERRORS one last error says that the rest is not reported (the
 * parser itself stops there: grammar/parser.ts).
 */
function capErrors(errors: SyntaxError[]): SyntaxError[] {
  errors.sort((a, b) => a.span.start - b.span.start);
  if (errors.length <= MAX_SYNTAX_ERRORS) return errors;
  const next = errors[MAX_SYNTAX_ERRORS];
  const message = `too many errors: the first ${MAX_SYNTAX_ERRORS} are reported, and the file is not checked past this point`;
  return [...errors.slice(0, MAX_SYNTAX_ERRORS), { ...next, code: "PN1002", kind: "unexpected-token", message }];
}

/**
 * A `"` with no closing quote on its line is one error, not a cascade: the rest of the line becomes the
 * string (as the writer meant), and the characters and tokens it covered are dropped. Mutates `lexed`.
 */
function closeUnterminatedStrings(lexed: LexResult, text: string): ((file: string) => SyntaxError)[] {
  const out: ((file: string) => SyntaxError)[] = [];
  const quotes = lexed.errors.filter((e) => text[e.offset] === '"');
  if (quotes.length === 0) return out;
  let errors = lexed.errors;
  let tokens = lexed.tokens;
  let comments = lexed.comments;
  for (const q of quotes) {
    if (!errors.includes(q)) continue; // inside an earlier unterminated string
    const nl = text.indexOf("\n", q.offset);
    const end = (nl < 0 ? text.length : nl) - (text[nl - 1] === "\r" ? 1 : 0);
    const inside = (offset: number) => offset >= q.offset && offset < end;
    errors = errors.filter((e) => !inside(e.offset));
    tokens = tokens.filter((t) => !inside(t.startOffset));
    comments = comments.filter((t) => !inside(t.startOffset));
    const image = text.slice(q.offset, end);
    const token = {
      image: `${image}"`,
      startOffset: q.offset,
      endOffset: end - 1,
      startLine: q.line,
      startColumn: q.column,
      endLine: q.line,
      endColumn: q.column + image.length - 1,
      tokenType: StringLiteral,
      tokenTypeIdx: StringLiteral.tokenTypeIdx!,
    } as IToken;
    const at = tokens.findIndex((t) => t.startOffset > q.offset);
    tokens.splice(at < 0 ? tokens.length : at, 0, token);
    out.push((file) => ({
      kind: "invalid-character",
      code: "PN1001",
      message: "unterminated string: a string must end with `\"` on the line where it starts",
      span: { file, start: q.offset, end: q.offset + 1, line: q.line, col: q.column, endLine: q.line, endCol: q.column + 1 },
    }));
  }
  lexed.errors = errors;
  lexed.tokens = tokens;
  lexed.comments = comments;
  return out;
}

function spanAt(file: string): Span {
  return { file, start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1 };
}
