// The canonical formatter (`posec fmt`): AST + comments -> text. Layout rules: one declaration or
// statement per line, two-space indentation, at most one blank line where the source had any; a body
// written on one line stays on one line if it holds no comments. Comments stay attached to the
// statement they precede or end. Formatting its own output changes nothing (tested on every fixture).
import { PRECEDENCE, type Arg, type Body, type Decl, type Expr, type FileAst, type GroupItem, type Setting, type StageBodies, type StageGroup, type Stmt } from "./ast.js";
import type { Comment } from "./parse.js";


/** Expressions: spaced operators in positional arguments and conditions, compact in `name=value`. */
export function formatExpr(e: Expr, compact = false, parent = 0): string {
  const sp = compact ? "" : " ";
  switch (e.kind) {
    case "Int":
    case "Float":
      return e.text;
    case "String":
      return JSON.stringify(e.value);
    case "Dims":
      return e.value.join("x");
    case "Bool":
      return String(e.value);
    case "Name":
      return e.name;
    case "Member":
      return `in.${e.field.name}`;
    case "Path":
      return e.parts.map((p) => p.name).join(".");
    case "Paren":
      return `(${formatExpr(e.inner, compact)})`;
    case "Unary":
      return e.op === "not" ? `not ${formatExpr(e.operand, compact, PRECEDENCE.not)}` : `-${formatExpr(e.operand, compact, PRECEDENCE.neg)}`;
    case "Range":
      return `${formatExpr(e.from, true)}..${formatExpr(e.to, true)}`;
    case "List":
      return e.bracketed ? `[${e.items.map((i) => formatExpr(i, compact)).join(compact ? "," : ", ")}]` : e.items.map((i) => formatExpr(i, compact)).join(",");
    case "Binary": {
      // `a-b` between two names is how limbs and flip pairs are written: keep it tight
      if (e.op === "-" && e.left.kind === "Name" && e.right.kind === "Name") return `${e.left.name}-${e.right.name}`;
      const p = PRECEDENCE[e.op];
      const words = e.op === "and" || e.op === "or";
      const gap = words ? " " : sp;
      const text = `${formatExpr(e.left, compact, p)}${gap}${e.op}${gap}${formatExpr(e.right, compact, p + 1)}`;
      // The AST keeps explicit parentheses as Paren nodes; these only guard against rebuilt trees.
      return p < parent ? `(${text})` : text;
    }
  }
}

function formatArgs(args: Arg[]): string {
  return args.map((a) => (a.kind === "Named" ? ` ${a.name.name}=${formatExpr(a.value, true)}` : ` ${formatExpr(a.value)}`)).join("");
}

class Printer {
  private out: string[] = [];
  private next = 0;
  private readonly lines: string[];

  constructor(
    private readonly comments: Comment[],
    source: string,
  ) {
    this.lines = source.split("\n");
  }

  /** Comments that start before `line` and have not been printed yet. */
  private leading(line: number, indent: string): void {
    while (this.next < this.comments.length && this.comments[this.next].span.line < line) {
      const c = this.comments[this.next++];
      if (this.out.length && this.blankBefore(c.span.line)) this.pushBlank();
      this.out.push(indent + c.text.trimEnd());
    }
  }

  /** A comment on `line` after the code: appended to the last printed line. */
  private trailing(line: number): void {
    while (this.next < this.comments.length && this.comments[this.next].span.line === line) {
      this.out[this.out.length - 1] += "  " + this.comments[this.next++].text.trimEnd();
    }
  }

  /** Comments inside the lines (and, given `end`, before that offset: a comment after a one-line body's `}` ends the line, it is not inside). */
  private hasCommentsWithin(startLine: number, endLine: number, end?: number): boolean {
    return this.comments.slice(this.next).some((c) => c.span.line >= startLine && c.span.line <= endLine && (end === undefined || c.span.start < end));
  }

  private blankBefore(line: number): boolean {
    return line >= 2 && (this.lines[line - 2] ?? "").trim() === "";
  }

  private lastIsCode(): boolean {
    const last = this.out[this.out.length - 1];
    return last !== undefined && last.trim() !== "" && !last.includes("#");
  }

  private pushBlank(): void {
    if (this.out.length && this.out[this.out.length - 1] !== "") this.out.push("");
  }

