// Tokens of the .posenet language. Newlines are significant (they end statements, like `;`); inside
// parentheses they are dropped by `lex` so that long parameter lists can wrap. Comments run from `#` to
// the end of the line and are kept in their own group so that the formatter can put them back.
import { createToken, Lexer, tokenMatcher, type IToken, type TokenType } from "chevrotain";

/** Any word that may name an argument (`stages=5,6`, `init=kaiming`): identifiers and keywords alike. */
export const ArgName = createToken({ name: "ArgName", pattern: Lexer.NA });
/** Infix operators; their precedence is resolved when the AST is built (grammar/build-ast.ts). */
export const BinaryOp = createToken({ name: "BinaryOp", pattern: Lexer.NA });
/** Prefix operators: `-x`, `not x`. */
export const PrefixOp = createToken({ name: "PrefixOp", pattern: Lexer.NA });
export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/, categories: [ArgName] });

function keyword(word: string, extra: TokenType[] = []): TokenType {
  return createToken({
    name: word[0].toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: [ArgName, ...extra],
  });
}

// Keywords: only words that start a declaration or shape the grammar. Op names (conv, relu, ...) and
// setting names (lr, batch, ...) are plain identifiers looked up by the checker, so that a misspelling
// gets a "did you mean" instead of a parse error.
export const Posenet = keyword("posenet");
export const Model = keyword("model");
export const Extends = keyword("extends");
export const Import = keyword("import");
export const As = keyword("as");
export const Input = keyword("input");
export const Keypoints = keyword("keypoints");
export const Backbone = keyword("backbone");
export const Adapter = keyword("adapter");
export const Stages = keyword("stages");
export const First = keyword("first");
export const Refine = keyword("refine");
export const Each = keyword("each");
export const Branch = keyword("branch");
export const Loss = keyword("loss");
export const Train = keyword("train");
export const Block = keyword("block");
export const Until = keyword("until");
export const If = keyword("if");
export const Else = keyword("else");
export const Require = keyword("require");
export const Init = keyword("init");
export const And = keyword("and", [BinaryOp]);
export const Or = keyword("or", [BinaryOp]);
export const Not = keyword("not", [PrefixOp]);
export const True = keyword("true");
export const False = keyword("false");
export const In = keyword("in");
export const For = keyword("for");
export const Group = keyword("group");

export const KEYWORDS = [
  Posenet, Model, Extends, Import, As, Input, Keypoints, Backbone, Adapter, Stages, First, Refine, Each,
  Branch, Loss, Train, Block, Until, If, Else, Require, Init, And, Or, Not, True, False, In, For, Group,
];

// `x5` repeats a statement; it must not swallow identifiers such as `xavier` or `x5a`. `x1`..`x9` are
// also ordinary names where they do not end a statement (`lex` turns those back into identifiers).
export const Repeat = createToken({ name: "Repeat", pattern: /x[0-9]+(?![A-Za-z0-9_])/ });
// `layer{i + 1}:`, `Mconv{b}_stage{s}_L2:`, `{k}:`: a label computed from loop indices and parameters.
// One token (no spaces around the braces), recognised only right before its `:`. The bounds keep a
// failed attempt cheap on hostile input (a long run of `{x}` without a colon).
export const LabelTemplate = createToken({
  name: "LabelTemplate",
  pattern: /(?:[A-Za-z_][A-Za-z0-9_]{0,255})?(?:\{[^{}\n]{1,128}\}[A-Za-z0-9_]{0,255}){1,16}(?=[ \t]{0,64}:(?!:))/,
});
// `3x3`, `368x368x3`: kernel sizes and image sizes.
export const Dims = createToken({ name: "Dims", pattern: /[0-9]+(?:x[0-9]+)+(?![A-Za-z0-9_.])/ });
export const Float = createToken({
  name: "Float",
  pattern: /(?:[0-9]+\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+)(?![A-Za-z0-9_])/,
});
export const Integer = createToken({ name: "Integer", pattern: /[0-9]+(?![A-Za-z0-9_])/ });
export const StringLiteral = createToken({ name: "StringLiteral", pattern: /"(?:[^"\\\n]|\\.)*"/ });

