# rng.py: posec's seeded RNG (core/rng.ts: xoshiro128** seeded through splitmix32), seedFor and
# the epoch order of runtime/data/batches.ts, draw for draw, so that the PyTorch program visits and
# augments the samples exactly as the tfjs runtime does.
"""posec's random numbers (core/rng.ts) and batch order (runtime/data/batches.ts)."""
import math

M32 = 0xFFFFFFFF


def _imul(a, b):
    return (a * b) & M32


def _rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M32


class Rng:
    """xoshiro128** seeded through splitmix32: posec's Rng (core/rng.ts), draw for draw."""

    def __init__(self, seed):
        x = seed & M32
        state = []
        for _ in range(4):
            x = (x + 0x9E3779B9) & M32
            z = _imul(x ^ (x >> 16), 0x85EBCA6B)
            z = _imul(z ^ (z >> 13), 0xC2B2AE35)
            state.append(z ^ (z >> 16))
        state[3] |= 1
        self.s = state

    def next_u32(self):
        s0, s1, s2, s3 = self.s
        result = _imul(_rotl(_imul(s1, 5), 7), 9)
        t = (s1 << 9) & M32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 11)
        self.s = [s0, s1, s2, s3]
        return result

    def next(self):
        return self.next_u32() / 4294967296

    def uniform(self, lo, hi):
        return lo + (hi - lo) * self.next()

    def int(self, lo, hi):
        return lo + math.floor(self.next() * (hi - lo + 1))


def seed_for(seed, index):
    """Stable seed of item index of a stream seeded with seed (posec's seedFor)."""
    h = (seed & M32) ^ _imul((index + 1) & M32, 0x9E3779B1)
    h = _imul(h ^ (h >> 16), 0x85EBCA6B)
    h = _imul(h ^ (h >> 13), 0xC2B2AE35)
    return h ^ (h >> 16)


def epoch_order(count, seed, epoch, shuffle=True):
    """The epoch's visiting order (Fisher-Yates with Rng(seed_for(seed, 2 * epoch)))."""
    order = list(range(count))
    if shuffle:
        rng = Rng(seed_for(seed, 2 * epoch))
        for i in range(count - 1, 0, -1):
            j = rng.int(0, i)
            order[i], order[j] = order[j], order[i]
    return order


def epoch_augment_seed(seed, epoch):
    return seed_for(seed, 2 * epoch + 1)
