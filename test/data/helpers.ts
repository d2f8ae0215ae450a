// Shared set-up for the data-pipeline tests: the COCO-18 schema, small configs, temp folders and tiny
// hand-made COCO files.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { BUILTIN_KEYPOINTS } from "../../core/keypoints/builtin.js";
import type { KeypointsIR } from "../../core/ir/types.js";
import type { SampleConfig } from "../../runtime/data/sample.js";
import type { TargetOptions } from "../../runtime/data/targets.js";
import type { PersonJoints } from "../../runtime/data/joints.js";

export const SPAN = { file: "test.posenet", line: 1, col: 1, endLine: 1, endCol: 1 };
export const COCO18: KeypointsIR = BUILTIN_KEYPOINTS.coco18(SPAN);

/** OpenPose-18 joint indices used in the tests */
export const J = { Nose: 0, Neck: 1, RShoulder: 2, RElbow: 3, LShoulder: 5, LElbow: 6 } as const;

export function targetOptions(o: Partial<TargetOptions> = {}): TargetOptions {
  return {
    stride: 8,
    gridWidth: 8,
    gridHeight: 8,
    sigma: 7,
    pafWidth: 1,
    heatmapCombine: "sum-clip",
    pafCombine: "average",
    pafConvention: "centered",
    ...o,
  };
}

/** 64x64 input, stride 8 (8x8 grid), identity-friendly settings; `augment` null unless given. */
export function sampleConfig(o: Partial<SampleConfig> = {}, size = 64): SampleConfig {
  return {
    keypoints: COCO18,
    input: { width: size, height: size, scale: 1 / 256, shift: -0.5, channelOrder: "bgr" },
    targets: targetOptions({ gridWidth: size / 8, gridHeight: size / 8 }),
    augment: null,
    ...o,
  };
}

/** A person with the given schema joints labelled (visibility 2) at the given input pixels. */
export function person(joints: Record<number, [number, number]>, vis = 2): PersonJoints {
  const n = COCO18.joints.length;
  const p: PersonJoints = { xy: new Float64Array(2 * n), vis: new Uint8Array(n) };
  for (const [j, [x, y]] of Object.entries(joints)) {
    p.xy[2 * Number(j)] = x;
    p.xy[2 * Number(j) + 1] = y;
    p.vis[Number(j)] = vis;
  }
  return p;
}

/** Raw COCO-17 keypoints (51 numbers) with the given entries set: index -> [x, y, v]. */
export function cocoKeypoints(entries: Record<number, [number, number, number]>): number[] {
  const k = new Array<number>(51).fill(0);
  for (const [i, [x, y, v]] of Object.entries(entries)) k.splice(3 * Number(i), 3, x, y, v);
  return k;
}

/** A person with enough keypoints (>= 5) to be a training sample, placed around (cx, cy). */
export function standingPerson(cx: number, cy: number): number[] {
  return cocoKeypoints({
    0: [cx, cy - 20, 2],
    5: [cx + 6, cy - 12, 2],
    6: [cx - 6, cy - 12, 2],
    11: [cx + 4, cy + 4, 2],
    12: [cx - 4, cy + 4, 2],
    15: [cx + 4, cy + 20, 2],
    16: [cx - 4, cy + 20, 2],
  });
}

export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), "posec-data-test-"));
  file(name: string, content: string | Uint8Array): string {
    const p = join(this.path, name);
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, content);
    return p;
  }
  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** Writes a solid-colour PNG (optionally with a coloured rectangle) and returns its path. */
export async function writeTestPng(
  path: string,
  width: number,
  height: number,
  rect?: { x: number; y: number; w: number; h: number; rgb: [number, number, number] },
  fill: [number, number, number] = [100, 100, 100],
): Promise<void> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inRect = rect && x >= rect.x && x < rect.x + rect.w && y >= rect.y && y < rect.y + rect.h;
      data.set(inRect ? rect!.rgb : fill, (y * width + x) * 3);
    }
  }
  mkdirSync(join(path, ".."), { recursive: true });
  await sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(path);
}

export interface AnnotationInput {
  image_id?: number;
  keypoints?: number[];
  num_keypoints?: number;
  iscrowd?: 0 | 1;
  bbox?: number[];
  area?: number;
  segmentation?: unknown;
}

/** A person_keypoints document for the given images and annotations (ids filled in). */
export function cocoDoc(
  images: { id: number; file_name: string; width: number; height: number }[],
  anns: AnnotationInput[],
) {
  return {
    images,
    annotations: anns.map((a, i) => ({
      id: i + 1,
      image_id: a.image_id ?? images[0].id,
      category_id: 1,
      iscrowd: a.iscrowd ?? 0,
      num_keypoints: a.keypoints ? a.keypoints.filter((_, k) => k % 3 === 2 && a.keypoints![k] > 0).length : 0,
      ...a,
    })),
    categories: [{ id: 1, name: "person", keypoints: COCO18.dataset!.keypoints }],
  };
}

/** Value of channel c of a channels-last [h, w, C] map at (gx, gy). */
export function at(map: Float32Array, w: number, C: number, gx: number, gy: number, c: number): number {
  return map[(gy * w + gx) * C + c];
}

/**
 * Bit-exact equality of two Float32Arrays with a readable failure (vitest's deep equality walks typed
 * arrays element by element, which is slow for whole batches).
 */
export function expectSameFloats(actual: Float32Array, expected: Float32Array, what = "array"): void {
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.equals(b)) return;
  let i = 0;
  while (i < Math.min(actual.length, expected.length) && Object.is(actual[i], expected[i])) i++;
  throw new Error(
    `${what} differs (lengths ${actual.length} / ${expected.length}; first at ${i}: ${actual[i]} vs ${expected[i]})`,
  );
}
