// CST -> AST. The CST may be partial (the parser recovers from errors); every accessor here tolerates
// missing children, so building never throws and returns whatever the text did say.
import type { CstElement, CstNode, IToken } from "chevrotain";
import type * as A from "./ast.js";
import { PRECEDENCE } from "./ast.js";
import { parser } from "./parser.js";
import { lex } from "./tokens.js";

type Children = Record<string, CstElement[] | undefined>;


function isToken(e: CstElement | undefined): e is IToken {
  return !!e && (e as IToken).image !== undefined && !(e as IToken).isInsertedInRecovery && Number.isFinite((e as IToken).startOffset);
}
function isNode(e: CstElement | undefined): e is CstNode {
  return !!e && (e as CstNode).children !== undefined;
}

function kids(node: CstNode | undefined): Children {
  return (node?.children ?? {}) as Children;
}
function tok(node: CstNode | undefined, label: string, i = 0): IToken | undefined {
  const e = kids(node)[label]?.[i];
  return isToken(e) ? e : undefined;
}
function toks(node: CstNode | undefined, label: string): IToken[] {
  return (kids(node)[label] ?? []).filter(isToken);
}
function sub(node: CstNode | undefined, label: string, i = 0): CstNode | undefined {
  const e = kids(node)[label]?.[i];
  return isNode(e) ? e : undefined;
}
function subs(node: CstNode | undefined, label: string): CstNode[] {
  return (kids(node)[label] ?? []).filter(isNode);
}

/** The first and last real tokens under a node (memoised: spans are asked for at every level). */
const extentCache = new WeakMap<CstNode, [IToken, IToken] | null>();
function extent(e: CstElement | undefined): [IToken, IToken] | null {
  if (isToken(e)) return [e, e];
  if (!isNode(e)) return null;
  const cached = extentCache.get(e);
  if (cached !== undefined) return cached;
  let first: IToken | undefined;
  let last: IToken | undefined;
  for (const list of Object.values(e.children)) {
    for (const c of list ?? []) {
      const x = extent(c);
      if (!x) continue;
      if (!first || x[0].startOffset < first.startOffset) first = x[0];
      if (!last || x[1].startOffset > last.startOffset) last = x[1];
    }
  }
  const result: [IToken, IToken] | null = first && last ? [first, last] : null;
  extentCache.set(e, result);
  return result;
}

export class AstBuilder {
  constructor(private readonly fileName: string) {}

  spanOfTokens(first: IToken, last: IToken): A.Span {
    return {
      file: this.fileName,
      start: first.startOffset,
      end: (last.endOffset ?? last.startOffset) + 1,
      line: first.startLine ?? 1,
      col: first.startColumn ?? 1,
      endLine: last.endLine ?? last.startLine ?? 1,
      endCol: (last.endColumn ?? last.startColumn ?? 0) + 1,
    };
  }

  /** Span covering every real token of the given elements; an empty span at `fallback` if none. */
  span(elements: (CstElement | undefined)[], fallback?: A.Span): A.Span {
    let first: IToken | undefined;
    let last: IToken | undefined;
    for (const e of elements) {
      const x = extent(e);
      if (!x) continue;
      if (!first || x[0].startOffset < first.startOffset) first = x[0];
      if (!last || x[1].startOffset > last.startOffset) last = x[1];
    }
    if (!first || !last) return fallback ?? { file: this.fileName, start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1 };
    return this.spanOfTokens(first, last);
  }

  ident(t: IToken | undefined): A.Ident | undefined {
    return t ? { kind: "Ident", name: t.image, span: this.spanOfTokens(t, t) } : undefined;
  }

  file(cst: CstNode): A.FileAst {
    const decls: A.Decl[] = [];
    for (const d of subs(cst, "decl")) {
      const decl = this.decl(d);
      if (decl) decls.push(decl);
    }
    return { kind: "File", file: this.fileName, decls, span: this.span([cst]) };
  }

