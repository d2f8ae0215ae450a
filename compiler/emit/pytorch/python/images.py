# images.py: image decoding without a third-party imaging library. Debian's python3-torch comes
# without Pillow or torchvision, so PNG (posec's synthetic set, and any lossless COCO copy) is
# decoded here with zlib + numpy; JPEG (COCO itself) goes through Pillow or torchvision when either
# is installed.
"""Image files -> (H, W, 3) uint8 RGB arrays, as posec's tfjs runtime decodes them: alpha dropped,
grey expanded, EXIF orientation NOT applied (COCO's coordinates refer to the stored pixel grid).

PNG is decoded here (zlib + numpy; 8 and 16 bits, grey, RGB, palette, alpha; not interlaced).
Other formats (JPEG) need Pillow or torchvision: apt-get install python3-pil, or pip install pillow.
"""
import struct
import zlib

import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


class ImageError(ValueError):
    """An image file that cannot be read; the message names the file."""


def _paeth_row(raw, prev, bpp):
    out = bytearray(raw)
    for i in range(len(out)):
        a = out[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
        out[i] = (out[i] + pred) & 0xFF
    return np.frombuffer(bytes(out), dtype=np.uint8)


def _average_row(raw, prev, bpp):
    out = bytearray(raw)
    for i in range(len(out)):
        a = out[i - bpp] if i >= bpp else 0
        out[i] = (out[i] + ((a + prev[i]) >> 1)) & 0xFF
    return np.frombuffer(bytes(out), dtype=np.uint8)


def _unfilter(data, height, row_bytes, bpp, path):
    rows = np.frombuffer(data, dtype=np.uint8)
    if rows.size != height * (row_bytes + 1):
        expected = height * (row_bytes + 1)
        raise ImageError(f"{path}: PNG image data has {rows.size} bytes, expected {expected}")
    rows = rows.reshape(height, row_bytes + 1)
    filters = rows[:, 0]
    out = np.zeros((height, row_bytes), dtype=np.uint8)
    prev = np.zeros(row_bytes, dtype=np.uint8)
    for y in range(height):
        raw = rows[y, 1:]
        kind = filters[y]
        if kind == 0:
            cur = raw
        elif kind == 1:  # Sub: running sum per byte of a pixel, mod 256
            cur = np.cumsum(raw.reshape(-1, bpp), axis=0, dtype=np.uint8).reshape(-1)
        elif kind == 2:  # Up
            cur = raw + prev
        elif kind == 3:
            cur = _average_row(raw.tobytes(), prev.tobytes(), bpp)
        elif kind == 4:
            cur = _paeth_row(raw.tobytes(), prev.tobytes(), bpp)
        else:
            raise ImageError(f"{path}: PNG row {y} has an unknown filter {kind}")
        out[y] = cur
        prev = out[y]
    return out


def decode_png(blob, path="<png>"):
    if not blob.startswith(PNG_SIGNATURE):
        raise ImageError(f"{path}: not a PNG file")
    pos = len(PNG_SIGNATURE)
    header = None
    palette = None
    idat = []
    while pos + 8 <= len(blob):
        length, kind = struct.unpack(">I4s", blob[pos : pos + 8])
        body = blob[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = np.frombuffer(body, dtype=np.uint8).reshape(-1, 3)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None or not idat:
        raise ImageError(f"{path}: PNG file without header or image data")
    width, height, depth, color, _, _, interlace = header
    if color not in _CHANNELS or depth not in (8, 16) or (color == 3 and depth != 8):
        raise ImageError(f"{path}: PNG colour type {color} with bit depth {depth} is not supported")
    if interlace:
        raise ImageError(f"{path}: interlaced PNG is not supported (save it without interlacing)")
    try:
        data = zlib.decompress(b"".join(idat))
    except zlib.error as e:
        raise ImageError(f"{path}: corrupt PNG image data ({e})") from None
    channels = _CHANNELS[color]
    bpp = channels * depth // 8
    pixels = _unfilter(data, height, width * bpp, bpp, path)
    if depth == 16:
        pixels = pixels.reshape(height, width * channels, 2)[:, :, 0]
    pixels = pixels.reshape(height, width, channels)
    if color == 3:
        if palette is None:
            raise ImageError(f"{path}: palette PNG without a palette")
        return palette[np.minimum(pixels[:, :, 0], len(palette) - 1)]
    if channels <= 2:
        return np.repeat(pixels[:, :, :1], 3, axis=2)
    return np.ascontiguousarray(pixels[:, :, :3])


def _decode_other(path):
    try:
        from PIL import Image

        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"))
    except ImportError:
        pass
    try:
        import torch
        from torchvision.io import ImageReadMode, decode_image

        data = torch.frombuffer(bytearray(open(path, "rb").read()), dtype=torch.uint8)
        return decode_image(data, ImageReadMode.RGB).permute(1, 2, 0).numpy()
    except ImportError:
        pass
    raise ImageError(
        f"{path}: only PNG is decoded without a library; to read JPEG install Pillow "
        "(apt-get install python3-pil) or torchvision"
    )


def read_image(path, expected=None):
    """(H, W, 3) uint8 RGB; expected = (width, height) from the annotations, checked."""
    try:
        with open(path, "rb") as f:
            blob = f.read()
    except OSError as e:
        raise ImageError(f"{path}: image file cannot be read ({e.strerror})") from None
    try:
        rgb = decode_png(blob, path) if blob.startswith(PNG_SIGNATURE) else _decode_other(path)
    except ImageError:
        raise
    except Exception as e:  # a decoder's own error: name the file
        raise ImageError(f"{path}: cannot be decoded as an image ({e})") from None
    if expected is not None and (rgb.shape[1], rgb.shape[0]) != tuple(expected):
        raise ImageError(
            f"{path}: image is {rgb.shape[1]}x{rgb.shape[0]}, but the annotations say "
            f"{expected[0]}x{expected[1]}"
        )
    return rgb
