// The chevrotain grammar of .posenet (a CstParser with error recovery). `lex` has already collapsed
// runs of statement terminators and dropped those right after `{`, right before `}` and at the start of
// the file, so every list below is simply `item (TERM item)*`.
import {
  CstParser,
  EOF,
  type CstNode,
  type IParserErrorMessageProvider,
  type IRecognitionException,
  type IToken,
  type TokenType,
} from "chevrotain";
import * as T from "./tokens.js";

/** Syntax errors reported per file; the parser stops recovering after this many. */
export const MAX_SYNTAX_ERRORS = 50;

/** Newline or `;` after `lex` normalisation. */
export const Term = T.Newline;

const TOKEN_LABELS: Record<string, string> = {
  Identifier: "a name",
  ArgName: "a name",
  Integer: "an integer",
  Float: "a number",
  Dims: "a size like 3x3",
  StringLiteral: "a string",
  Repeat: "a repetition like x3",
  LabelTemplate: "a label like `layer{i + 1}`",
  LBracket: "`[`",
  RBracket: "`]`",
  Newline: "the end of the statement (newline or `;`)",
  LBrace: "`{`",
  RBrace: "`}`",
  LParen: "`(`",
  RParen: "`)`",
  Comma: "`,`",
  Colon: "`:`",
  Equals: "`=`",
  DotDot: "`..`",
  Dot: "`.`",
  EOF: "the end of the file",
};

function label(type: TokenType): string {
  return TOKEN_LABELS[type.name] ?? `\`${type.name.toLowerCase()}\``;
}

function found(t: IToken): string {
  if (t.tokenType === EOF || !Number.isFinite(t.startOffset)) return "end of file";
  if (t.tokenType === T.Newline) return t.image === ";" ? "`;`" : "end of line";
  return `\`${t.image}\``;
}

const RULE_LABELS: Record<string, string> = {
  file: "a declaration",
  decl: "a declaration (posenet, model, import, input, keypoints, backbone, adapter, stages, loss, train, init, block)",
  stmt: "a layer, `{ ... }`, `if`, `require`, `init`, or a `}` closing the body",
  layerStmt: "a layer name or `{`",
  stageBodies: "`each branch { ... }` or `{ heatmap { ... } paf { ... } }`",
  stagesItem: "`first`, `refine` or `group`",
  groupItem: "`input ...`, `trunk { ... }`, `heatmaps { ... }` or `pafs { ... }`",
  primary: "a value (a number, size, string, name or `(`)",
  expr: "a value",
  arg: "an argument",
  backboneDecl: "a backbone name or `{`",
};

function expectedFirst(paths: TokenType[][][]): string {
  const labels = [...new Set(paths.flat().map((p) => (p[0] ? label(p[0]) : "")).filter(Boolean))];
  return labels.length <= 4 ? labels.join(" or ") : `${labels.slice(0, 4).join(", ")} or ...`;
}

/** Messages in the words of the language rather than chevrotain's token-type names. */
const errorMessageProvider: IParserErrorMessageProvider = {
  // Expecting `}` or a terminator means the statement could not continue: name the intruder.
  buildMismatchTokenMessage: ({ expected, actual }) =>
    expected === T.RBrace || expected === T.Newline
      ? `unexpected ${found(actual)}: expected the end of the statement${expected === T.RBrace ? " or `}`" : ""}`
      : `expected ${label(expected)} but found ${found(actual)}`,
  buildNotAllInputParsedMessage: ({ firstRedundant }) => `unexpected ${found(firstRedundant)}: expected a declaration`,
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual, ruleName }) =>
    `unexpected ${found(actual[0])}: expected ${RULE_LABELS[ruleName] ?? expectedFirst(expectedPathsPerAlt)}`,
  buildEarlyExitMessage: ({ expectedIterationPaths, actual, ruleName }) =>
    `unexpected ${found(actual[0])}: expected ${RULE_LABELS[ruleName] ?? expectedFirst([expectedIterationPaths])}`,
};