  decl(node: CstNode): A.Decl | undefined {
    const [name, inner] = Object.entries(node.children).find(([, v]) => v && v.length > 0) ?? [];
    const n = inner?.[0];
    if (!isNode(n)) return undefined;
    const span = this.span([n]);
    switch (name) {
      case "versionDecl": {
        const v = tok(n, "version");
        return { kind: "Version", version: v ? { value: Number(v.image), span: this.spanOfTokens(v, v) } : undefined, span };
      }
      case "modelDecl": {
        const parent = tok(n, "parent");
        return { kind: "Model", name: this.ident(tok(n, "name")), extends: parent ? this.stringLit(parent) : undefined, span };
      }
      case "importDecl": {
        const p = tok(n, "path");
        return { kind: "Import", path: p ? this.stringLit(p) : undefined, span };
      }
      case "inputDecl":
        return { kind: "Input", name: this.ident(tok(n, "name")), args: this.args(n), span };
      case "keypointsDecl": {
        const body = sub(n, "settingsBody");
        return { kind: "Keypoints", name: this.ident(tok(n, "name")), args: this.args(n), body: body ? this.settings(body) : undefined, span };
      }
      case "backboneDecl": {
        const body = sub(n, "body");
        // `weights=` belongs to the backbone itself, not to the block it calls
        const all = this.args(n);
        const weights = all.find((a) => a.kind === "Named" && a.name.name === "weights");
        return {
          kind: "Backbone",
          callee: this.ident(tok(n, "callee")),
          args: all.filter((a) => a !== weights),
          body: body ? this.body(body) : undefined,
          until: this.ident(tok(n, "until")),
          ...(weights ? { weights: { value: weights.value, span: weights.span } } : {}),
          span,
        };
      }
      case "adapterDecl": {
        const body = sub(n, "body");
        return { kind: "Adapter", body: body ? this.body(body) : undefined, span };
      }
      case "stagesDecl": {
        const count = tok(n, "count");
        const decl: A.DeclOf<"Stages"> = {
          kind: "Stages",
          count: count ? { value: Number(count.image), span: this.spanOfTokens(count, count) } : undefined,
          args: this.args(n),
          groups: subs(n, "stagesItem").flatMap((it) => {
            const g = sub(it, "groupDecl");
            return g ? this.stageGroup(g) : [];
          }),
          span,
        };
        for (const sb of subs(n, "stagesItem").flatMap((it) => subs(it, "stageBodies"))) {
          const which = tok(sb, "which");
          const bodies = this.stageBodies(sb);
          if (!which || !bodies) continue;
          if (which.image === "first") decl.first ??= bodies;
          else decl.refine ??= bodies;
        }
        return decl;
      }
      case "lossDecl":
        return { kind: "Loss", settings: this.settings(sub(n, "settingsBody")), span };
      case "trainDecl":
        return { kind: "Train", settings: this.settings(sub(n, "settingsBody")), span };
      case "initStmt":
        return { kind: "Init", stmt: this.initStmt(n), span };
      case "blockDecl": {
        const body = sub(n, "body");
        return {
          kind: "Block",
          name: this.ident(tok(n, "name")),
          params: subs(n, "param").flatMap((p) => {
            const pname = this.ident(tok(p, "name"));
            if (!pname) return [];
            const def = sub(p, "default");
            return [{ name: pname, type: this.ident(tok(p, "type")), default: def ? this.rangeExpr(def) : undefined, span: this.span([p]) }];
          }),
          body: body ? this.body(body) : undefined,
          span,
        };
      }
      default:
        return undefined;
    }
  }

  stageGroup(node: CstNode): A.StageGroup[] {
    const name = this.ident(tok(node, "name"));
    if (!name) return [];
    const count = tok(node, "count");
    const items = subs(node, "groupItem").flatMap((it): A.GroupItem[] => {
      const label = this.label(tok(it, "label"));
      const span = this.span([it]);
      const refs = sub(it, "refs");
      if (refs) {
        const e = this.listExpr(refs);
        return e ? [{ kind: "Input", label, refs: e.kind === "List" && !e.bracketed ? e.items : [e], span }] : [];
      }
      const part = this.ident(tok(it, "part"));
      const body = sub(it, "body");
      return part && body ? [{ kind: "Part", label, part, body: this.body(body), span }] : [];
    });
    return [{ kind: "StageGroup", name, count: count ? { value: Number(count.image), span: this.spanOfTokens(count, count) } : undefined, args: this.args(node), items, span: this.span([node]) }];
  }

  /** A label token; a template's `{expr}` parts are parsed here with the expression grammar. */
  label(t: IToken | undefined): A.Label | undefined {
    const id = this.ident(t);
    if (!t || !id || t.tokenType.name !== "LabelTemplate") return id;
    const template: (string | A.Expr)[] = [];
    const re = /\{([^{}]*)\}/g;
    let last = 0;
    for (let m = re.exec(t.image); m; m = re.exec(t.image)) {
      template.push(t.image.slice(last, m.index));
      const expr = this.subExpr(m[1], t, m.index + 1);
      if (!expr) return { ...id, template: undefined, templateError: `\`{${m[1]}}\` in the label is not an expression` } as A.Label;
      template.push(expr);
      last = m.index + m[0].length;
    }
    template.push(t.image.slice(last));
    return { ...id, template };
  }

