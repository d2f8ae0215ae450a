export * from "./pose-loss.js";
