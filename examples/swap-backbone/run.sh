#!/usr/bin/env bash
# Swap CMU-Pose's VGG-19 front for SE-ResNet-50 by editing one line, compare the two with
# `posec inspect --json`, and train both briefly.
#   ./run.sh           inspect the real pair, train it for a few steps at 368x368 (about 15-25 min on 2 cores)
#   ./run.sh --quick   inspect the real pair, train the 1/8-width pair at 64x64 (under 2 min)
source "$(dirname "$0")/../lib/common.sh"
mkdir -p "$OUT"

step "the one line that differs"
diff cmu_pose_vgg19.posenet cmu_pose_se_resnet50.posenet && { echo "expected the specs to differ" >&2; exit 1; } || true
changed=$(diff cmu_pose_vgg19.posenet cmu_pose_se_resnet50.posenet | grep -c '^[<>]' || true)
[ "$changed" = 2 ] || { echo "the two specs should differ in exactly one line (diff shows $changed changed lines)" >&2; exit 1; }

step "posec inspect --json, both specs, and probes for the features' receptive field"
fresh "$OUT/inspect"
posec inspect cmu_pose_vgg19.posenet --json > "$OUT/inspect/vgg19.json"
posec inspect cmu_pose_se_resnet50.posenet --json > "$OUT/inspect/se_resnet50.json"
# A probe is the spec with its stages replaced by one 1x1 convolution, which adds nothing to the
# receptive field: the probe's output receptive field is the receptive field of the features.
for probe in vgg19:cmu_pose_vgg19.posenet se_resnet50:cmu_pose_se_resnet50.posenet "resnet50:cmu_pose_vgg19.posenet"; do
  name=${probe%%:*}; parent=${probe#*:}
  backbone=""
  [ "$name" = resnet50 ] && backbone="backbone resnet50 until layer2"
  cat > "$OUT/inspect/probe_$name.posenet" <<SPEC
posenet 1
model probe_$name extends "$EXAMPLE_DIR/$parent"
$backbone
stages 1 stride=8 {
  first each branch { conv 1x1 out }
}
train { lr_mult stages=1 weight=1 bias=1 }
SPEC
  posec inspect "$OUT/inspect/probe_$name.posenet" --json > "$OUT/inspect/probe_$name.json"
done
node compare.mjs "$OUT/inspect" | tee "$OUT/comparison.txt"

if [ "$QUICK" = 1 ]; then
  pair=(quick_vgg19 quick_se_resnet50); images=128; size=96; steps=40; batch=4
  step "quick mode: the 1/8-width pair at 64x64 (not the real networks: see the README)"
  diff quick_vgg19.posenet quick_se_resnet50.posenet || true
else
  pair=(cmu_pose_vgg19 cmu_pose_se_resnet50); images=32; size=368; steps=${STEPS:-10}; batch=2
fi

step "synthetic training data ($images images, ${size}x$size)"
synth "$OUT/data" --images "$images" --size "$size" --seed 7

for spec in "${pair[@]}"; do
  step "posec train $spec.posenet ($steps steps, batch $batch)"
  rm -rf "$OUT/runs/$spec" && mkdir -p "$OUT/runs"
  posec train "$spec.posenet" "${THREADS[@]}" --data "$OUT/data" --out "$OUT/runs/$spec" --steps "$steps" --batch "$batch" --seed 1 2>&1 |
    grep -E '^(data|step|trained|mean loss)' | tee "$OUT/runs/$spec.log"
done

step "summary"
for spec in "${pair[@]}"; do
  printf '%-24s %s\n' "$spec" "$(grep '^mean loss' "$OUT/runs/$spec.log")"
done
echo "loss curves: $OUT/runs/*/loss.png"
done_msg
