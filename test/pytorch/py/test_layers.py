"""layers.py on its own: pooling sizes and pads against PyTorch's own pools, initialiser statistics,
and posec-layout weights copied into PyTorch's layouts, against values worked out by hand."""
import json
import math
import os
import struct
import tempfile
import unittest

import torch
from torch import nn

from layers import (
    Add, Concat, Mul, Pool2d, copy_posec_weights, fans, init_constant, init_kaiming, init_normal,
    init_xavier, pool_out, read_tfjs_weights,
)


class PoolTest(unittest.TestCase):
    def test_output_sizes(self):
        self.assertEqual(pool_out(5, 3, 2, 0, 0, False), 2)   # (5 - 3) // 2 + 1
        self.assertEqual(pool_out(6, 3, 2, 0, 0, False), 2)   # floor(3 / 2) + 1
        self.assertEqual(pool_out(6, 3, 2, 0, 0, True), 3)    # Caffe: ceil(3 / 2) + 1
        self.assertEqual(pool_out(4, 2, 2, 1, 1, True), 3)    # ceil(4 / 2) + 1
        # ceil(3 / 2) + 1 = 3 windows, but the third would start at 4, past the input (and its
        # one pad): dropped, as Caffe and PyTorch do
        self.assertEqual(pool_out(3, 1, 2, 0, 1, True), 2)

    def test_symmetric_pads_match_torch_pools(self):
        g = torch.Generator().manual_seed(0)
        x = torch.randn(2, 3, 9, 7, generator=g)
        ours = Pool2d("max", (3, 3), (2, 2), (1, 1, 1, 1), False)(x)
        self.assertTrue(torch.equal(ours, nn.MaxPool2d(3, 2, 1)(x)))
        ours = Pool2d("avg", (3, 3), (2, 2), (1, 1, 1, 1), False, count_include_pad=False)(x)
        theirs = nn.AvgPool2d(3, 2, 1, count_include_pad=False)(x)
        self.assertTrue(torch.allclose(ours, theirs, atol=1e-6))
        ours = Pool2d("avg", (3, 3), (2, 2), (1, 1, 1, 1), True)(x)
        theirs = nn.AvgPool2d(3, 2, 1, ceil_mode=True)(x)
        self.assertTrue(torch.allclose(ours, theirs, atol=1e-6))

    def test_asymmetric_pad_by_hand(self):
        # 1 x 1 x 1 x 3 input [1, 2, 3], max pool 2 wide, stride 1, pad one on the left only:
        # padded [-inf, 1, 2, 3] -> windows [1, 2, 3]
        x = torch.tensor([[[[1.0, 2.0, 3.0]]]])
        self.assertEqual(Pool2d("max", (1, 2), (1, 1), (0, 1, 0, 0), False)(x).flatten().tolist(),
                         [1.0, 2.0, 3.0])
        # average, pads counted: [0, 1, 2, 3] -> [0.5, 1.5, 2.5]; not counted: [1, 1.5, 2.5]
        self.assertEqual(Pool2d("avg", (1, 2), (1, 1), (0, 1, 0, 0), False)(x).flatten().tolist(),
                         [0.5, 1.5, 2.5])
        got = Pool2d("avg", (1, 2), (1, 1), (0, 1, 0, 0), False, count_include_pad=False)(x)
        self.assertEqual(got.flatten().tolist(), [1.0, 1.5, 2.5])


class ElementwiseTest(unittest.TestCase):
    def test_add_mul_concat(self):
        a, b = torch.full((1, 2, 1, 1), 2.0), torch.full((1, 2, 1, 1), 3.0)
        self.assertEqual(Add()(a, b, a).flatten().tolist(), [7.0, 7.0])
        self.assertEqual(Mul()(a, b).flatten().tolist(), [6.0, 6.0])
        self.assertEqual(Concat()(a, b).flatten().tolist(), [2.0, 2.0, 3.0, 3.0])