  /**
   * One logical line: leading comments, the text (computed after them, since nested bodies consume
   * their own comments), and any comment at the end of its last line.
   */
  line(node: { span: { line: number; endLine: number } }, indent: string, text: () => string, first: boolean, lineContinues = false): void {
    this.leading(node.span.line, indent);
    if (!first && this.blankBefore(node.span.line)) this.pushBlank();
    const parts = text().split("\n");
    this.out.push(indent + parts[0], ...parts.slice(1));
    if (!lineContinues) this.trailing(node.span.endLine);
  }

  /** Continues the previous line with `; next` (statements the source wrote on one line). */
  private sameLine(node: { span: { line: number; endLine: number } }, text: () => string, lineContinues: boolean): void {
    const parts = text().split("\n");
    this.out[this.out.length - 1] += "; " + parts[0];
    this.out.push(...parts.slice(1));
    if (!lineContinues) this.trailing(node.span.endLine);
  }

  /** `{ a; b }` if it was written on one line without comments, else one statement per line. */
  body<T extends { span: { line: number; endLine: number } }>(
    span: { line: number; endLine: number; end?: number },
    items: T[],
    indent: string,
    print: (item: T, indent: string) => string,
    emit: (item: T, indent: string, first: boolean, lineContinues: boolean) => void,
  ): string {
    if (items.length === 0) return "{}";
    if (span.line === span.endLine && !this.hasCommentsWithin(span.line, span.endLine, span.end)) {
      return `{ ${items.map((i) => print(i, indent)).join("; ")} }`;
    }
    // Multi-line: a comment on the line of `{` stays there; the items go on lines of their own.
    let opener = "";
    while (this.next < this.comments.length && this.comments[this.next].span.line === span.line) opener += "  " + this.comments[this.next++].text.trimEnd();
    const saved = this.out;
    this.out = [];
    // Statements the source wrote on one line stay on one line; a comment ending that line follows the last.
    const continues = (i: number) => i + 1 < items.length && items[i + 1].span.line === items[i].span.endLine;
    items.forEach((item, i) => {
      const prev = items[i - 1];
      if (prev && prev.span.endLine === item.span.line && this.lastIsCode()) this.sameLine(item, () => print(item, indent + "  "), continues(i));
      else emit(item, indent + "  ", i === 0, continues(i));
    });
    this.leading(span.endLine, indent + "  ");
    const inner = this.out;
    this.out = saved;
    return `{${opener}\n${inner.join("\n")}\n${indent}}`;
  }

  stmt(s: Stmt, indent: string): string {
    const label = "label" in s && s.label ? `${s.label.name}: ` : "";
    const repeat = "repeat" in s && s.repeat ? ` x${s.repeat.count}` : "";
    switch (s.kind) {
      case "Layer":
        return `${label}${s.callee.name}${formatArgs(s.args)}${s.branches.map((b) => " " + this.block(b, indent)).join("")}${repeat}`;
      case "Group":
        return `${label}${this.block(s.body, indent)}${repeat}`;
      case "Init":
        return `init ${s.scheme?.name ?? ""}${formatArgs(s.args)}`;
      case "Require":
        return `require ${s.condition ? formatExpr(s.condition) : "true"} ${JSON.stringify(s.message?.value ?? "")}`;
      case "For":
        return `for ${s.vars.map((v) => v.name).join(", ")} in ${s.iterable ? formatExpr(s.iterable) : "[]"} ${this.block(s.body, indent)}`;
      case "If": {
        // a comment after a one-line `then { }` that an `else` follows on a later line is inside the statement: expand
        const thenSpan = s.otherwise ? { ...s.then.span, end: undefined } : s.then.span;
        let text = `if ${s.condition ? formatExpr(s.condition) : "true"} ${this.body(thenSpan, s.then.stmts, indent, (t, ind) => this.stmt(t, ind), (t, ind, first, cont) => this.line(t, ind, () => this.stmt(t, ind), first, cont))}`;
        if (s.otherwise) text += ` else ${s.otherwise.kind === "If" ? this.stmt(s.otherwise, indent) : this.block(s.otherwise, indent)}`;
        return text;
      }
    }
  }

  block(b: Body, indent: string): string {
    return this.body(b.span, b.stmts, indent, (s, ind) => this.stmt(s, ind), (s, ind, first, cont) => this.line(s, ind, () => this.stmt(s, ind), first, cont));
  }

  settings(span: { line: number; endLine: number }, items: Setting[], indent: string): string {
    const text = (s: Setting) => `${s.name.name}${formatArgs(s.args)}`;
    return this.body(span, items, indent, text, (s, ind, first, cont) => this.line(s, ind, () => text(s), first, cont));
  }

