// The tiny pose spec the weight-source tests train and export: 32x32 input, a backbone given by the test
// (three 2x2 pools: stride 8), two CMU-style stages of 8 channels, and one training step on synthetic
// people. Only what a test varies is a parameter.

export interface TinyPose {
  model: string;
  /** the backbone's statements, one per line */
  backbone: string[];
  /** the adapter's statements, if any */
  adapter?: string[];
  /** synthetic images to train on */
  images?: number;
  /** a last line of the train block (`checkpoint every=1`, `seed 3`) */
  trainLast: string;
}

export function tinyPoseSpec(p: TinyPose): string {
  const block = (name: string, lines: string[]) => `${name} {\n${lines.map((l) => `  ${l}\n`).join("")}}\n`;
  return `posenet 1
model ${p.model}
input image 32x32x3 scale=1/256 shift=-0.5 order=bgr
keypoints coco18
${block("backbone", p.backbone)}${p.adapter ? block("adapter", p.adapter) : ""}stages 2 stride=8 {
  first each branch { conv 3x3 8 relu; conv 1x1 out }
  refine each branch { conv 3x3 8 relu; conv 1x1 out }
}
train {
  data synth count=${p.images ?? 4} size=32 seed=1
  targets sigma=2 paf_width=1
  augment scale=1..1 rotate=0 flip=0 crop=32 perturb=0
  optimizer adam lr=1e-4
  batch 2
  steps 1
  ${p.trainLast}
}
`;
}
