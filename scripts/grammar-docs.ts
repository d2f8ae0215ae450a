// Writes docs/grammar.ebnf and docs/grammar.html (railroad diagrams) from the parser.
import { writeFileSync } from "node:fs";
import { grammarDiagramsHtml, grammarEbnf } from "../grammar/ebnf.js";
writeFileSync("docs/grammar.ebnf", grammarEbnf());
writeFileSync("docs/grammar.html", grammarDiagramsHtml());
console.log("wrote docs/grammar.ebnf and docs/grammar.html");