class PosenetParser extends CstParser {
  constructor() {
    super(T.ALL_TOKENS, { recoveryEnabled: true, maxLookahead: 2, nodeLocationTracking: "none", errorMessageProvider, skipValidations: process.env.POSEC_GRAMMAR_CHECKS !== "1" });
    this.performSelfAnalysis();
    // Bounded error recovery. chevrotain recovers inside a repetition by calling the repetition again
    // from within itself, so each such recovery nests a call (thousands of errors in one body overflow
    // the stack), and every error costs an exception. After MAX_SYNTAX_ERRORS the parser stops: it
    // sees the end of the input right after the offending token (grammar/parse.ts says so).
    // (`this.errors` copies the list: the count is read from chevrotain's own array.)
    const self = this as unknown as {
      attemptInRepetitionRecovery: (...args: unknown[]) => void;
      SAVE_ERROR: (error: unknown) => unknown;
      _errors: unknown[];
      currIdx: number;
      tokVectorLength: number;
    };
    const recoverInRepetition = self.attemptInRepetitionRecovery;
    self.attemptInRepetitionRecovery = function (this: typeof self, ...args: unknown[]) {
      if (this._errors.length < MAX_SYNTAX_ERRORS) recoverInRepetition.apply(this, args);
    };
    const saveError = self.SAVE_ERROR;
    self.SAVE_ERROR = function (this: typeof self, error: unknown) {
      const saved = saveError.call(this, error);
      if (this._errors.length > MAX_SYNTAX_ERRORS) this.tokVectorLength = Math.min(this.tokVectorLength, this.currIdx + 2);
      return saved;
    };
  }

  file = this.RULE("file", () => {
    this.OPTION(() => {
      this.SUBRULE(this.decl);
      this.MANY(() => {
        this.CONSUME(Term);
        this.OPTION2(() => this.SUBRULE2(this.decl));
      });
    });
  });

