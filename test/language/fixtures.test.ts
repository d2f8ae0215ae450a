// Golden tests of the language: every invalid fixture is compiled and its diagnostics (one-line form
// and terminal frame) compared with <case>.errors.txt; every valid fixture's per-part summary with
// <case>.summary.txt. Updating a baseline is a deliberate, reviewed act: `npx vitest run -u`.
import { describe, expect, it } from "vitest";
import { renderInspect, inspectReport } from "../../compiler/report/inspect.js";
import { compileFile, renderAll, specsIn } from "../helpers.js";

describe("invalid specs give their expected diagnostics", () => {
  const cases = specsIn("test/fixtures/invalid");
  it("there are at least 30 of them", () => expect(cases.length).toBeGreaterThanOrEqual(30));
  for (const file of cases) {
    it(file.split("/").pop()!, async () => {
      const result = compileFile(file);
      expect(result.diagnostics.some((d) => d.severity === "error")).toBe(true);
      expect(result.ir).toBeUndefined();
      await expect(renderAll(result)).toMatchFileSnapshot(`../../${file.replace(/\.posenet$/, ".errors.txt")}`);
    });
  }
});

describe("valid specs give their expected summary", () => {
  for (const file of specsIn("test/fixtures/valid")) {
    it(file.split("/").pop()!, async () => {
      const result = compileFile(file);
      expect(result.diagnostics).toEqual([]);
      const text = renderInspect(inspectReport(result.ir!, result.report!), { layers: true });
      await expect(text + "\n").toMatchFileSnapshot(`../../${file.replace(/\.posenet$/, ".summary.txt")}`);
    });
  }
});