class InitTest(unittest.TestCase):
    def test_fans_per_group_in_and_all_filters_out(self):
        self.assertEqual(fans(torch.empty(64, 16, 3, 3)), (16 * 9, 64 * 9))
        self.assertEqual(fans(torch.empty(10, 20)), (20, 10))

    def test_kaiming_and_xavier_spread(self):
        w = torch.empty(256, 128, 3, 3)
        g = torch.Generator().manual_seed(1)
        init_kaiming(w, g, "fan_in", "normal")
        self.assertAlmostEqual(w.std().item(), math.sqrt(2 / (128 * 9)), delta=0.002)
        init_kaiming(w, g, "fan_out", "uniform")
        bound = math.sqrt(3) * math.sqrt(2 / (256 * 9))
        self.assertLessEqual(w.abs().max().item(), bound)
        self.assertGreater(w.abs().max().item(), 0.99 * bound)
        init_xavier(w, g, "normal")
        self.assertAlmostEqual(w.std().item(), math.sqrt(2 / (128 * 9 + 256 * 9)), delta=0.002)
        init_normal(w, g, std=0.5, mean=3.0)
        self.assertAlmostEqual(w.mean().item(), 3.0, delta=0.01)
        init_constant(w, 0.25)
        self.assertEqual(w.unique().tolist(), [0.25])

    def test_the_generator_decides(self):
        a, b = torch.empty(100), torch.empty(100)
        init_normal(a, torch.Generator().manual_seed(5), std=1.0)
        init_normal(b, torch.Generator().manual_seed(5), std=1.0)
        self.assertTrue(torch.equal(a, b))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 1)
        self.bn = nn.BatchNorm2d(3)
        self.fc = nn.Linear(2, 1, bias=False)
        self.lambda_ = nn.PReLU(3)


ROLES = {"kernel": "weight", "bias": "bias", "gamma": "weight", "beta": "bias",
         "moving_mean": "running_mean", "moving_variance": "running_var", "alpha": "weight"}


def posec_weights():
    kernel = [[[[10 * i + o for o in range(3)] for i in range(2)]]]  # [1, 1, in 2, out 3]
    return {"conv/kernel": kernel, "conv/bias": [1.0, 2.0, 3.0], "bn/gamma": [1.0] * 3,
            "bn/beta": [0.0] * 3, "bn/moving_mean": [0.5] * 3, "bn/moving_variance": [2.0] * 3,
            "fc/kernel": [[7.0], [8.0]], "lambda/alpha": [0.1, 0.2, 0.3]}


class CopyWeightsTest(unittest.TestCase):
    def test_layouts_and_renamed_layers(self):
        net = Net()
        copy_posec_weights(net, posec_weights(), {"lambda": "lambda_"}, ROLES)
        # HWIO [0, 0, i, o] = 10 i + o -> OIHW [o, i, 0, 0]
        self.assertEqual(net.conv.weight[:, :, 0, 0].tolist(),
                         [[0.0, 10.0], [1.0, 11.0], [2.0, 12.0]])
        self.assertEqual(net.fc.weight.tolist(), [[7.0, 8.0]])  # [in, units] -> [units, in]
        self.assertEqual(net.bn.running_var.tolist(), [2.0] * 3)
        self.assertEqual([round(v, 6) for v in net.lambda_.weight.tolist()], [0.1, 0.2, 0.3])

    def test_missing_unknown_and_misshapen_weights_are_refused(self):
        def copy(weights):
            copy_posec_weights(Net(), weights, {"lambda": "lambda_"}, ROLES)

        w = posec_weights()
        del w["bn/beta"]
        with self.assertRaisesRegex(KeyError, "bn.bias"):
            copy(w)
        with self.assertRaisesRegex(KeyError, "nothing"):
            copy({**posec_weights(), "nothing/kernel": [1.0]})
        with self.assertRaisesRegex(ValueError, "fc/kernel"):
            copy({**posec_weights(), "fc/kernel": [[7.0, 8.0]]})


class ReadTfjsTest(unittest.TestCase):
    def test_manifest_order_and_depthwise_kernels(self):
        with tempfile.TemporaryDirectory() as d:
            values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
            with open(os.path.join(d, "w.bin"), "wb") as f:
                f.write(struct.pack("<8f", *values))
            manifest = {"weightsManifest": [{"paths": ["w.bin"], "weights": [
                {"name": "a/bias", "shape": [2], "dtype": "float32"},
                {"name": "dw/depthwise_kernel", "shape": [1, 2, 3, 1]},
            ]}]}
            with open(os.path.join(d, "model.json"), "w") as f:
                json.dump(manifest, f)
            got = read_tfjs_weights(os.path.join(d, "model.json"))
        self.assertEqual(sorted(got), ["a/bias", "dw/kernel"])
        self.assertEqual(got["a/bias"].tolist(), [1.0, 2.0])
        # [kh, kw, channels, multiplier 1] -> posec's [kh, kw, 1, channels]
        self.assertEqual(got["dw/kernel"].shape, (1, 2, 1, 3))
        self.assertEqual(got["dw/kernel"].flatten().tolist(), values[2:])


if __name__ == "__main__":
    unittest.main()
