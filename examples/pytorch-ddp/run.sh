#!/usr/bin/env bash
# The generated PyTorch program (`posec build --target pytorch`) trained on two processes with
# DistributedDataParallel (gloo on CPU here), its weights brought back as ONNX and scored by posec.
#   ./run.sh           the spec's 500 steps, 2 processes x batch 4 (see README.md for the time it takes)
#   ./run.sh --quick   10 steps
#   NPROC=N            processes (default 2)
# On GPUs run train.py under torchrun instead (NCCL): see README.md.
source "$(dirname "$0")/../lib/common.sh"
SPEC="$REPO_ROOT/models/small_resnet18_cmupose.posenet"
NPROC=${NPROC:-2}
mkdir -p "$OUT"

step "posec build --target pytorch"
rm -rf "$OUT/program"
posec build "$SPEC" --target pytorch --out "$OUT/program" | sed 's/^/  /'

step "data: the spec's synthetic set (512 images, 128x128, seed 7) and 32 held-out images"
if [ "$QUICK" = 1 ]; then images=64; else images=512; fi
synth "$OUT/data" --images "$images" --size 128 --seed 7
synth "$OUT/val" --images 32 --size 128 --seed 1001

if [ "$QUICK" = 1 ]; then steps=10; else steps=500; fi
batch=$((8 / NPROC)); [ "$batch" -ge 1 ] || batch=1
step "python train.py --nproc $NPROC: $NPROC processes x batch $batch = the spec's batch 8 per step, $steps steps"
rm -rf "$OUT/run"
# --checksums: every rank prints a hash of its weights after each step; DDP keeps them identical
(cd "$OUT/program" && "$PYTHON" train.py --nproc "$NPROC" --data "$OUT/data" --out "$OUT/run" \
  --steps "$steps" --batch "$batch" --threads 1 --log-every 5 --checkpoint-every "$steps" --checksums) 2>&1 | tee "$OUT/train.log" | grep --line-buffered -v 'checksum'
ls -l "$OUT/run"

step "the ranks' weights after every step"
# the checksum lines name the rank, the step and the hash; every step must show one hash only
node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter((l) => /checksum/i.test(l));
  const byStep = new Map();
  for (const l of lines) {
    const step = /step[ =]*(\d+)/i.exec(l)?.[1], hash = /([0-9a-f]{12,})/i.exec(l)?.[1];
    if (step && hash) byStep.set(step, (byStep.get(step) ?? new Set()).add(hash));
  }
  if (byStep.size === 0) { console.error("no checksum lines in the log"); process.exit(1); }
  const split = [...byStep].filter(([, h]) => h.size > 1);
  console.log(`${lines.length} checksum lines over ${byStep.size} steps; steps where ranks disagree: ${split.length}`);
  process.exit(split.length ? 1 : 0);' "$OUT/train.log"

step "posec export: the PyTorch state dict as ONNX, then posec eval on the held-out images"
posec export "$SPEC" --checkpoint "$OUT/run/model.pt" --out "$OUT/model.onnx"
posec eval --model "$OUT/model.onnx" "${THREADS[@]}" --data "$OUT/val" --json
[ "$QUICK" = 1 ] && echo "(quick mode: 10 steps find nobody; the full mode's 500 steps do)"
done_msg