  /** Parses `text`, found at `offset` inside token `host` (one line), as an expression with real spans. */
  private subExpr(text: string, host: IToken, offset: number): A.Expr | undefined {
    const lexed = lex(text);
    if (lexed.errors.length > 0 || lexed.tokens.length === 0) return undefined;
    const shifted = lexed.tokens.map((k) => ({
      ...k,
      startOffset: host.startOffset + offset + k.startOffset,
      endOffset: host.startOffset + offset + (k.endOffset ?? k.startOffset),
      startLine: host.startLine,
      endLine: host.startLine,
      startColumn: (host.startColumn ?? 1) + offset + (k.startColumn ?? 1) - 1,
      endColumn: (host.startColumn ?? 1) + offset + (k.endColumn ?? k.startColumn ?? 1) - 1,
    }));
    const p = parser();
    const saved = p.input;
    p.input = shifted;
    const cst = p.rangeExpr();
    const ok = p.errors.length === 0;
    p.input = saved;
    return ok ? this.rangeExpr(cst) : undefined;
  }

  /** Duplicate `first`/`refine` entries are reported by the checker; the builder keeps the first. */
  stageBodies(node: CstNode): A.StageBodies | undefined {
    const span = this.span([node]);
    const each = sub(node, "body");
    if (each) return { kind: "EachBranch", body: this.body(each), span };
    return {
      kind: "PerBranch",
      branches: subs(node, "branchBody").flatMap((b) => {
        const name = this.ident(tok(b, "branch"));
        const body = sub(b, "body");
        return name && body ? [{ name, body: this.body(body) }] : [];
      }),
      span,
    };
  }

  settings(node: CstNode | undefined): A.Setting[] {
    return subs(node, "setting").flatMap((s) => {
      const name = this.ident(tok(s, "name"));
      return name ? [{ kind: "Setting" as const, name, args: this.args(s), span: this.span([s]) }] : [];
    });
  }

  stringLit(t: IToken): { value: string; span: A.Span } {
    return { value: unquote(t.image), span: this.spanOfTokens(t, t) };
  }

  body(node: CstNode): A.Body {
    const stmts: A.Stmt[] = [];
    for (const s of subs(node, "stmt")) {
      const stmt = this.stmt(s);
      if (stmt) stmts.push(stmt);
    }
    return { kind: "Body", stmts, span: this.span([node]) };
  }

  stmt(node: CstNode): A.Stmt | undefined {
    const ifs = sub(node, "ifStmt");
    if (ifs) return this.ifStmt(ifs);
    const req = sub(node, "requireStmt");
    if (req) {
      const cond = sub(req, "condition");
      const msg = tok(req, "message");
      return { kind: "Require", condition: cond ? this.expr(cond) : undefined, message: msg ? this.stringLit(msg) : undefined, span: this.span([req]) };
    }
    const init = sub(node, "initStmt");
    if (init) return this.initStmt(init);
    const loop = sub(node, "forStmt");
    if (loop) {
      const iter = sub(loop, "iterable");
      const body = sub(loop, "body");
      const span = this.span([loop]);
      return {
        kind: "For",
        vars: toks(loop, "vars").map((v) => this.ident(v)!),
        iterable: iter ? this.rangeExpr(iter) : undefined,
        body: body ? this.body(body) : { kind: "Body", stmts: [], span },
        span,
      };
    }
    const layer = sub(node, "layerStmt");
    if (!layer) return undefined;
    const span = this.span([layer]);
    const label = this.label(tok(layer, "label"));
    const rep = tok(layer, "Repeat");
    const repeat = rep ? { count: Number(rep.image.slice(1)), span: this.spanOfTokens(rep, rep) } : undefined;
    const group = sub(layer, "group");
    if (group) return { kind: "Group", label, body: this.body(group), repeat, span };
    const callee = this.ident(tok(layer, "callee"));
    if (!callee) return undefined;
    return { kind: "Layer", label, callee, args: this.args(layer), branches: subs(layer, "branches").map((b) => this.body(b)), repeat, span };
  }

  ifStmt(node: CstNode): A.IfStmt {
    const cond = sub(node, "condition");
    const then = sub(node, "then");
    const elseIf = sub(node, "elseIf");
    const otherwise = sub(node, "otherwise");
    const span = this.span([node]);
    return {
      kind: "If",
      condition: cond ? this.expr(cond) : undefined,
      then: then ? this.body(then) : { kind: "Body", stmts: [], span },
      otherwise: elseIf ? this.ifStmt(elseIf) : otherwise ? this.body(otherwise) : undefined,
      span,
    };
  }

  initStmt(node: CstNode): A.InitStmt {
    return { kind: "Init", scheme: this.ident(tok(node, "scheme")), args: this.args(node), span: this.span([node]) };
  }

  args(node: CstNode): A.Arg[] {
    return subs(node, "arg").flatMap((a): A.Arg[] => {
      const value = sub(a, "value");
      if (!value) return [];
      const expr = this.listExpr(value);
      if (!expr) return [];
      const name = this.ident(tok(a, "name"));
      const span = this.span([a]);
      return [name ? { kind: "Named", name, value: expr, span } : { kind: "Positional", value: expr, span }];
    });
  }

