// chevrotain's grammar validations (ambiguities, left recursion) are skipped at start-up for speed;
// this test runs them, in a separate process so that the parser is built with them switched on.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers.js";

describe("the grammar", () => {
  it("passes chevrotain's self-analysis validations", () => {
    const out = execFileSync(process.execPath, ["scripts/run-ts.mjs", "test/language/grammar-selfcheck.ts"], {
      cwd: REPO,
      env: { ...process.env, POSEC_GRAMMAR_CHECKS: "1" },
      encoding: "utf8",
    });
    expect(out.trim()).toBe("grammar ok");
  });
});
