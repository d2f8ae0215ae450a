// The front end's one entry point: text -> AST + syntax errors + comments. Never throws.
import type { FileAst, Span } from "./ast.js";
import { AstBuilder } from "./build-ast.js";
import { parseTokens } from "./parser.js";
import { lex } from "./tokens.js";

export interface SyntaxError {
  kind: "invalid-character" | "unexpected-token" | "missing-token" | "unexpected-end";
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

export function parseSource(file: string, text: string): ParsedFile {
  const builder = new AstBuilder(file);
  const lexed = lex(text);
  const errors: SyntaxError[] = lexed.errors.map((e) => ({
    kind: "invalid-character" as const,
    message: `unexpected character \`${text.slice(e.offset, e.offset + Math.max(1, Math.min(e.length, 1)))}\``,
    span: {
      file,
      start: e.offset,
      end: e.offset + 1,
      line: e.line,
      col: e.column,
      endLine: e.line,
      endCol: e.column + 1,
    },
  }));
  const parsed = parseTokens(lexed.tokens);
  const lastToken = lexed.tokens[lexed.tokens.length - 1];
  for (const e of parsed.errors) {
    // At the end of the input chevrotain's token has no position: point at the last real token.
    const t = Number.isFinite(e.token.startOffset) && e.token.tokenType.name !== "EOF" ? e.token : lastToken;
    const span = t ? builder.spanOfTokens(t, t) : { file, start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1 };
    const kind = e.name === "MismatchedTokenException" ? "missing-token" : "unexpected-token";
    errors.push({ kind: t === e.token ? kind : "unexpected-end", message: e.message, span });
  }
  errors.sort((a, b) => a.span.start - b.span.start);
  const ast = builder.file(parsed.cst);
  const comments = lexed.comments.map((c) => ({ text: c.image, span: builder.spanOfTokens(c, c) }));
  return { ast, errors, comments, text };
}