  // ---------- expressions ----------
  listExpr(node: CstNode): A.Expr | undefined {
    const items = subs(node, "items").map((i) => this.rangeExpr(i)).filter((e): e is A.Expr => !!e);
    if (items.length === 0) return undefined;
    if (items.length === 1 && toks(node, "Comma").length === 0) return items[0];
    return { kind: "List", items, span: this.span([node]) };
  }

  rangeExpr(node: CstNode): A.Expr | undefined {
    const fromNode = sub(node, "from");
    const toNode = sub(node, "to");
    const from = fromNode ? this.expr(fromNode) : undefined;
    if (!toNode) return from;
    const to = this.expr(toNode);
    return from && to ? { kind: "Range", from, to, span: this.span([node]) } : from;
  }

  /**
   * The flat `prefix* primary (infix prefix* primary)*` sequence of an `expr` node, parsed by precedence
   * climbing. `-` binds tightest; `not` binds looser than comparisons (`not a == b` is `not (a == b)`)
   * and tighter than `and`/`or`; binary operators associate to the left.
   */
  expr(node: CstNode): A.Expr | undefined {
    type Item = { token: IToken } | { operand: CstNode; start: number };
    const items: Item[] = [
      ...toks(node, "ops").map((token) => ({ token })),
      ...subs(node, "operands").map((operand) => ({ operand, start: extent(operand)?.[0].startOffset ?? Infinity })),
    ].sort((a, b) => ("token" in a ? a.token.startOffset : a.start) - ("token" in b ? b.token.startOffset : b.start));
    let i = 0;
    // an operand: a primary, or a prefix operator applied to what binds tighter than it
    const operand = (): A.Expr | undefined => {
      const item = items[i++];
      if (!item) return undefined;
      if ("operand" in item) return this.primary(item.operand);
      const not = item.token.image === "not";
      const inner = climb(not ? PRECEDENCE.not + 1 : PRECEDENCE.neg);
      if (!inner) return undefined;
      return { kind: "Unary", op: not ? "not" : "-", operand: inner, span: this.joinSpans(this.spanOfTokens(item.token, item.token), inner.span) };
    };
    const climb = (minPrec: number): A.Expr | undefined => {
      let left = operand();
      if (!left) return undefined;
      while (i < items.length) {
        const next = items[i];
        if (!("token" in next)) break;
        const prec = PRECEDENCE[next.token.image];
        if (prec === undefined || prec < minPrec) break;
        i++;
        const right = climb(prec + 1);
        if (!right) return left;
        left = { kind: "Binary", op: next.token.image as A.BinaryOp, left, right, span: this.joinSpans(left.span, right.span) };
      }
      return left;
    };
    return climb(0);
  }

  joinSpans(a: A.Span, b: A.Span): A.Span {
    return { file: a.file, start: a.start, end: b.end, line: a.line, col: a.col, endLine: b.endLine, endCol: b.endCol };
  }

  primary(node: CstNode): A.Expr | undefined {
    const span = this.span([node]);
    const lit = tok(node, "literal");
    if (lit) {
      switch (lit.tokenType.name) {
        case "Integer":
          return { kind: "Int", value: Number(lit.image), text: lit.image, span };
        case "Float":
          return { kind: "Float", value: Number(lit.image), text: lit.image, span };
        case "StringLiteral":
          return { kind: "String", value: unquote(lit.image), span };
        case "Dims":
          return { kind: "Dims", value: lit.image.split("x").map(Number), span };
        case "True":
          return { kind: "Bool", value: true, span };
        case "False":
          return { kind: "Bool", value: false, span };
      }
    }
    const name = tok(node, "name");
    const path = toks(node, "path");
    if (name && path.length > 0) return { kind: "Path", parts: [name, ...path].map((t) => this.ident(t)!), span };
    if (name) return { kind: "Name", name: name.image, span };
    if (toks(node, "LBracket").length > 0) {
      const inner = sub(node, "bracket");
      const e = inner ? this.listExpr(inner) : undefined;
      const items = !e ? [] : e.kind === "List" && !e.bracketed ? e.items : [e];
      return { kind: "List", items, bracketed: true, span };
    }
    const field = this.ident(tok(node, "field"));
    if (field) return { kind: "Member", object: "in", field, span };
    const paren = sub(node, "paren");
    const inner = paren ? this.listExpr(paren) : undefined;
    return inner ? { kind: "Paren", inner, span } : undefined;
  }
}

function unquote(image: string): string {
  const body = image.length >= 2 ? image.slice(1, -1) : "";
  return body.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : c));
}
