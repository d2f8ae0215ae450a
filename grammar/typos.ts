// Misspelt keywords, found on the token stream so that the message names the mistake rather than what
// the parser happened to expect next: `modle m` is "unknown section `modle`, did you mean `model`?",
// not "expected the end of the file"; `backbone resnet50 untill layer2` is "did you mean `until`?",
// not a complaint about an argument of resnet50. Each rewrite leaves a token stream the parser can
// carry on with, so that one typo is one error.
import type { IToken } from "chevrotain";
import { closest } from "../compiler/suggest.js";
import * as T from "./tokens.js";

/** Words that begin a declaration at the top level of a file. */
const SECTIONS = ["posenet", "model", "import", "input", "keypoints", "backbone", "adapter", "stages", "loss", "train", "init", "block"];

const KEYWORD_WORDS = T.KEYWORDS.map((k) => k.name.toLowerCase());

export interface TypoError {
  message: string;
  token: IToken;
}

/** A hint for an unexpected name that is a keyword misspelt (`frist` -> `first`). */
export function keywordHint(word: string): string | undefined {
  const k = closest(word, KEYWORD_WORDS);
  return k ? `did you mean \`${k}\`?` : undefined;
}

/**
 * Removes top-level statements that begin with a name (an unknown section, reported here), and turns a
 * misspelt `until` after a backbone's arguments into the keyword. Returns the new tokens and errors.
 */
export function fixTypos(tokens: readonly IToken[]): { tokens: IToken[]; errors: TypoError[] } {
  const out: IToken[] = [];
  const errors: TypoError[] = [];
  let depth = 0;
  let statementStart = true;
  let statementKeyword: IToken | undefined;
  let skipping = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const type = t.tokenType;
    // only braces make statements nest (`lex` already dropped the newlines inside parentheses)
    const atTop = depth === 0;
    if (type === T.LBrace) depth++;
    else if (type === T.RBrace && depth > 0) depth--;

    if (atTop && statementStart && type === T.Identifier) {
      const suggestion = closest(t.image, SECTIONS);
      errors.push({
        token: t,
        message: suggestion
          ? `unknown section \`${t.image}\`, did you mean \`${suggestion}\`?`
          : `unknown section \`${t.image}\`: a file is made of ${SECTIONS.slice(0, -1).join(", ")} and ${SECTIONS[SECTIONS.length - 1]} declarations`,
      });
      skipping = true;
    }
    if (atTop && statementStart) statementKeyword = t;
    const endsStatement = type === T.Newline && depth === 0;
    statementStart = endsStatement;

    if (skipping) {
      // drop the whole statement, its terminator included, so that the rest parses as if it were not there
      if (endsStatement) skipping = false;
      continue;
    }
    if (
      atTop &&
      type === T.Identifier &&
      statementKeyword?.tokenType === T.Backbone &&
      tokens[i + 1]?.tokenType === T.Identifier &&
      closest(t.image, ["until"]) === "until"
    ) {
      errors.push({ token: t, message: `unexpected \`${t.image}\`: did you mean \`until\`?` });
      out.push({ ...t, tokenType: T.Until, tokenTypeIdx: T.Until.tokenTypeIdx! });
      continue;
    }
    const next = tokens[i + 1];
    if (type === T.Minus && tokens[i - 1]?.tokenType === T.Dims && (next?.tokenType === T.Integer || next?.tokenType === T.Float)) {
      // `conv 3x3 -32`: the grammar reads `3x3 - 32`, but nobody subtracts from a size
      const size = tokens[i - 1].image;
      if (next.startOffset === t.startOffset + 1 && t.startOffset > tokens[i - 1].startOffset + size.length) {
        errors.push({
          token: t,
          message: `negative count \`-${next.image}\` after \`${size}\`: filter counts and sizes must be positive (and \`${size} -${next.image}\` reads as \`${size} - ${next.image}\`)`,
        });
      }
    }
    out.push(t);
  }
  return { tokens: out, errors };
}
