#!/usr/bin/env bash
# CMU's OpenPose weights in posec: a Caffe .caffemodel through `posec import` -> `posec infer` -> `posec eval`,
# and `posec export --weights` checked against OpenCV's own Caffe runtime.
#   ./run.sh --quick      a small OpenPose-style spec with a caffemodel this example writes itself (seeded random
#                         values): import (--strict), infer, eval, export, ONNX Runtime vs OpenCV DNN; seconds
#   ./run.sh --caffemodel pose_iter_440000.caffemodel --coco DIR
#                         CMU's real COCO model into models/cmu_pose_vgg19.posenet, scored on COCO val2017
#                         beside the patent's CMU-Pose row (hours: see README.md)
#   ./run.sh --body25 pose_iter_584000.caffemodel --coco DIR   the same for BODY_25 (models/openpose_body25.posenet)
# Full-mode settings (environment): LIMIT=N (first N val2017 images only), SCALES (default 0.5,1,1.5,2),
#   RUNTIME=onnx (default: the imported checkpoint exported to ONNX, run by ONNX Runtime, ~3x faster than tfjs
#   wasm on a CPU) or tfjs (the checkpoint itself: tfjs-node-gpu where installed).
source "$(dirname "$0")/../lib/common.sh"

COCO="" CAFFEMODEL="" BODY25=""
set -- "${ARGS[@]+"${ARGS[@]}"}"
while [ $# -gt 0 ]; do
  case "$1" in
    --coco) COCO="$(from_caller "${2:?--coco needs a folder}")"; shift 2 ;;
    --caffemodel) CAFFEMODEL="$(from_caller "${2:?--caffemodel needs a file}")"; shift 2 ;;
    --body25) BODY25="$(from_caller "${2:?--body25 needs a file}")"; shift 2 ;;
    *) echo "unknown option $1 (use --quick, or --caffemodel FILE / --body25 FILE with --coco DIR)" >&2; exit 2 ;;
  esac
done
if [ "$QUICK" = 0 ] && { [ -z "$COCO" ] || [ -z "$CAFFEMODEL$BODY25" ]; }; then
  echo "usage: ./run.sh --quick | ./run.sh --caffemodel pose_iter_440000.caffemodel [--body25 pose_iter_584000.caffemodel] --coco DIR   (see README.md)" >&2
  exit 2
fi
mkdir -p "$OUT"

# tfjs prints a banner about its node backend; the example shows posec's own lines only
quiet() { grep --line-buffered -v -E '^(=+|Hi, looks like you are running TensorFlow.js.*|)$' || true; }

# the import report's entries (RUN/import-report.json): every tensor of a small model, or only the ones not
# loaded of a big one (with --strict there are none)
show_report() {
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const shown = r.entries.length <= 50 ? r.entries : r.entries.filter((e) => e.status !== "loaded");
    for (const e of shown) console.log(`  ${e.status.padEnd(7)} ${e.tensor.padEnd(28)} [${e.shape.join(",")}] ${e.reason}`);
    for (const n of r.notes) console.log(`  note: ${n}`);' "$1/import-report.json"
}

