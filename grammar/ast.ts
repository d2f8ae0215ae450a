// The typed AST of one .posenet file. Every node has a span. The parser recovers from errors, so a
// node may be incomplete: optional fields are missing where the text was, and lists are shorter.

export interface Span {
  file: string;
  /** 0-based character offsets, end exclusive */
  start: number;
  end: number;
  /** 1-based */
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

export interface Ident {
  kind: "Ident";
  name: string;
  span: Span;
}

// ---------- expressions ----------
export type Expr =
  | { kind: "Int"; value: number; text: string; span: Span }
  | { kind: "Float"; value: number; text: string; span: Span }
  | { kind: "String"; value: string; span: Span }
  | { kind: "Dims"; value: number[]; span: Span }
  | { kind: "Bool"; value: boolean; span: Span }
  | { kind: "Name"; name: string; span: Span }
  /** `in.channels` */
  | { kind: "Member"; object: "in"; field: Ident; span: Span }
  /** `prev.pafs`, `paf_stages.last.pafs`: a stage output (only in a stage group's `input`) */
  | { kind: "Path"; parts: Ident[]; span: Span }
  /** `[3, 4, 6, 3]`: a list value (`bracketed` tells the formatter how it was written) */
  | { kind: "Unary"; op: "-" | "not"; operand: Expr; span: Span }
  | { kind: "Binary"; op: BinaryOp; left: Expr; right: Expr; span: Span }
  | { kind: "Range"; from: Expr; to: Expr; span: Span }
  | { kind: "List"; items: Expr[]; bracketed?: boolean; span: Span }
  | { kind: "Paren"; inner: Expr; span: Span };

export type BinaryOp = "+" | "-" | "*" | "/" | "%" | "^" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "and" | "or";

// ---------- arguments ----------
export type Arg =
  | { kind: "Named"; name: Ident; value: Expr; span: Span }
  | { kind: "Positional"; value: Expr; span: Span };

// ---------- layer statements (bodies of blocks, backbone, adapter, stage branches) ----------
export interface Body {
  kind: "Body";
  stmts: Stmt[];
  span: Span;
}

export type Stmt = LayerStmt | GroupStmt | IfStmt | RequireStmt | InitStmt | ForStmt;

/**
 * A statement label: a plain name, or a template whose `{expr}` parts are evaluated where the
 * statement runs (`layer{i + 1}`, `Mconv{b}_stage{s}_L2`).
 */
export interface Label extends Ident {
  /** literal text and expressions, alternating: parts[0] text, parts[1] expr, parts[2] text, ... */
  template?: (string | Expr)[];
  /** set when a `{...}` part is not an expression (reported by the checker) */
  templateError?: string;
}

/** `[label:] callee args... [{ branch } { branch }...] [xN]` */
export interface LayerStmt {
  kind: "Layer";
  label?: Label;
  callee: Ident;
  args: Arg[];
  branches: Body[];
  repeat?: { count: number; span: Span };
  span: Span;
}
/** `[label:] { stmts } [xN]` */
export interface GroupStmt {
  kind: "Group";
  label?: Label;
  body: Body;
  repeat?: { count: number; span: Span };
  span: Span;
}
export interface IfStmt {
  kind: "If";
  condition?: Expr;
  then: Body;
  otherwise?: Body | IfStmt;
  span: Span;
}
export interface RequireStmt {
  kind: "Require";
  condition?: Expr;
  message?: { value: string; span: Span };
  span: Span;
}
/** `for d in [3, 4]`, `for i, d in depths`, `for k in 1..5`: the body once per item, in order */
export interface ForStmt {
  kind: "For";
  /** one name (the item) or two (0-based index, item) */
  vars: Ident[];
  iterable?: Expr;
  body: Body;
  span: Span;
}
/** `init kaiming mode=fan_out`: default initialisation for the rest of the enclosing scope */
export interface InitStmt {
  kind: "Init";
  scheme?: Ident;
  args: Arg[];
  span: Span;
}

// ---------- declarations ----------
/** `heatmap l2 masked`, `lr_mult stages=2..6 weight=4`: one line of a settings section */
export interface Setting {
  kind: "Setting";
  name: Ident;
  args: Arg[];
  span: Span;
}

export interface BlockParam {
  name: Ident;
  type?: Ident;
  default?: Expr;
  span: Span;
}

/** One line of a stage group: `[label:] input refs`, or `trunk|heatmaps|pafs { ... }`. */
export type GroupItem =
  | { kind: "Input"; label?: Label; refs: Expr[]; span: Span }
  | { kind: "Part"; label?: Label; part: Ident; body: Body; span: Span };

/** `group NAME COUNT outputs=pafs|heatmaps|both { ... }`: COUNT consecutive stages wired alike. */
export interface StageGroup {
  kind: "StageGroup";
  name: Ident;
  count?: { value: number; span: Span };
  args: Arg[];
  items: GroupItem[];
  span: Span;
}

export type StageBodies =
  | { kind: "EachBranch"; body: Body; span: Span }
  | { kind: "PerBranch"; branches: { name: Ident; body: Body }[]; span: Span };

export type Decl =
  | { kind: "Version"; version?: { value: number; span: Span }; span: Span }
  | { kind: "Model"; name?: Ident; extends?: { value: string; span: Span }; span: Span }
  | { kind: "Import"; path?: { value: string; span: Span }; span: Span }
  | { kind: "Input"; name?: Ident; args: Arg[]; span: Span }
  | { kind: "Keypoints"; name?: Ident; args: Arg[]; body?: Setting[]; span: Span }
  | {
      kind: "Backbone";
      /** a call of a block (`resnet50 se=8`) or an inline body */
      callee?: Ident;
      args: Arg[];
      body?: Body;
      until?: Ident;
      /** `weights="resnet50.pth"`: a weights file for the backbone's layers (taken out of `args`) */
      weights?: { value: Expr; span: Span };
      span: Span;
    }
  | { kind: "Adapter"; body?: Body; span: Span }
  | {
      kind: "Stages";
      count?: { value: number; span: Span };
      args: Arg[];
      first?: StageBodies;
      refine?: StageBodies;
      /** the general form; a `stages` section uses either groups or `first`/`refine` */
      groups: StageGroup[];
      span: Span;
    }
  | { kind: "Loss"; settings: Setting[]; span: Span }
  | { kind: "Train"; settings: Setting[]; span: Span }
  | { kind: "Init"; stmt: InitStmt; span: Span }
  | { kind: "Block"; name?: Ident; params: BlockParam[]; body?: Body; span: Span };

export interface FileAst {
  kind: "File";
  file: string;
  decls: Decl[];
  span: Span;
}

export type DeclKind = Decl["kind"];
export type DeclOf<K extends DeclKind> = Extract<Decl, { kind: K }>;

/** Binding power of the expression operators, higher binds tighter (`neg` is unary minus): the parser's
 * precedence climbing (build-ast.ts) and the formatter's parentheses (format.ts) read the same table. */
export const PRECEDENCE: Readonly<Record<string, number>> = { or: 1, and: 2, not: 3, "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6, neg: 7, "^": 8 };
