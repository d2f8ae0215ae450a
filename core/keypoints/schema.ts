// The one place a keypoint schema's derived facts are computed: limb names from the joint names, and the
// channel counts (heatmaps: joints + background; PAFs: 2 per limb), so that no schema types them by hand.
import type { KeypointsIR, Pair } from "../ir/types.js";

export type SchemaParts = Omit<KeypointsIR, "limbs" | "heatmapChannels" | "pafChannels"> & { limbs: Pair[] };

export function keypointSchema(parts: SchemaParts): KeypointsIR {
  const { limbs, ...rest } = parts;
  const names = parts.joints.map((j) => j.name);
  return {
    ...rest,
    limbs: limbs.map(([a, b]) => ({ name: `${names[a]}-${names[b]}`, from: a, to: b })),
    heatmapChannels: parts.joints.length + (parts.background ? 1 : 0),
    pafChannels: 2 * limbs.length,
  };
}
