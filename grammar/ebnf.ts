// EBNF of the grammar, generated from the chevrotain parser itself (its serialized productions), so the
// documentation cannot drift from the parser. `npm run grammar-docs` writes docs/grammar.ebnf and the
// railroad diagrams in docs/grammar.html; a test checks that the committed EBNF is current.
import { createSyntaxDiagramsCode, type ISerializedGast } from "chevrotain";
import { parser } from "./parser.js";
import * as T from "./tokens.js";

const LITERAL: Record<string, string> = {
  LBrace: '"{"', RBrace: '"}"', LParen: '"("', RParen: '")"', Comma: '","', Colon: '":"', Equals: '"="', DotDot: '".."', Dot: '"."',
  EqEq: '"=="', NotEq: '"!="', LessEq: '"<="', GreaterEq: '">="', Less: '"<"', Greater: '">"', Plus: '"+"', Minus: '"-"', Star: '"*"',
  Slash: '"/"', Percent: '"%"', Newline: "TERM",
};

function terminal(name: string): string {
  if (LITERAL[name]) return LITERAL[name];
  if (T.KEYWORDS.some((k) => k.name === name)) return `"${name.toLowerCase()}"`;
  return name.toUpperCase();
}

function seq(items: ISerializedGast[]): string {
  return items.map(expr).filter(Boolean).join(" ");
}

function expr(g: ISerializedGast): string {
  const d = g as ISerializedGast & { definition?: ISerializedGast[]; name?: string; terminalType?: string; terminalName?: string; separator?: { name: string } };
  switch (g.type) {
    case "NonTerminal":
      return d.name!;
    case "Terminal":
      return terminal(d.name!);
    case "Alternative":
      return seq(d.definition!);
    case "Option":
      return `[ ${seq(d.definition!)} ]`;
    case "Repetition":
      return `{ ${seq(d.definition!)} }`;
    case "RepetitionMandatory":
      return `${seq(d.definition!)} { ${seq(d.definition!)} }`;
    case "RepetitionWithSeparator":
    case "RepetitionMandatoryWithSeparator": {
      const sep = terminal(d.separator!.name);
      const one = seq(d.definition!);
      return g.type === "RepetitionWithSeparator" ? `[ ${one} { ${sep} ${one} } ]` : `${one} { ${sep} ${one} }`;
    }
    case "Alternation":
      return `( ${d.definition!.map(expr).join(" | ")} )`;
    default:
      return "";
  }
}

export function grammarEbnf(): string {
  const rules = parser().getSerializedGastProductions() as (ISerializedGast & { name: string; definition: ISerializedGast[] })[];
  const lines = [
    "(* The .posenet grammar, generated from grammar/parser.ts by `npm run grammar-docs`. *)",
    "(* TERM is a newline or `;` (runs collapse; none is needed right after `{` or before `}`). *)",
    "(* Tokens: IDENTIFIER [A-Za-z_][A-Za-z0-9_]*, INTEGER, FLOAT (0.5, 1e-4), DIMS (3x3, 368x368x3), *)",
    "(* REPEAT (x5), STRINGLITERAL (\"...\"); ARGNAME is an identifier or a keyword; comments run from # to the end of the line. *)",
    "",
  ];
  for (const r of rules) lines.push(`${r.name} = ${seq(r.definition)} ;`);
  return lines.join("\n") + "\n";
}

export function grammarDiagramsHtml(): string {
  return createSyntaxDiagramsCode(parser().getSerializedGastProductions());
}
