// Stages that produce heatmaps only or PAFs only (IR contract: StageOutputIR's branches may be null):
// the generated model.ts and the runtime's builder list the same outputs, leaving out what a stage
// does not produce, with the indices written out here by hand.
import { describe, expect, it } from "vitest";
import { emitModelTs } from "../../compiler/emit/tfjs/model-ts.js";
import { buildModel } from "../../runtime/model/build.js";
import { compileIr } from "../helpers.js";
import { withStageOutputs } from "../pytorch/helpers.js";

const SPEC = "models/small_resnet18_cmupose.posenet"; // 3 stages

describe("stages producing one branch", () => {
  const ir = compileIr(SPEC);
  const cases = [
    {
      name: "heatmaps only",
      variant: withStageOutputs(ir, () => ({ heatmaps: true, pafs: false })),
      stages: [
        { stage: 1, pafs: null, heatmaps: 0 },
        { stage: 2, pafs: null, heatmaps: 1 },
        { stage: 3, pafs: null, heatmaps: 2 },
      ],
    },
    {
      name: "PAFs first, heatmaps last",
      variant: withStageOutputs(ir, (s) => ({ heatmaps: s > 1, pafs: s < 3 })),
      stages: [
        { stage: 1, pafs: 0, heatmaps: null },
        { stage: 2, pafs: 1, heatmaps: 2 },
        { stage: 3, pafs: null, heatmaps: 3 },
      ],
    },
  ];
  for (const c of cases) {
    it(`${c.name}: model.ts and the runtime builder agree with the hand-written indices`, () => {
      const { text, diagnostics } = emitModelTs(c.variant, "");
      expect(diagnostics).toEqual([]);
      const expectedNames = c.stages.flatMap((s) => {
        const out = c.variant.stages.outputs[s.stage - 1];
        return [out.pafs, out.heatmaps].filter((t) => t !== null);
      });
      const literal = (v: number | null) => (v === null ? "null" : String(v));
      for (const s of c.stages) expect(text).toContain(`{ stage: ${s.stage}, pafs: ${literal(s.pafs)}, heatmaps: ${literal(s.heatmaps)} }`);
      expect(text).toContain(`outputNames: [${expectedNames.map((n) => JSON.stringify(n)).join(", ")}]`);
      const built = buildModel(c.variant);
      expect(built.stages).toEqual(c.stages);
      expect(built.outputNames).toEqual(expectedNames);
      expect(built.model.outputs).toHaveLength(expectedNames.length);
      built.model.dispose();
    });
  }
});