  stageBodies(sb: StageBodies, indent: string): string {
    if (sb.kind === "EachBranch") return `each branch ${this.block(sb.body, indent)}`;
    const items = sb.branches.map((b) => ({ ...b, span: { line: b.name.span.line, endLine: b.body.span.endLine } }));
    return this.body(sb.span, items, indent, (b, ind) => `${b.name.name} ${this.block(b.body, ind)}`, (b, ind, first, cont) => this.line(b, ind, () => `${b.name.name} ${this.block(b.body, ind)}`, first, cont));
  }

  groupItem(it: GroupItem, indent: string): string {
    const label = it.label ? `${it.label.name}: ` : "";
    return it.kind === "Input" ? `${label}input ${it.refs.map((r) => formatExpr(r)).join(", ")}` : `${label}${it.part.name} ${this.block(it.body, indent)}`;
  }

  group(g: StageGroup, indent: string): string {
    const text = (it: GroupItem, ind: string) => this.groupItem(it, ind);
    const items = this.body(g.span, g.items, indent, text, (it, ind, first, cont) => this.line(it, ind, () => text(it, ind), first, cont));
    return `group ${g.name.name}${g.count ? ` ${g.count.value}` : ""}${formatArgs(g.args)} ${items}`;
  }

  decl(d: Decl): string {
    switch (d.kind) {
      case "Version":
        return `posenet ${d.version?.value ?? 1}`;
      case "Model":
        return `model ${d.name?.name ?? ""}${d.extends ? ` extends ${JSON.stringify(d.extends.value)}` : ""}`;
      case "Import":
        return `import ${JSON.stringify(d.path?.value ?? "")}`;
      case "Input":
        return `input${d.name ? " " + d.name.name : ""}${formatArgs(d.args)}`;
      case "Keypoints":
        return `keypoints ${d.name?.name ?? ""}${formatArgs(d.args)}${d.body ? " " + this.settings(d.span.line === d.span.endLine ? d.span : { line: d.span.line, endLine: d.span.endLine }, d.body, "") : ""}`;
      case "Backbone": {
        const head = d.body ? this.block(d.body, "") : `${d.callee?.name ?? ""}${formatArgs(d.args)}`;
        return `backbone ${head}${d.until ? ` until ${d.until.name}` : ""}${d.weights ? ` weights=${formatExpr(d.weights.value, true)}` : ""}`;
      }
      case "Adapter":
        return `adapter ${d.body ? this.block(d.body, "") : "{}"}`;
      case "Stages": {
        type Item = { which: string; sb?: StageBodies; g?: StageGroup; span: { line: number; endLine: number; start: number } };
        const items: Item[] = [
          ...[d.first && { which: "first", sb: d.first }, d.refine && { which: "refine", sb: d.refine }]
            .filter((x): x is { which: string; sb: StageBodies } => !!x)
            .map((x) => ({ ...x, span: { line: x.sb.span.line, endLine: x.sb.span.endLine, start: x.sb.span.start } })),
          ...d.groups.map((g) => ({ which: "group", g, span: g.span })),
        ].sort((a, b) => a.span.start - b.span.start);
        const text = (x: Item, ind: string) => (x.g ? this.group(x.g, ind) : `${x.which} ${this.stageBodies(x.sb!, ind)}`);
        return `stages${d.count ? ` ${d.count.value}` : ""}${formatArgs(d.args)} ${this.body(d.span, items, "", text, (x, ind, first, cont) => this.line(x, ind, () => text(x, ind), first, cont))}`;
      }
      case "Loss":
        return `loss ${this.settings(d.span, d.settings, "")}`;
      case "Train":
        return `train ${this.settings(d.span, d.settings, "")}`;
      case "Init":
        return this.stmt(d.stmt, "");
      case "Block": {
        const params = d.params.map((p) => `${p.name.name}${p.type ? `: ${p.type.name}` : ""}${p.default ? ` = ${formatExpr(p.default)}` : ""}`).join(", ");
        return `block ${d.name?.name ?? ""}(${params}) ${d.body ? this.block(d.body, "") : "{}"}`;
      }
    }
  }

  file(ast: FileAst): string {
    ast.decls.forEach((d, i) => this.line(d, "", () => this.decl(d), i === 0));
    this.leading(Number.MAX_SAFE_INTEGER, "");
    return this.out.join("\n").replace(/\n{3,}/g, "\n\n") + "\n";
  }
}

/** Formats a parsed file. The caller must not format a file with syntax errors (text would be lost). */
export function formatFile(ast: FileAst, comments: Comment[], source: string): string {
  return new Printer([...comments].sort((a, b) => a.span.start - b.span.start), source).file(ast);
}
