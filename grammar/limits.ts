// Size limits of the language, checked on the token stream before parsing. The parser, the AST builder
// and every pass after them recurse on nesting (a `{` in a body, a `(` in an expression, each operator
// of a chain, each prefix `-`); without a bound, a few kilobytes of hostile or generated text overflow
// the JavaScript stack. The limits are far above anything a real spec writes (the zoo and the standard
// library nest at most 4 levels and have at most 4 operators in a statement), and each is reported at
// the token where it is crossed, with the limit in the message. One pass, linear in the tokens.
import type { IToken, TokenType } from "chevrotain";

export const LIMITS = {
  /** bytes of one spec file (the largest real spec is a few kilobytes) */
  specBytes: 1024 * 1024,
  /** `{`, `(` and `[` open at the same time */
  nesting: 64,
  /** operators in one expression, counted along its deepest path (the depth of its tree) */
  operators: 256,
  /** prefix operators in a row (`- - x`, `not not x`) */
  prefixRun: 16,
  /** `else if` branches of one `if` statement */
  elseIf: 64,
  /** characters of one name */
  nameLength: 256,
  /** characters of one string literal (a path) */
  stringLength: 4096,
} as const;

export interface LimitError {
  code: "PN1003" | "PN1004";
  message: string;
  token: IToken;
}

const OPENERS = new Set(["LBrace", "LParen", "LBracket"]);
const CLOSERS = new Set(["RBrace", "RParen", "RBracket"]);
/** tokens after which an expression may continue with an infix operator */
const ENDS_OPERAND = new Set(["Identifier", "Integer", "Float", "Dims", "StringLiteral", "True", "False", "RParen", "RBracket"]);
/** tokens that begin an operand: right after an operand they begin the next argument */
const STARTS_OPERAND = new Set(["Identifier", "Integer", "Float", "Dims", "StringLiteral", "True", "False", "LParen", "LBracket", "In"]);
/** tokens that end one expression and start another within the same parentheses */
const SEPARATORS = new Set(["Comma", "DotDot", "Equals", "Colon"]);

function isA(type: TokenType, category: string): boolean {
  return type.name === category || (type.CATEGORIES ?? []).some((c) => c.name === category);
}

/** Running count of one expression level: operators here, plus the deepest parenthesised operand. */
interface Level {
  ops: number;
  deepestChild: number;
}

const number = (n: number) => n.toLocaleString("en-US");

/**
 * The first crossing of each limit (at most one error per kind of limit: after nesting goes past its
 * bound everything inside is suspect, and one message says what to fix).
 */
export function checkLimits(tokens: readonly IToken[]): LimitError[] {
  const errors: LimitError[] = [];
  const reported = new Set<string>();
  const report = (kind: string, code: LimitError["code"], token: IToken, message: string) => {
    if (reported.has(kind)) return;
    reported.add(kind);
    errors.push({ code, message, token });
  };

  // a run of prefix operators is one mistake: say it once
  const tooManyOperators = (t: IToken) => {
    if (!reported.has("prefix")) report("operators", "PN1004", t, `expression too long: more than ${LIMITS.operators} operators in one expression`);
  };

  let depth = 0;
  // expression levels: one per open `(`/`[` since the start of the statement
  let levels: Level[] = [{ ops: 0, deepestChild: 0 }];
  let prefixRun = 0;
  // `else if` count of the `if` statement open at each brace depth
  const elseIfs: number[] = [0];
  let braceDepth = 0;
  let prev: IToken | undefined;

  for (const t of tokens) {
    const name = t.tokenType.name;
    const top = levels[levels.length - 1];

    if (name === "Identifier" && t.image.length > LIMITS.nameLength) {
      report(`name@${t.startOffset}`, "PN1004", t, `a name of ${number(t.image.length)} characters: names are limited to ${LIMITS.nameLength} characters`);
    }
    if (name === "StringLiteral" && t.image.length - 2 > LIMITS.stringLength) {
      report(`string@${t.startOffset}`, "PN1004", t, `a string of ${number(t.image.length - 2)} characters: strings are limited to ${number(LIMITS.stringLength)} characters`);
    }

    if (OPENERS.has(name)) {
      depth++;
      if (depth > LIMITS.nesting) report("nesting", "PN1003", t, `nesting too deep: more than ${LIMITS.nesting} levels of \`{\`, \`(\` and \`[\` are open here`);
    } else if (CLOSERS.has(name)) depth = Math.max(0, depth - 1);

    if (name === "LBrace") {
      braceDepth++;
      elseIfs[braceDepth] = 0;
    } else if (name === "RBrace") braceDepth = Math.max(0, braceDepth - 1);
    else if (name === "Newline") elseIfs[braceDepth] = 0;
    else if (name === "If" && prev?.tokenType.name === "Else") {
      elseIfs[braceDepth] = (elseIfs[braceDepth] ?? 0) + 1;
      if (elseIfs[braceDepth] > LIMITS.elseIf) report("elseIf", "PN1003", t, `too many \`else if\` branches: one \`if\` statement may have at most ${LIMITS.elseIf}`);
    }

    // Expressions: braces and statement ends close every open expression.
    if (name === "LBrace" || name === "RBrace" || name === "Newline") {
      levels = [{ ops: 0, deepestChild: 0 }];
      prefixRun = 0;
    } else if (name === "LParen" || name === "LBracket") {
      if (prev && ENDS_OPERAND.has(prev.tokenType.name)) {
        top.ops = 0;
        top.deepestChild = 0;
      }
      levels.push({ ops: 0, deepestChild: 0 });
      prefixRun = 0;
    } else if (name === "RParen" || name === "RBracket") {
      if (levels.length > 1) {
        const inner = levels.pop()!;
        const parent = levels[levels.length - 1];
        parent.deepestChild = Math.max(parent.deepestChild, inner.ops + inner.deepestChild);
        if (parent.ops + parent.deepestChild > LIMITS.operators) tooManyOperators(t);
      }
      prefixRun = 0;
    } else if (SEPARATORS.has(name)) {
      top.ops = 0;
      top.deepestChild = 0;
      prefixRun = 0;
    } else if (isA(t.tokenType, "BinaryOp") || isA(t.tokenType, "PrefixOp")) {
      const infix = isA(t.tokenType, "BinaryOp") && !!prev && ENDS_OPERAND.has(prev.tokenType.name);
      prefixRun = infix ? 0 : prefixRun + 1;
      if (prefixRun > LIMITS.prefixRun) report("prefix", "PN1004", t, `more than ${LIMITS.prefixRun} prefix operators in a row`);
      top.ops++;
      if (top.ops + top.deepestChild > LIMITS.operators) tooManyOperators(t);
    } else {
      if (STARTS_OPERAND.has(name) && prev && ENDS_OPERAND.has(prev.tokenType.name)) {
        // two operands side by side: the next argument begins
        top.ops = 0;
        top.deepestChild = 0;
      }
      prefixRun = 0;
    }
    prev = t;
  }
  return errors;
}
