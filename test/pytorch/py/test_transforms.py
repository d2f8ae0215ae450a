"""transforms.py on its own: affine maps, COCO RLE, targets, against values worked out by hand."""
import math
import unittest

import numpy as np

from transforms import (
    Affine, AugmentDraw, apply_affine, augment_affine, decode_rle_string, fill_rle, fit_affine,
    heatmap_targets, invert_affine, js_hypot, mask_targets, paf_targets,
)

GRID = {"grid_width": 8, "grid_height": 6, "stride": 4, "sigma": 2.0, "heatmap_combine": "sum-clip",
        "paf_width": 1.0, "paf_convention": "centered", "paf_combine": "average"}


def person(points, joints):
    xy = np.zeros((joints, 2), dtype=np.float64)
    vis = np.zeros(joints, dtype=np.int64)
    for j, (x, y) in points.items():
        xy[j] = (x, y)
        vis[j] = 2
    return xy, vis


class AffineTest(unittest.TestCase):
    def test_fit_letterboxes_a_wide_image(self):
        # 200 x 100 into 100 x 100: scale 0.5; tx = 49.5 - 0.5 * 199 / 2 = -0.25, ty = 49.5 - 24.75
        m = fit_affine(200, 100, 100, 100)
        self.assertEqual(m, Affine(0.5, 0.0, 0.0, 0.5, -0.25, 24.75))
        self.assertEqual(apply_affine(m, 199, 99), (99.25, 74.25))

    def test_invert(self):
        inv = invert_affine(Affine(2.0, 0.0, 0.0, 4.0, 1.0, 2.0))
        self.assertEqual(inv, Affine(0.5, 0.0, 0.0, 0.25, -0.5, -0.5))

    def test_augment_centres_the_person_and_mirrors_on_flip(self):
        draw = AugmentDraw(1.0, 0.0, False, 0.0, 0.0)
        m = augment_affine(draw, (10.0, 20.0), 41, 41)
        self.assertEqual(apply_affine(m, 10.0, 20.0), (20.0, 20.0))
        flipped = augment_affine(draw._replace(flip=True), (10.0, 20.0), 41, 41)
        self.assertEqual(apply_affine(flipped, 10.0, 20.0), (20.0, 20.0))
        self.assertEqual(apply_affine(flipped, 11.0, 20.0), (19.0, 20.0))  # one pixel right -> left

    def test_a_quarter_turn_at_scale_two(self):
        m = augment_affine(AugmentDraw(2.0, 90.0, False, 0.0, 0.0), (0.0, 0.0), 11, 11)
        x, y = apply_affine(m, 1.0, 0.0)  # OpenCV's sign: (1, 0) -> (0, -2) about the centre
        self.assertAlmostEqual(x, 5.0)
        self.assertAlmostEqual(y, 3.0)


class RleTest(unittest.TestCase):
    def test_decode_small_counts_and_deltas(self):
        self.assertEqual(decode_rle_string("32"), [3, 2])
        # from the fourth count on, the value is a delta to the count two before: 1 + 2 = 3
        self.assertEqual(decode_rle_string("3211"), [3, 2, 1, 3])

    def test_decode_a_two_chunk_count(self):
        # 40 = 8 + 1 * 32: chunk 8 with the "more" bit (8 | 32 = 40 -> chr(88) "X"), then 1 ("1")
        self.assertEqual(decode_rle_string("X1"), [40])

    def test_bad_strings_raise(self):
        with self.assertRaises(ValueError):
            decode_rle_string("X")
        with self.assertRaises(ValueError):
            decode_rle_string("3 ")

    def test_fill_is_column_major(self):
        mask = np.zeros((2, 3), dtype=np.uint8)
        fill_rle(2, 3, [1, 4, 1], mask)  # column-major 0 1 | 1 1 | 1 0
        self.assertEqual(mask.tolist(), [[0, 1, 1], [1, 1, 0]])
        with self.assertRaises(ValueError):
            fill_rle(2, 3, [1, 4], mask)


class TargetTest(unittest.TestCase):
    def test_gaussian_peak_neighbours_and_background(self):
        # cell g has its centre at stride / 2 - 0.5 + g * stride = 1.5 + 4g: (2, 2) is (9.5, 9.5)
        out = heatmap_targets([person({0: (9.5, 9.5)}, 1)], 1, True, GRID)
        self.assertEqual(out.shape, (6, 8, 2))
        self.assertEqual(out[2, 2, 0], 1.0)
        # one cell away: exp(-16 / (2 * 2^2)) = exp(-2)
        self.assertAlmostEqual(float(out[2, 3, 0]), math.exp(-2), places=6)
        self.assertAlmostEqual(float(out[3, 3, 0]), math.exp(-4), places=6)
        # exponents above 4.6052 are cut: (2, 3) above has 32 / 8 = 4 (kept), two cells 64 / 8 = 8
        self.assertEqual(out[2, 4, 0], 0.0)
        self.assertAlmostEqual(float(out[2, 3, 1]), 1 - math.exp(-2), places=6)
        self.assertEqual(out[5, 7, 1], 1.0)

    def test_two_people_sum_and_clip_at_one(self):
        a = person({0: (9.5, 9.5)}, 1)
        b = person({0: (13.5, 9.5)}, 1)
        out = heatmap_targets([a, b], 1, False, GRID)
        self.assertEqual(out[2, 2, 0], 1.0)  # 1 + exp(-2) clipped
        self.assertAlmostEqual(float(out[1, 2, 0]), min(1.0, math.exp(-2) + math.exp(-4)), places=6)

    def test_paf_of_a_horizontal_limb(self):
        # grid coordinates (x - 1.5) / 4: from (0, 2) to (4, 2), unit vector (1, 0), width 1 cell
        p = person({0: (1.5, 9.5), 1: (17.5, 9.5)}, 2)
        out = paf_targets([p], [{"from": 0, "to": 1}], GRID)
        self.assertEqual(out.shape, (6, 8, 2))
        expected = np.zeros((6, 8), dtype=np.float32)
        expected[1:4, 0:6] = 1.0  # rows 1..3 (|gy - 2| <= 1), columns widened by 1 past the ends
        self.assertEqual(out[:, :, 0].tolist(), expected.tolist())
        self.assertEqual(float(np.abs(out[:, :, 1]).max()), 0.0)

    def test_no_limbs_no_paf_channels(self):
        p = person({0: (1.5, 9.5)}, 1)
        self.assertEqual(paf_targets([p], [], GRID).shape, (6, 8, 0))

    def test_mask_is_the_cell_average(self):
        weight = np.ones((24, 32), dtype=np.float32)
        weight[0:4, 0:4] = 0
        weight[0:4, 4:6] = 0
        out = mask_targets(weight, 32, 24, GRID)
        self.assertEqual(out[0, 0, 0], 0.0)
        self.assertEqual(out[0, 1, 0], 0.5)
        self.assertEqual(float(out.sum()), 6 * 8 - 1.5)

    def test_hypot(self):
        self.assertEqual(js_hypot(3.0, -4.0), 5.0)
        self.assertEqual(js_hypot(0.0, 0.0), 0.0)


if __name__ == "__main__":
    unittest.main()