export const DotDot = createToken({ name: "DotDot", pattern: /\.\./ });
export const Dot = createToken({ name: "Dot", pattern: /\./ });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/ });
export const RBracket = createToken({ name: "RBracket", pattern: /\]/ });
export const LBrace = createToken({ name: "LBrace", pattern: /\{/ });
export const RBrace = createToken({ name: "RBrace", pattern: /\}/ });
export const LParen = createToken({ name: "LParen", pattern: /\(/ });
export const RParen = createToken({ name: "RParen", pattern: /\)/ });
export const Comma = createToken({ name: "Comma", pattern: /,/ });
export const Semicolon = createToken({ name: "Semicolon", pattern: /;/ });
export const Colon = createToken({ name: "Colon", pattern: /:/ });
export const EqEq = createToken({ name: "EqEq", pattern: /==/, categories: [BinaryOp] });
export const NotEq = createToken({ name: "NotEq", pattern: /!=/, categories: [BinaryOp] });
export const LessEq = createToken({ name: "LessEq", pattern: /<=/, categories: [BinaryOp] });
export const GreaterEq = createToken({ name: "GreaterEq", pattern: />=/, categories: [BinaryOp] });
export const Less = createToken({ name: "Less", pattern: /</, categories: [BinaryOp] });
export const Greater = createToken({ name: "Greater", pattern: />/, categories: [BinaryOp] });
export const Equals = createToken({ name: "Equals", pattern: /=/ });
export const Plus = createToken({ name: "Plus", pattern: /\+/, categories: [BinaryOp] });
export const Minus = createToken({ name: "Minus", pattern: /-/, categories: [BinaryOp, PrefixOp] });
export const Star = createToken({ name: "Star", pattern: /\*/, categories: [BinaryOp] });
export const Slash = createToken({ name: "Slash", pattern: /\//, categories: [BinaryOp] });
export const Percent = createToken({ name: "Percent", pattern: /%/, categories: [BinaryOp] });
export const Caret = createToken({ name: "Caret", pattern: /\^/, categories: [BinaryOp] });

export const Newline = createToken({ name: "Newline", pattern: /\r?\n/, line_breaks: true });
export const Comment = createToken({ name: "Comment", pattern: /#[^\n]*/, group: "comments" });
export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r]+/, group: Lexer.SKIPPED });

export const ALL_TOKENS: TokenType[] = [
  ArgName,
  BinaryOp,
  PrefixOp,
  WhiteSpace,
  Comment,
  Newline,
  StringLiteral,
  LabelTemplate,
  Dims,
  Float,
  Integer,
  Repeat,
  ...KEYWORDS,
  Identifier,
  DotDot,
  Dot,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  LParen,
  RParen,
  Comma,
  Semicolon,
  Colon,
  EqEq,
  NotEq,
  LessEq,
  GreaterEq,
  Less,
  Greater,
  Equals,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Caret,
];

const lexer = new Lexer(ALL_TOKENS, { positionTracking: "full", ensureOptimizations: false, skipValidations: process.env.POSEC_GRAMMAR_CHECKS !== "1" });

export interface LexResult {
  tokens: IToken[];
  comments: IToken[];
  errors: { offset: number; line: number; column: number; length: number; message: string }[];
}

/**
 * Tokenises a source text. `;` and newlines are both statement terminators: runs of them collapse into
 * one, and those at the start of the file, right after `{`, right before `}` or `else`, and inside
 * parentheses are dropped, so that the grammar sees exactly one terminator between two statements.
 */
export function lex(text: string): LexResult {
  const result = lexer.tokenize(text);
  const tokens: IToken[] = [];
  let depth = 0;
  const lastIsTerm = () => tokens.length > 0 && tokens[tokens.length - 1].tokenType === Newline;
  for (const raw of result.tokens) {
    const type = raw.tokenType;
    if (type === LParen) depth++;
    if (type === RParen) depth = Math.max(0, depth - 1);
    if (type === Newline || type === Semicolon) {
      const prev = tokens[tokens.length - 1];
      if (depth > 0 || !prev || prev.tokenType === Newline || prev.tokenType === LBrace) continue;
      tokens.push(type === Newline ? raw : { ...raw, tokenType: Newline, tokenTypeIdx: Newline.tokenTypeIdx! });
      continue;
    }
    if ((type === RBrace || type === Else) && lastIsTerm()) tokens.pop();
    tokens.push(raw);
  }
  // `x3` repeats only at the end of a statement, after something it can repeat; anywhere else it is a name.
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i].tokenType !== Repeat) continue;
    const prev = tokens[i - 1];
    const after = tokens[i + 1]?.tokenType;
    const ends = after === undefined || after === Newline || after === RBrace;
    const opener = [Newline, LBrace, Colon, Equals, Comma, LParen, LBracket, In];
    const follows = prev !== undefined && !opener.includes(prev.tokenType) && !tokenMatcher(prev, BinaryOp) && !tokenMatcher(prev, PrefixOp);
    if (!(ends && follows)) tokens[i] = { ...tokens[i], tokenType: Identifier, tokenTypeIdx: Identifier.tokenTypeIdx! };
  }
  return {
    tokens,
    comments: (result.groups.comments as IToken[] | undefined) ?? [],
    errors: result.errors.map((e) => ({
      offset: e.offset,
      line: e.line ?? 1,
      column: e.column ?? 1,
      length: e.length,
      message: e.message,
    })),
  };
}
