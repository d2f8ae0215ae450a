#!/usr/bin/env bash
# A keypoint schema of our own (upper body, 10 joints, 9 limbs, flip pairs) read from COCO-format data:
# the schema, what the network is trained to output (`posec targets`), a short training run, people found.
#   ./run.sh           300 steps, batch 8 (about 5-10 min on 2 cores)
#   ./run.sh --quick   30 steps, batch 4 (about 1-2 min)
source "$(dirname "$0")/../lib/common.sh"
SPEC=upper_body.posenet
mkdir -p "$OUT"

step "the schema (upper_body.posenet)"
sed -n '/^keypoints/,/^}/p' "$SPEC"

step "posec check and inspect: the output channels follow from the schema"
posec check "$SPEC"
posec inspect "$SPEC" --no-layers | tail -3
# 10 joints + background = 11 heatmap channels; 2 x 9 limbs = 18 PAF channels
posec inspect "$SPEC" --json | node -e '
  const { outputs } = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const [hm, paf] = [outputs.heatmaps.shape[2], outputs.pafs.shape[2]];
  console.log(`heatmaps: ${hm} channels (10 joints + background), PAFs: ${paf} channels (2 x 9 limbs)`);
  if (hm !== 11 || paf !== 18) { console.error("expected 11 and 18"); process.exit(1); }'


step "COCO-format data: posec synth writes 17 COCO keypoints per person; the schema reads 10 of them"
synth "$OUT/data" --images 128 --size 128 --seed 7
synth "$OUT/val" --images 4 --size 128 --seed 1001
node -e 'const a = require(process.argv[1]); console.log(`  ${a.images.length} images, ${a.annotations.length} people, keypoints: ${a.categories[0].keypoints.join(" ")}`)' "$OUT/data/annotations.json"

step "posec targets: one sample as stored, and as training sees it (augmented with the training seed)"
posec targets "$SPEC" --data "$OUT/data" --index 0 --no-augment --out "$OUT/targets.png"
posec targets "$SPEC" --data "$OUT/data" --index 0 --seed 1 --epoch 1 --out "$OUT/targets-augmented.png"

if [ "$QUICK" = 1 ]; then steps=30; batch=4; else steps=300; batch=8; fi
step "posec train ($steps steps, batch $batch)"
rm -rf "$OUT/run"
posec train "$SPEC" "${THREADS[@]}" --data "$OUT/data" --out "$OUT/run" --steps "$steps" --batch "$batch" --seed 1 2>&1 |
  grep --line-buffered -E '^(backend|data|step|trained|mean loss)'

step "posec infer: people with the upper-body skeleton drawn (4 held-out images)"
rm -rf "$OUT/infer"
posec infer --model "$OUT/run" "${THREADS[@]}" --out "$OUT/infer" "$OUT"/val/images/*.png
ls "$OUT/infer"

[ "$QUICK" = 1 ] && echo "(quick mode: 30 steps are far too few to find people)"
done_msg
