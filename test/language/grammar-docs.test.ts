// docs/grammar.ebnf is generated from the parser; this keeps the committed copy current.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { grammarEbnf } from "../../grammar/ebnf.js";
import { REPO } from "../helpers.js";

it("docs/grammar.ebnf matches the parser (regenerate with `npm run grammar-docs`)", () => {
  expect(readFileSync(`${REPO}/docs/grammar.ebnf`, "utf8")).toBe(grammarEbnf());
});
