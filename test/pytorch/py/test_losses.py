"""losses.py on its own (with a stand-in spec module): masked L2, hard-joint mining, stage weights,
and stages that produce only one branch, against values worked out by hand."""
import sys
import types
import unittest

import torch

spec = types.ModuleType("spec")
spec.KEYPOINTS = {"background": True}
spec.LOSS = {"stage_weights": [1.0], "hardjoint": None, "heatmap": {"masked": True, "weight": 1.0},
             "paf": {"masked": True, "weight": 1.0}}
sys.modules.setdefault("spec", spec)

from losses import hard_joint_loss, masked_l2, pose_loss, top_k_per_row


def channels(values):
    """[1, C, 1, 1] from per-channel values."""
    return torch.tensor(values, dtype=torch.float64).reshape(1, -1, 1, 1)


class MaskedL2Test(unittest.TestCase):
    def test_sum_per_sample_mean_over_batch(self):
        pred = torch.ones(2, 1, 2, 2, dtype=torch.float64)
        mask = torch.ones(2, 1, 2, 2, dtype=torch.float64)
        mask[0, 0, 0, 0] = 0
        # sample 0: 3 pixels of error 1; sample 1: 4 -> (3 + 4) / 2
        self.assertEqual(masked_l2(pred, torch.zeros_like(pred), mask).item(), 3.5)
        self.assertEqual(masked_l2(pred, torch.zeros_like(pred)).item(), 4.0)


class HardJointTest(unittest.TestCase):
    # per-joint losses 1, 9, 4 and the background's 25
    pred = channels([1.0, 3.0, 2.0, 5.0])
    target = torch.zeros(1, 4, 1, 1, dtype=torch.float64)

    def test_background_excluded_included_separate(self):
        hj = hard_joint_loss
        self.assertEqual(hj(self.pred, self.target, None, 2, "exclude").item(), 9 + 4)
        self.assertEqual(hj(self.pred, self.target, None, 2, "include").item(), 25 + 9)
        self.assertEqual(hj(self.pred, self.target, None, 2, "separate").item(), 9 + 4 + 25)
        self.assertEqual(hj(self.pred, self.target, None, 2, "exclude", False).item(), 25 + 9)

    def test_ties_go_to_the_lower_channel(self):
        chosen = top_k_per_row(torch.tensor([[1.0, 2.0, 2.0, 0.0]]), 4, 2)
        self.assertEqual(chosen.tolist(), [[1, 2]])
        chosen = top_k_per_row(torch.tensor([[2.0, 1.0, 2.0, 2.0]]), 4, 1)
        self.assertEqual(chosen.tolist(), [[0]])
        with self.assertRaises(ValueError):
            top_k_per_row(torch.zeros(1, 3), 3, 4)

    def test_gradient_flows_through_the_chosen_joints_only(self):
        pred = self.pred.clone().requires_grad_(True)
        hard_joint_loss(pred, self.target, None, 1, "exclude").backward()
        # only joint 1 (loss 9): d/dp p^2 = 2p = 6
        self.assertEqual(pred.grad.flatten().tolist(), [0.0, 6.0, 0.0, 0.0])


class PoseLossTest(unittest.TestCase):
    def loss(self, **over):
        base = {"stage_weights": [1.0, 2.0], "hardjoint": None,
                "heatmap": {"masked": True, "weight": 1.0}, "paf": {"masked": False, "weight": 0.5}}
        base.update(over)
        return base

    def test_stage_and_branch_weights(self):
        mask = torch.zeros(1, 1, 1, 1, dtype=torch.float64)  # masks heatmaps only (paf unmasked)
        hm_t = paf_t = torch.zeros(1, 2, 1, 1, dtype=torch.float64)
        s1 = (channels([1.0, 1.0]), channels([3.0, 0.0]))   # paf 2, heatmaps 9 (masked -> 0)
        s2 = (channels([2.0, 0.0]), channels([1.0, 1.0]))   # paf 4, heatmaps 2 (masked -> 0)
        total, rows = pose_loss([s1, s2], hm_t, paf_t, mask, self.loss(), {"background": True})
        # 1 * (0 + 0.5 * 2) + 2 * (0 + 0.5 * 4)
        self.assertEqual(total.item(), 5.0)
        self.assertEqual([(s, h.item(), p.item()) for s, h, p in rows],
                         [(1, 0.0, 2.0), (2, 0.0, 4.0)])

    def test_a_stage_without_pafs_and_one_without_heatmaps(self):
        mask = torch.ones(1, 1, 1, 1, dtype=torch.float64)
        hm_t = paf_t = torch.zeros(1, 2, 1, 1, dtype=torch.float64)
        s1 = (channels([1.0, 1.0]), None)      # PAFs only: 2
        s2 = (None, channels([1.0, 2.0]))      # heatmaps only: 5
        total, rows = pose_loss([s1, s2], hm_t, paf_t, mask, self.loss(), {"background": True})
        self.assertEqual(total.item(), 1 * 0.5 * 2 + 2 * 5)
        self.assertEqual(rows[0][1], None)
        self.assertEqual(rows[1][2], None)

    def test_mined_stage(self):
        mask = torch.ones(1, 1, 1, 1, dtype=torch.float64)
        hm_t = torch.zeros(1, 4, 1, 1, dtype=torch.float64)
        loss = self.loss(stage_weights=[1.0],
                         hardjoint={"stages": [1], "topk": 1, "background": "exclude"})
        stages = [(None, HardJointTest.pred)]
        total, _ = pose_loss(stages, hm_t, None, mask, loss, {"background": True})
        self.assertEqual(total.item(), 9.0)

    def test_stage_count_must_match_the_weights(self):
        with self.assertRaises(ValueError):
            pose_loss([], None, None, None, self.loss())


if __name__ == "__main__":
    unittest.main()