  decl = this.RULE("decl", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.versionDecl) },
      { ALT: () => this.SUBRULE(this.modelDecl) },
      { ALT: () => this.SUBRULE(this.importDecl) },
      { ALT: () => this.SUBRULE(this.inputDecl) },
      { ALT: () => this.SUBRULE(this.keypointsDecl) },
      { ALT: () => this.SUBRULE(this.backboneDecl) },
      { ALT: () => this.SUBRULE(this.adapterDecl) },
      { ALT: () => this.SUBRULE(this.stagesDecl) },
      { ALT: () => this.SUBRULE(this.lossDecl) },
      { ALT: () => this.SUBRULE(this.trainDecl) },
      { ALT: () => this.SUBRULE(this.initStmt) },
      { ALT: () => this.SUBRULE(this.blockDecl) },
    ]);
  });

  versionDecl = this.RULE("versionDecl", () => {
    this.CONSUME(T.Posenet);
    this.CONSUME(T.Integer, { LABEL: "version" });
  });

  modelDecl = this.RULE("modelDecl", () => {
    this.CONSUME(T.Model);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(T.Extends);
      this.CONSUME(T.StringLiteral, { LABEL: "parent" });
    });
  });

  importDecl = this.RULE("importDecl", () => {
    this.CONSUME(T.Import);
    this.CONSUME(T.StringLiteral, { LABEL: "path" });
  });

  inputDecl = this.RULE("inputDecl", () => {
    this.CONSUME(T.Input);
    this.OPTION(() => this.CONSUME(T.Identifier, { LABEL: "name" }));
    this.args();
  });

  keypointsDecl = this.RULE("keypointsDecl", () => {
    this.CONSUME(T.Keypoints);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.args();
    this.OPTION(() => this.SUBRULE(this.settingsBody));
  });

  backboneDecl = this.RULE("backboneDecl", () => {
    this.CONSUME(T.Backbone);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Identifier, { LABEL: "callee" });
          this.args();
        },
      },
      { ALT: () => this.SUBRULE(this.body) },
    ]);
    this.OPTION(() => {
      this.CONSUME(T.Until);
      this.CONSUME2(T.Identifier, { LABEL: "until" });
    });
    // `until layer2 weights="resnet50.pth"`: the backbone's own arguments may follow the cut point
    this.MANY2({ GATE: () => this.argAhead(), DEF: () => this.SUBRULE2(this.arg) });
  });

  adapterDecl = this.RULE("adapterDecl", () => {
    this.CONSUME(T.Adapter);
    this.SUBRULE(this.body);
  });

  stagesDecl = this.RULE("stagesDecl", () => {
    this.CONSUME(T.Stages);
    this.OPTION(() => this.CONSUME(T.Integer, { LABEL: "count" }));
    this.args();
    this.CONSUME(T.LBrace);
    this.OPTION2(() => {
      this.SUBRULE(this.stagesItem);
      this.MANY2(() => {
        this.CONSUME(Term);
        this.SUBRULE2(this.stagesItem);
      });
    });
    this.CONSUME(T.RBrace);
  });

  stagesItem = this.RULE("stagesItem", () => {
    this.OR([{ ALT: () => this.SUBRULE(this.stageBodies) }, { ALT: () => this.SUBRULE(this.groupDecl) }]);
  });

  /** `group NAME COUNT outputs=pafs { input features, prev.pafs; trunk { ... }; pafs { ... } }` */
  groupDecl = this.RULE("groupDecl", () => {
    this.CONSUME(T.Group);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION(() => this.CONSUME(T.Integer, { LABEL: "count" }));
    this.args();
    this.CONSUME(T.LBrace);
    this.OPTION2(() => {
      this.SUBRULE(this.groupItem);
      this.MANY2(() => {
        this.CONSUME(Term);
        this.SUBRULE2(this.groupItem);
      });
    });
    this.CONSUME(T.RBrace);
  });

  groupItem = this.RULE("groupItem", () => {
    this.OPTION(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Identifier, { LABEL: "label" }) }, { ALT: () => this.CONSUME(T.LabelTemplate, { LABEL: "label" }) }]);
      this.CONSUME(T.Colon);
    });
    this.OR2([
      {
        ALT: () => {
          this.CONSUME(T.Input);
          this.SUBRULE(this.listExpr, { LABEL: "refs" });
        },
      },
      {
        ALT: () => {
          this.CONSUME2(T.Identifier, { LABEL: "part" });
          this.SUBRULE(this.body);
        },
      },
    ]);
  });

  stageBodies = this.RULE("stageBodies", () => {
    this.OR([{ ALT: () => this.CONSUME(T.First, { LABEL: "which" }) }, { ALT: () => this.CONSUME(T.Refine, { LABEL: "which" }) }]);
    this.OR2([
      {
        ALT: () => {
          this.CONSUME(T.Each);
          this.CONSUME(T.Branch);
          this.SUBRULE(this.body);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LBrace);
          this.OPTION(() => {
            this.SUBRULE(this.branchBody);
            this.MANY(() => {
              this.CONSUME(Term);
              this.SUBRULE2(this.branchBody);
            });
          });
          this.CONSUME(T.RBrace);
        },
      },
    ]);
  });

  branchBody = this.RULE("branchBody", () => {
    this.CONSUME(T.Identifier, { LABEL: "branch" });
    this.SUBRULE(this.body);
  });

  lossDecl = this.RULE("lossDecl", () => {
    this.CONSUME(T.Loss);
    this.SUBRULE(this.settingsBody);
  });

  trainDecl = this.RULE("trainDecl", () => {
    this.CONSUME(T.Train);
    this.SUBRULE(this.settingsBody);
  });

  settingsBody = this.RULE("settingsBody", () => {
    this.CONSUME(T.LBrace);
    this.OPTION(() => {
      this.SUBRULE(this.setting);
      this.MANY(() => {
        this.CONSUME(Term);
        this.SUBRULE2(this.setting);
      });
    });
    this.CONSUME(T.RBrace);
  });

  setting = this.RULE("setting", () => {
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.args();
  });

  blockDecl = this.RULE("blockDecl", () => {
    this.CONSUME(T.Block);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.param) });
    this.CONSUME(T.RParen);
    this.SUBRULE(this.body);
  });

  param = this.RULE("param", () => {
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      // `unit: block`: a parameter that takes a block
      this.OR([{ ALT: () => this.CONSUME2(T.Identifier, { LABEL: "type" }) }, { ALT: () => this.CONSUME(T.Block, { LABEL: "type" }) }]);
    });
    this.OPTION2(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.rangeExpr, { LABEL: "default" });
    });
  });

  body = this.RULE("body", () => {
    this.CONSUME(T.LBrace);
    this.OPTION(() => {
      this.SUBRULE(this.stmt);
      this.MANY(() => {
        this.CONSUME(Term);
        this.SUBRULE2(this.stmt);
      });
    });
    this.CONSUME(T.RBrace);
  });

  stmt = this.RULE("stmt", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.ifStmt) },
      { ALT: () => this.SUBRULE(this.requireStmt) },
      { ALT: () => this.SUBRULE(this.initStmt) },
      { ALT: () => this.SUBRULE(this.forStmt) },
      { ALT: () => this.SUBRULE(this.layerStmt) },
    ]);
  });

  /** `for i in 1..5 { ... }`, `for i, d in depths { ... }`: i counts from 0 when two names are given */
  forStmt = this.RULE("forStmt", () => {
    this.CONSUME(T.For);
    this.CONSUME(T.Identifier, { LABEL: "vars" });
    this.OPTION(() => {
      this.CONSUME(T.Comma);
      this.CONSUME2(T.Identifier, { LABEL: "vars" });
    });
    this.CONSUME(T.In);
    this.SUBRULE(this.rangeExpr, { LABEL: "iterable" });
    this.SUBRULE(this.body);
  });

  layerStmt = this.RULE("layerStmt", () => {
    this.OPTION(() => {
      this.OR3([{ ALT: () => this.CONSUME(T.Identifier, { LABEL: "label" }) }, { ALT: () => this.CONSUME(T.LabelTemplate, { LABEL: "label" }) }]);
      this.CONSUME(T.Colon);
    });
    this.OR([
      {
        ALT: () => {
          this.CONSUME2(T.Identifier, { LABEL: "callee" });
          this.args();
          this.MANY2(() => this.SUBRULE(this.body, { LABEL: "branches" }));
        },
      },
      { ALT: () => this.SUBRULE2(this.body, { LABEL: "group" }) },
    ]);
    this.OPTION2(() => this.CONSUME(T.Repeat));
  });

  ifStmt = this.RULE("ifStmt", () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.expr, { LABEL: "condition" });
    this.SUBRULE(this.body, { LABEL: "then" });
    this.OPTION(() => {
      this.CONSUME(T.Else);
      this.OR([
        { ALT: () => this.SUBRULE2(this.ifStmt, { LABEL: "elseIf" }) },
        { ALT: () => this.SUBRULE3(this.body, { LABEL: "otherwise" }) },
      ]);
    });
  });

  requireStmt = this.RULE("requireStmt", () => {
    this.CONSUME(T.Require);
    this.SUBRULE(this.expr, { LABEL: "condition" });
    this.CONSUME(T.StringLiteral, { LABEL: "message" });
  });

  initStmt = this.RULE("initStmt", () => {
    this.CONSUME(T.Init);
    this.CONSUME(T.Identifier, { LABEL: "scheme" });
    this.args();
  });

  // A keyword may name an argument (`stages=5,6`) but only when `=` follows; elsewhere a keyword ends
  // the argument list (`backbone resnet50 se=8 until layer2`).
  private argAhead(): boolean {
    const next = this.LA(1).tokenType;
    if (this.LA(2).tokenType === T.Equals) return true;
    return next !== T.ArgName && (next === T.Identifier || next === T.In || next === T.True || next === T.False || !T.KEYWORDS.includes(next));
  }

  private args(): void {
    this.MANY({ GATE: () => this.argAhead(), DEF: () => this.SUBRULE(this.arg) });
  }

  arg = this.RULE("arg", () => {
    this.OR([
      {
        GATE: () => this.LA(2).tokenType === T.Equals,
        ALT: () => {
          this.CONSUME(T.ArgName, { LABEL: "name" });
          this.CONSUME(T.Equals);
          this.SUBRULE(this.listExpr, { LABEL: "value" });
        },
      },
      { ALT: () => this.SUBRULE2(this.listExpr, { LABEL: "value" }) },
    ]);
  });

  // ---------- expressions, lowest precedence first ----------
  listExpr = this.RULE("listExpr", () => {
    this.SUBRULE(this.rangeExpr, { LABEL: "items" });
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.rangeExpr, { LABEL: "items" });
    });
  });

  rangeExpr = this.RULE("rangeExpr", () => {
    this.SUBRULE(this.expr, { LABEL: "from" });
    this.OPTION(() => {
      this.CONSUME(T.DotDot);
      this.SUBRULE2(this.expr, { LABEL: "to" });
    });
  });

  // A flat sequence `prefix* primary (infix prefix* primary)*`: the AST builder applies precedence.
  // One rule instead of a rule per precedence level keeps the CST shallow and the parser fast.
  expr = this.RULE("expr", () => {
    this.MANY(() => this.CONSUME(T.PrefixOp, { LABEL: "ops" }));
    this.SUBRULE(this.primary, { LABEL: "operands" });
    this.MANY2(() => {
      this.CONSUME(T.BinaryOp, { LABEL: "ops" });
      this.MANY3(() => this.CONSUME2(T.PrefixOp, { LABEL: "ops" }));
      this.SUBRULE2(this.primary, { LABEL: "operands" });
    });
  });

  primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Integer, { LABEL: "literal" }) },
      { ALT: () => this.CONSUME(T.Float, { LABEL: "literal" }) },
      { ALT: () => this.CONSUME(T.StringLiteral, { LABEL: "literal" }) },
      { ALT: () => this.CONSUME(T.Dims, { LABEL: "literal" }) },
      { ALT: () => this.CONSUME(T.True, { LABEL: "literal" }) },
      { ALT: () => this.CONSUME(T.False, { LABEL: "literal" }) },
      {
        ALT: () => {
          this.CONSUME(T.Identifier, { LABEL: "name" });
          // `prev.pafs`, `paf_stages.last.pafs`: a path naming a stage output
          this.MANY(() => {
            this.CONSUME(T.Dot);
            this.CONSUME3(T.Identifier, { LABEL: "path" });
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LBracket);
          this.OPTION(() => this.SUBRULE2(this.listExpr, { LABEL: "bracket" }));
          this.CONSUME(T.RBracket);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.In, { LABEL: "inKw" });
          this.CONSUME2(T.Dot);
          this.CONSUME2(T.Identifier, { LABEL: "field" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.listExpr, { LABEL: "paren" });
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });
}

// One parser instance: chevrotain's self-analysis is the expensive part, and parsing is re-entrant
// per call (the instance is reset by setting `input`).
let instance: PosenetParser | undefined;
export function parser(): PosenetParser {
  instance ??= new PosenetParser();
  return instance;
}

export interface ParseResult {
  cst: CstNode;
  errors: IRecognitionException[];
}

export function parseTokens(tokens: IToken[]): ParseResult {
  const p = parser();
  p.input = tokens;
  const cst = p.file();
  return { cst, errors: [...p.errors] };
}

export { EOF };
export type { TokenType };
