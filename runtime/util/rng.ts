// The seeded RNG is core's (core/rng.ts): the compiler draws initial weights from it and the runtime its
// augmentation and synthetic data, so that every target reproduces the same draws. Re-exported here for the
// runtime's modules; this file defines nothing.
export { Rng, seedFor } from "../../core/rng.js";
