// Which Caffe layer holds the weights of a spec layer: the one with the same name, else the one CMU's
// OpenPose prototxts give it under this convention table (one row per pattern, tried in order; nothing
// is matched by position or by shape):
//
//   spec layer (IR node)         CMU's Caffe layer            why
//   <name>                       <name>                       backbone labels are Caffe's (conv1_1 ... conv4_2)
//   adapter_<name>               <name>                       the adapter's labels are CMU's (conv4_3_CPM, conv4_4_CPM)
//   stage1_paf_conv<i>           conv5_<i>_CPM_L1             `stages` with `each branch`: branch L1 = PAFs,
//   stage1_heatmap_conv<i>       conv5_<i>_CPM_L2               L2 = heatmaps (COCO and MPI prototxts)
//   stage<s>_paf_conv<i>         Mconv<i>_stage<s>_L1         s >= 2
//   stage<s>_heatmap_conv<i>     Mconv<i>_stage<s>_L2
//   <conv>_prelu                 <conv> with its first        a conv's `prelu` activation: CMU names the PReLU
//                                "conv" read "prelu"          after its conv (prelu4_2, Mprelu1_stage0_L2_0)
//
// Stage-graph specs (BODY_25, MPI, hand, face) label their layers with CMU's names, so the first row
// applies to their convolutions and the last to their PReLUs.

interface Rule {
  pattern: RegExp;
  caffe: (m: RegExpMatchArray) => string;
}

const RULES: Rule[] = [
  { pattern: /^adapter_(.+)$/, caffe: (m) => m[1] },
  { pattern: /^stage1_(paf|heatmap)_conv(\d+)$/, caffe: (m) => `conv5_${m[2]}_CPM_${branch(m[1])}` },
  { pattern: /^stage(\d+)_(paf|heatmap)_conv(\d+)$/, caffe: (m) => `Mconv${m[3]}_stage${m[1]}_${branch(m[2])}` },
  { pattern: /^(.*conv.*)_prelu$/, caffe: (m) => m[1].replace("conv", "prelu") },
];

const branch = (b: string) => (b === "paf" ? "L1" : "L2");

/** The Caffe layer names a spec layer may have, in the order they are tried. */
export function caffeNamesFor(node: string): string[] {
  const names = [node];
  for (const r of RULES) {
    const m = node.match(r.pattern);
    if (m) {
      names.push(r.caffe(m));
      break;
    }
  }
  return names;
}
