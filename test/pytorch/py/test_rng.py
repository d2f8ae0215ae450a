"""rng.py on its own: xoshiro128** against values worked out by hand, seed_for, epoch order."""
import unittest

from rng import Rng, epoch_augment_seed, epoch_order, seed_for


class XoshiroTest(unittest.TestCase):
    def test_first_outputs_from_state_1_2_3_4(self):
        # result = rotl(s1 * 5, 7) * 9. State [1, 2, 3, 4]: rotl(10, 7) * 9 = 1280 * 9 = 11520.
        # Update: t = 2 << 9 = 1024; s2 = 3^1 = 2; s3 = 4^2 = 6; s1 = 2^2 = 0; s0 = 1^6 = 7;
        # s2 = 2^1024 = 1026; s3 = rotl(6, 11) = 12288 -> next result from s1 = 0 is 0.
        # Update: t = 0; s2 = 1026^7 = 1029; s3 = 12288^0; s1 = 0^1029 = 1029; s0 = 7^12288 = 12295;
        # s3 = rotl(12288, 11) = 25165824 -> next result rotl(5145, 7) * 9 = 658560 * 9 = 5927040
        # (the published first outputs of xoshiro128** from [1, 2, 3, 4]: 11520, 0, 5927040).
        r = Rng(0)
        r.s = [1, 2, 3, 4]
        self.assertEqual([r.next_u32(), r.next_u32()], [11520, 0])
        self.assertEqual(r.s, [12295, 1029, 1029, 25165824])
        self.assertEqual(r.next_u32(), 5927040)

    def test_seeding_sets_the_low_bit_of_the_last_word_and_is_deterministic(self):
        for seed in (0, 1, 2**32 - 1, 123456789):
            self.assertEqual(Rng(seed).s[3] & 1, 1)
            self.assertEqual(Rng(seed).s, Rng(seed).s)
        self.assertNotEqual(Rng(1).s, Rng(2).s)
        # the seed is taken modulo 2^32, as the TypeScript's `seed >>> 0`
        self.assertEqual(Rng(2**32 + 5).s, Rng(5).s)

    def test_next_int_and_uniform_stay_in_range_and_cover_it(self):
        r = Rng(7)
        xs = [r.next() for _ in range(2000)]
        self.assertTrue(all(0 <= x < 1 for x in xs))
        self.assertAlmostEqual(sum(xs) / len(xs), 0.5, delta=0.03)
        ints = [r.int(2, 5) for _ in range(2000)]
        self.assertEqual(sorted(set(ints)), [2, 3, 4, 5])
        for v in range(2, 6):  # each of 4 values about 500 times
            self.assertGreater(ints.count(v), 400)
        us = [r.uniform(-3, -1) for _ in range(100)]
        self.assertTrue(all(-3 <= u < -1 for u in us))

    def test_next_is_next_u32_over_2_to_the_32(self):
        a, b = Rng(3), Rng(3)
        self.assertEqual(a.next(), b.next_u32() / 4294967296)


class SeedForTest(unittest.TestCase):
    def test_index_minus_one_is_the_finaliser_of_the_seed(self):
        # h = seed ^ imul(0, ...) = seed, then murmur3's fmix32; fmix32(0) = 0
        self.assertEqual(seed_for(0, -1), 0)

    def test_values_are_32_bit_and_differ_by_index_and_seed(self):
        values = {seed_for(s, i) for s in (1, 2) for i in range(50)}
        self.assertEqual(len(values), 100)
        self.assertTrue(all(0 <= v < 2**32 for v in values))

    def test_augment_seed_is_the_odd_stream_of_the_epoch(self):
        self.assertEqual(epoch_augment_seed(9, 4), seed_for(9, 9))


class EpochOrderTest(unittest.TestCase):
    def test_a_permutation_that_changes_with_the_epoch(self):
        orders = [epoch_order(50, 1, e) for e in range(3)]
        for o in orders:
            self.assertEqual(sorted(o), list(range(50)))
        self.assertNotEqual(orders[0], orders[1])
        self.assertEqual(epoch_order(50, 1, 0), orders[0])

    def test_unshuffled_is_the_identity(self):
        self.assertEqual(epoch_order(5, 1, 3, shuffle=False), [0, 1, 2, 3, 4])

    def test_fisher_yates_with_the_epoch_stream(self):
        # the last position swaps with rng.int(0, count - 1) of Rng(seed_for(seed, 2 * epoch)) first
        j = Rng(seed_for(4, 2)).int(0, 2)
        order = epoch_order(3, 4, 1)
        expected_last = [0, 1, 2][j]
        self.assertEqual(order[2], expected_last)


if __name__ == "__main__":
    unittest.main()
