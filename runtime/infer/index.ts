// Inference decoding: heatmaps + PAFs -> people -> COCO results / pictures.
export * from "./coco-results.js";
export * from "./decode.js";
export * from "./draw.js";
export * from "./group.js";
export * from "./maps.js";
export * from "./multiscale.js";
export * from "./peaks.js";
export * from "./report.js";
