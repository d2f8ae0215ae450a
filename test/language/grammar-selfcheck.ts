// Run by grammar.test.ts in a child process with POSEC_GRAMMAR_CHECKS=1: building the parser throws
// if chevrotain finds an ambiguity or another grammar error.
import { parser } from "../../grammar/parser.js";
parser();
console.log("grammar ok");
