// The network input for one inference scale: the image resized by the layout's scale with its top-left
// corner at the input's (cv::resize's half-pixel mapping, as CMU's demo), padded right and down with 128.
// Uses the data pipeline's warp, so inference sees images prepared exactly like training images.
import { prefilter, warpRgb, type Affine } from "../data/augment.js";
import type { RgbImage } from "../data/image.js";
import type { InputLayout } from "./multiscale.js";

export function augmentWarp(image: RgbImage, layout: InputLayout): Uint8Array {
  const { scaleX, scaleY, offsetX, offsetY } = layout.placement;
  // pixel centres at integers: input u = offset + (x + 0.5) * scale - 0.5
  const m: Affine = { a: scaleX, b: 0, c: 0, d: scaleY, tx: offsetX + 0.5 * scaleX - 0.5, ty: offsetY + 0.5 * scaleY - 0.5 };
  const { image: src, map } = prefilter(image, m);
  const out = warpRgb(src, map, layout.inputWidth, layout.inputHeight, 128);
  // warpRgb samples bilinearly up to one pixel beyond the image; the padding CMU adds is exactly 128
  for (let y = 0; y < layout.inputHeight; y++) {
    for (let x = 0; x < layout.inputWidth; x++) {
      if (x >= layout.resizedWidth || y >= layout.resizedHeight) out.fill(128, (y * layout.inputWidth + x) * 3, (y * layout.inputWidth + x) * 3 + 3);
    }
  }
  return out;
}
