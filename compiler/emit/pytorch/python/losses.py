# losses.py: the pose loss exactly as posec's tfjs runtime computes it (runtime/losses/pose-
# loss.ts), NCHW: masked L2 per stage and branch, per-stage weights, hard-joint mining per sample.
"""The training loss as posec's tfjs runtime computes it (runtime/losses/pose-loss.ts), NCHW.

Per stage and branch the loss is the masked L2  sum_p W(p) * (S(p) - S*(p))^2, summed per sample
over pixels and channels, then averaged over the batch (no Caffe factor 1/2); W is the [B, 1, h, w]
mask. Hard-joint mining (LOSS["hardjoint"], heatmap branch of the listed stages): per sample and
joint f_j = sum_p W(p) * (S_j(p) - S*_j(p))^2; the sample's topk largest joints are summed; then the
batch mean. Background (last heatmap channel): "exclude" leaves it out, "include" lets it compete as
one more joint, "separate" adds its plain masked L2. The joints are chosen on the values (ties go to
the lower channel; no gradient through the choice); the gradient flows through the chosen joints.
"""
import torch

from spec import KEYPOINTS, LOSS


def per_channel_loss(pred, target, mask=None):
    """[B, C]: per sample and channel, the masked squared error summed over pixels."""
    sq = (pred - target) ** 2
    if mask is not None:
        sq = sq * mask
    return sq.sum(dim=(2, 3))


def masked_l2(pred, target, mask=None):
    """Masked L2 summed per sample over pixels and channels, averaged over the batch."""
    return per_channel_loss(pred, target, mask).sum() / pred.shape[0]


def top_k_per_row(values, candidates, k):
    """[B, k] indices of the k largest of values[:, :candidates] per row, largest first, ties to the
    lower index."""
    if not 1 <= k <= candidates <= values.shape[1]:
        raise ValueError(
            f"top-k: need 1 <= k ({k}) <= candidates ({candidates}) <= channels ({values.shape[1]})"
        )
    order = torch.sort(values[:, :candidates], dim=1, descending=True, stable=True).indices
    return order[:, :k]


def hard_joint_loss(pred, target, mask, topk, background="exclude", has_background=True):
    """The hard-joint heatmap loss of one stage, averaged over the batch."""
    per_joint = per_channel_loss(pred, target, mask)
    batch, channels = per_joint.shape
    keypoints = channels - 1 if has_background else channels
    candidates = channels if has_background and background == "include" else keypoints
    chosen = top_k_per_row(per_joint.detach(), candidates, topk)
    picked = per_joint.gather(1, chosen).sum()
    if has_background and background == "separate":
        picked = picked + per_joint[:, channels - 1].sum()
    return picked / batch


def pose_loss(stages, heatmaps, pafs, mask, loss=LOSS, keypoints=KEYPOINTS):
    """stages: every stage's (pafs, heatmaps), stage 1 first (model output .stages), None for a
    branch the stage does not produce; the targets are shared by all stages. Returns (total,
    [(stage, heatmap loss or None, paf loss or None), ...]) before weighting:
    total = sum_s stage_weights[s] * (heatmap.weight * heatmap + paf.weight * paf) over the branches
    each stage produces."""
    if len(stages) != len(loss["stage_weights"]):
        weights = len(loss["stage_weights"])
        raise ValueError(f"{len(stages)} stage outputs but {weights} stage weights")
    hj = loss["hardjoint"]
    mined = set(hj["stages"]) if hj else set()
    hm_mask = mask if loss["heatmap"]["masked"] else None
    paf_mask = mask if loss["paf"]["masked"] else None
    total = heatmaps.new_zeros(())
    per_stage = []
    for i, (stage_pafs, stage_heatmaps) in enumerate(stages):
        stage = i + 1
        hm = paf = None
        weighted = heatmaps.new_zeros(())
        if stage_heatmaps is not None:
            if stage in mined:
                hm = hard_joint_loss(stage_heatmaps, heatmaps, hm_mask, hj["topk"],
                                     hj["background"], keypoints["background"])
            else:
                hm = masked_l2(stage_heatmaps, heatmaps, hm_mask)
            weighted = weighted + hm * loss["heatmap"]["weight"]
        if stage_pafs is not None:
            paf = masked_l2(stage_pafs, pafs, paf_mask)
            weighted = weighted + paf * loss["paf"]["weight"]
        per_stage.append((stage, hm, paf))
        total = total + weighted * loss["stage_weights"][i]
    return total, per_stage
