#!/usr/bin/env bash
# Deploy a trained model without posec: `posec export` writes ONNX; Python runs it with OpenCV DNN (and
# ONNX Runtime where installed), Node with onnxruntime-node; both decode people and draw them.
#   ./run.sh           train the zoo's small model as the README's main job does (500 steps, ~10-20 min), then deploy
#   ./run.sh --quick   a model trained for 3 steps (finds nobody, but every step runs), under a minute
#   MODEL=path.onnx ./run.sh   deploy an ONNX file you already have
source "$(dirname "$0")/../lib/common.sh"
SPEC="$REPO_ROOT/models/small_resnet18_cmupose.posenet"
mkdir -p "$OUT"

step "test images: posec's synthetic people, 128x128 (the model's input size)"
synth "$OUT/images" --images 4 --size 128 --seed 1001

if [ -n "${MODEL:-}" ]; then
  ONNX="$(from_caller "$MODEL")"
else
  if [ "$QUICK" = 1 ]; then steps=3; batch=2; else steps=500; batch=8; fi
  step "posec train $(basename "$SPEC") ($steps steps, batch $batch)"
  rm -rf "$OUT/run"
  # the spec's own data (posec's synthetic set: 512 images, seed 7); the quick mode needs only a few
  if [ "$QUICK" = 1 ]; then synth "$OUT/train" --images 16 --size 128 --seed 7; else synth "$OUT/train" --images 512 --size 128 --seed 7; fi
  posec train "$SPEC" "${THREADS[@]}" --data "$OUT/train" --out "$OUT/run" --steps "$steps" --batch "$batch" 2>&1 | grep --line-buffered -E '^(backend|step|trained|mean loss)'
  step "posec export: the trained weights as ONNX (normalisation, keypoints and limbs in its metadata)"
  ONNX="$OUT/model.onnx"
  posec export --checkpoint "$OUT/run" --out "$ONNX"
fi

if [ "$QUICK" = 1 ]; then images=("$OUT"/images/images/00000[12].png); else images=("$OUT"/images/images/*.png); fi
for image in "${images[@]}"; do
  name=$(basename "$image" .png)
  step "$name: Python + OpenCV DNN"
  "$PYTHON" deploy.py "$ONNX" "$image" --out "$OUT/python/$name"
  step "$name: Node + onnxruntime-node, compared with Python's raw maps"
  node deploy.mjs "$ONNX" "$image" --out "$OUT/node/$name" --compare "$OUT/python/$name/maps.bin"
  # the two decoders are the same algorithm: they must find the same people at the same places
  node -e '
    const [a, b] = process.argv.slice(1).map((f) => JSON.parse(require("fs").readFileSync(f, "utf8")));
    let diff = a.length === b.length ? 0 : Infinity;
    a.forEach((p, i) => Object.entries(p.keypoints).forEach(([j, [x, y]]) => {
      const q = b[i] && b[i].keypoints[j];
      diff = Math.max(diff, q ? Math.hypot(q[0] - x, q[1] - y) : Infinity);
    }));
    console.log(`decoded people: python ${a.length}, node ${b.length}; largest keypoint distance ${diff.toFixed(4)} px`);
    if (!(diff < 0.01)) process.exit(1);' "$OUT/python/$name/people.json" "$OUT/node/$name/people.json"
done

step "for reference: posec infer (posec's full decoder: upsampled maps, CMU's thresholds) on the same images"
posec infer --model "$ONNX" "${THREADS[@]}" --out "$OUT/posec-infer" "$OUT"/images/images/*.png
echo "pictures: $OUT/python/*/people.png, $OUT/node/*/people.png, $OUT/posec-infer/*.png"
done_msg