if [ "$QUICK" = 1 ]; then
  SPEC="$EXAMPLE_DIR/tiny_openpose.posenet"
  step "the spec's layers, as posec's IR (names and shapes the caffemodel must have)"
  posec build "$SPEC" --target ir --out "$OUT/ir" | quiet

  step "write a caffemodel with seeded random values (write_caffemodel.py: CMU's layer names, Caffe's blob layouts)"
  "$PYTHON" write_caffemodel.py "$OUT/ir/model.ir.json" "$OUT/tiny_openpose.caffemodel" --seed 1

  step "posec import --strict: every tensor of the spec from the file, every blob of the file used"
  rm -rf "$OUT/run"
  posec import "$SPEC" "$OUT/tiny_openpose.caffemodel" --out "$OUT/run" --strict 2>&1 | quiet
  show_report "$OUT/run"

  step "posec synth: 8 test images of posec's synthetic people (64x64, the spec's input size)"
  synth "$OUT/images" --images 8 --size 64 --seed 1001

  step "posec infer with the imported checkpoint (random weights: nobody is found)"
  posec infer --model "$OUT/run" "${THREADS[@]}" --out "$OUT/infer" "$OUT"/images/images/*.png 2>&1 | quiet

  step "posec eval: COCO keypoint AP on those images (random weights score 0)"
  posec eval --model "$OUT/run" --data "$OUT/images" "${THREADS[@]}" 2>&1 | quiet | sed -n '/Average/p'

  step "posec export --weights: the caffemodel straight to ONNX"
  posec export "$SPEC" --weights "$OUT/tiny_openpose.caffemodel" --strict --out "$OUT/model.onnx" 2>&1 | quiet

  step "the same caffemodel in OpenCV's Caffe runtime (tiny_openpose.prototxt) vs the ONNX export in ONNX Runtime"
  "$PYTHON" opencv_caffe.py tiny_openpose.prototxt "$OUT/tiny_openpose.caffemodel" "$OUT/images/images/000001.png" "$OUT/compare"
  node compare_onnx.mjs "$OUT/model.onnx" "$OUT/compare"
  done_msg
  exit 0
fi

# --- full mode: CMU's real models on COCO val2017 ---
GT_REL="annotations/person_keypoints_val2017.json"
[ -f "$COCO/$GT_REL" ] && [ -d "$COCO/val2017" ] || {
  echo "--coco $COCO: expected $GT_REL and val2017/ (COCO 2017)" >&2; exit 1; }
for file in "$CAFFEMODEL" "$BODY25"; do
  if [ -n "$file" ] && [ ! -f "$file" ]; then echo "$file: no such file" >&2; exit 1; fi
done
SCALES="${SCALES:-0.5,1,1.5,2}"
EVAL_FLAGS=(--data "$COCO" --annotations "$GT_REL" --images val2017 --scales "$SCALES" --json)
if [ -n "${LIMIT:-}" ]; then EVAL_FLAGS+=(--limit "$LIMIT"); fi

RESULTS=()
run_model() {  # name spec caffemodel
  local name=$1 spec=$2 file=$3
  step "$name: posec import $(basename "$spec") $(basename "$file") --strict"
  rm -rf "$OUT/$name"
  posec import "$spec" "$file" --out "$OUT/$name" --strict 2>&1 | quiet
  show_report "$OUT/$name"
  local model="$OUT/$name"
  if [ "${RUNTIME:-onnx}" = onnx ]; then
    step "$name: posec export (the imported checkpoint as ONNX, for ONNX Runtime)"
    posec export --checkpoint "$OUT/$name" --out "$OUT/$name.onnx" 2>&1 | quiet
    model="$OUT/$name.onnx"
  fi
  step "$name: posec eval --model $(basename "$model") on val2017${LIMIT:+ (first $LIMIT images)}, scales $SCALES"
  posec eval --model "$model" "${EVAL_FLAGS[@]}" > "$OUT/$name.eval.json"
  cat "$OUT/$name.eval.json"
  RESULTS+=("$name" "$OUT/$name.eval.json")
}
if [ -n "$CAFFEMODEL" ]; then run_model cmu_coco "$REPO_ROOT/models/cmu_pose_vgg19.posenet" "$CAFFEMODEL"; fi
if [ -n "$BODY25" ]; then run_model body25 "$REPO_ROOT/models/openpose_body25.posenet" "$BODY25"; fi

step "COCO val2017 keypoint AP beside patent CN114581953B's Table 1, CMU-Pose row"
node -e '
  const rows = [["CMU-Pose (patent, Table 1)", { AP: 0.584, AP50: 0.815, AP75: 0.626, APm: 0.544, APl: 0.651 }]];
  const args = process.argv.slice(1);
  for (let i = 0; i < args.length; i += 2) rows.push([`${args[i]} (posec, CMU weights)`, JSON.parse(require("fs").readFileSync(args[i + 1], "utf8"))]);
  const keys = ["AP", "AP50", "AP75", "APm", "APl"];
  console.log(`| Method | ${keys.join(" | ")} |`);
  console.log(`|---|${keys.map(() => "---").join("|")}|`);
  for (const [name, r] of rows) console.log(`| ${name} | ${keys.map((k) => (r[k] < 0 ? "-" : (100 * r[k]).toFixed(1))).join(" | ")} |`);
' "${RESULTS[@]}"
done_msg
