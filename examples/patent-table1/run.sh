#!/usr/bin/env bash
# Patent CN114581953B, Table 1: CMU-Pose, SE-ResNet-CMU-Pose and SE-ResNet-OKHM-CMU-Pose trained with
# identical settings, evaluated with `posec eval`, printed beside the patent's numbers.
#   ./run.sh --quick          small variants of the three specs on posec's synthetic people (about 2-3 min)
#   ./run.sh --coco DIR       the zoo's three specs on COCO 2017 (DIR/annotations, train2017, val2017): days on GPUs
# Full-mode settings (environment):
#   TRAINER=pytorch|posec     the generated PyTorch program (default) or `posec train` (tfjs-node-gpu where installed)
#   NPROC=N                   processes/GPUs for the PyTorch program (default 1; >1 uses torchrun, NCCL on GPUs)
#   STEPS=N                   override the specs' 600,000 steps (for a trial run)
#   BATCH=N                   override the specs' batch of 10 (per process with the PyTorch program)
#   LIMIT=N                   evaluate on the first N val2017 images only
#   SCALES=0.5,1,1.5,2        inference scales (default 1)
source "$(dirname "$0")/../lib/common.sh"

COCO=""
set -- "${ARGS[@]+"${ARGS[@]}"}"
while [ $# -gt 0 ]; do
  case "$1" in
    --coco) COCO="$(from_caller "${2:?--coco needs a folder}")"; shift 2 ;;
    *) echo "unknown option $1 (use --quick or --coco DIR)" >&2; exit 2 ;;
  esac
done
if [ "$QUICK" = 0 ] && [ -z "$COCO" ]; then
  echo "usage: ./run.sh --quick | ./run.sh --coco DIR   (see README.md)" >&2
  exit 2
fi

ROWS=(cmu_pose se_resnet_cmupose se_resnet_okhm_cmupose)
if [ "$QUICK" = 1 ]; then
  WORK="$OUT/quick"
  spec_of() { echo "quick_$1.posenet"; }
else
  WORK="$OUT/full"
  spec_of() { [ "$1" = cmu_pose ] && echo "$REPO_ROOT/models/cmu_pose_vgg19.posenet" || echo "$REPO_ROOT/models/$1.posenet"; }
fi
mkdir -p "$WORK"

step "what differs between the three specs"
for row in "${ROWS[@]}"; do printf '  %-24s %s\n' "$row" "$(spec_of "$row")"; done
grep -h -E '^(model|backbone|  hardjoint)' $(for row in "${ROWS[@]}"; do spec_of "$row"; done) | sed 's/^/  /'

if [ "$QUICK" = 1 ]; then
  step "data: posec's synthetic people (training: 128 images, held out: 16 images)"
  synth "$WORK/train" --images 128 --size 96 --seed 7
  synth "$WORK/val" --images 16 --size 96 --seed 1001
  GT="$WORK/val/annotations.json"
  VAL_IMAGES=("$WORK"/val/images/*.png)
else
  GT="$COCO/annotations/person_keypoints_val2017.json"
  [ -f "$GT" ] && [ -d "$COCO/train2017" ] && [ -d "$COCO/val2017" ] || {
    echo "--coco $COCO: expected annotations/person_keypoints_{train,val}2017.json, train2017/ and val2017/ (COCO 2017)" >&2; exit 1; }
  shopt -s nullglob
  VAL_IMAGES=("$COCO"/val2017/*.jpg "$COCO"/val2017/*.png)
  shopt -u nullglob
  [ ${#VAL_IMAGES[@]} -gt 0 ] || { echo "--coco $COCO: no images in val2017/" >&2; exit 1; }
  if [ -n "${LIMIT:-}" ]; then
    VAL_IMAGES=("${VAL_IMAGES[@]:0:$LIMIT}")
    # score only the images that were run: a ground-truth file restricted to them
    node -e '
      const fs = require("fs"), path = require("path");
      const [gt, out, ...files] = process.argv.slice(1);
      const keep = new Set(files.map((f) => Number(path.basename(f).replace(/\.[^.]+$/, ""))));
      const j = JSON.parse(fs.readFileSync(gt, "utf8"));
      j.images = j.images.filter((i) => keep.has(i.id));
      j.annotations = j.annotations.filter((a) => keep.has(a.image_id));
      fs.writeFileSync(out, JSON.stringify(j));' "$GT" "$WORK/val-subset.json" "${VAL_IMAGES[@]}"
    GT="$WORK/val-subset.json"
  fi
fi

train_row() {  # $1 row name; leaves the model to evaluate in $MODEL
  local row=$1 spec run
  spec=$(spec_of "$row"); run="$WORK/$row/run"
  rm -rf "$run"; mkdir -p "$WORK/$row"
  if [ "$QUICK" = 1 ] || [ "${TRAINER:-pytorch}" = posec ]; then
    local data="$COCO"; [ "$QUICK" = 1 ] && data="$WORK/train"
    posec train "$spec" "${THREADS[@]}" --data "$data" --out "$run" ${STEPS:+--steps "$STEPS"} ${BATCH:+--batch "$BATCH"} 2>&1 |
      grep --line-buffered -E '^(backend|data|step|trained|mean loss)' | tee "$WORK/$row/train.log"
    MODEL="$run"
  else
    posec build "$spec" --target pytorch --out "$WORK/$row/program"
    local nproc=${NPROC:-1}
    if [ "$nproc" -gt 1 ]; then
      (cd "$WORK/$row/program" && torchrun --standalone --nproc_per_node="$nproc" train.py --data "$COCO" --out "$run" ${STEPS:+--steps "$STEPS"} ${BATCH:+--batch "$BATCH"})
    else
      (cd "$WORK/$row/program" && "$PYTHON" train.py --data "$COCO" --out "$run" ${STEPS:+--steps "$STEPS"} ${BATCH:+--batch "$BATCH"})
    fi 2>&1 | tee "$WORK/$row/train.log"
    posec export "$spec" --checkpoint "$run/model.pt" --out "$WORK/$row/model.onnx"
    MODEL="$WORK/$row/model.onnx"
  fi
}

for row in "${ROWS[@]}"; do
  step "$row: train ($(basename "$(spec_of "$row")"))"
  train_row "$row"
  step "$row: infer on ${#VAL_IMAGES[@]} held-out images, then posec eval"
  rm -rf "$WORK/$row/infer"
  posec infer --model "$MODEL" "${THREADS[@]}" --out "$WORK/$row/infer" --no-pictures --scales "${SCALES:-1}" "${VAL_IMAGES[@]}" > "$WORK/$row/infer.log" 2>&1 ||
    { tail -20 "$WORK/$row/infer.log" >&2; exit 1; }
  posec eval --gt "$GT" --results "$WORK/$row/infer/results.json" --json > "$WORK/$row/eval.json" 2> "$WORK/$row/eval.warnings"
  posec eval --gt "$GT" --results "$WORK/$row/infer/results.json" > "$WORK/$row/eval.txt" 2>&1
  echo "  $(cat "$WORK/$row/eval.json")"
done

step "Table 1"
node table.mjs "$WORK" | tee "$WORK/table.txt"
if [ "$QUICK" = 1 ]; then
  echo
  echo "QUICK MODE: tiny networks, a few dozen steps, synthetic 96x96 people. These numbers are NOT comparable"
  echo "with the patent's (COCO, 600,000 steps at 368x368); they only show that the pipeline runs end to end."
fi
done_msg
