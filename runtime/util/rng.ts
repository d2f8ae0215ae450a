// The seeded RNG lives with the compiler (initial weights are part of what it emits); the runtime
// uses the same one for augmentation and synthetic data.
export { Rng, seedFor } from "../../core/rng.js";
