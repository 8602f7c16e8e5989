"""Label Studio's brush RLE: the bit-packed run-length code its BrushLabels regions are stored in.

The stream (MSB first in each byte) is: a 32-bit count of values, 5 bits of word size - 1, four
4-bit "run-length field sizes" - 1, then blocks until the count is reached. A block is 1 flag bit,
2 bits choosing one of the four field sizes, a field of that many bits holding length - 1, then
either one word repeated ``length`` times (flag 1) or ``length`` literal words (flag 0). The last
byte is zero-padded.

A brush mask of H x W pixels is coded as its RGBA bytes (H * W * 4 values, row-major); Label
Studio's own tools read the alpha byte of each pixel as the mask.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

WORD_BITS = 8
FIELD_BITS = (3, 4, 8, 16)  # the sizes Label Studio's encoder uses; any four in 1..16 decode
_HEADER_BITS = 32 + 5 + 4 * 4


class RleError(ValueError):
    """A byte string that is not a well-formed brush RLE stream."""


class _BitReader:
    def __init__(self, data: bytes):
        self.data = data
        self.total = len(data) * 8
        self.pos = 0

    def read(self, n: int) -> int:
        end = self.pos + n
        if end > self.total:
            raise RleError(f"stream ends after {self.total} bits, needed bit {end}")
        first, last = self.pos // 8, (end + 7) // 8
        chunk = int.from_bytes(self.data[first:last], "big")
        value = (chunk >> (last * 8 - end)) & ((1 << n) - 1)
        self.pos = end
        return value


class _BitWriter:
    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.bits = 0

    def write(self, value: int, n: int) -> None:
        self.acc = (self.acc << n) | value
        self.bits += n
        while self.bits >= 8:
            self.bits -= 8
            self.out.append((self.acc >> self.bits) & 255)
        self.acc &= (1 << self.bits) - 1

    def getvalue(self) -> bytes:
        return bytes(self.out) + (bytes([(self.acc << (8 - self.bits)) & 255]) if self.bits else b"")


def decode(data: Sequence[int] | bytes) -> np.ndarray:
    """Decodes a brush RLE stream into its flat uint8 values.

    Raises:
        RleError: on a truncated stream, a word size above 8 bits, or runs past the declared count.
    """
    try:
        raw = bytes(data)
    except (TypeError, ValueError) as err:
        raise RleError(f"not a list of byte values ({err})") from None
    if len(raw) * 8 < _HEADER_BITS:
        raise RleError(f"{len(raw)} bytes is shorter than the header")
    bits = _BitReader(raw)
    count = bits.read(32)
    word = bits.read(5) + 1
    if word > 8:
        raise RleError(f"word size {word} bits: only byte values are supported")
    fields = [bits.read(4) + 1 for _ in range(4)]
    # A block takes at least 3 + min(fields) + word bits and codes at most 2**max(fields) values:
    # a corrupt count is refused before it can allocate gigabytes.
    blocks = (bits.total - _HEADER_BITS) // (3 + min(fields) + word)
    if count > blocks * (1 << max(fields)):
        raise RleError(f"declares {count} values, more than {len(raw)} bytes can hold")
    out = np.zeros(count, dtype=np.uint8)
    i = 0
    while i < count:
        repeat = bits.read(1)
        length = bits.read(fields[bits.read(2)]) + 1
        if i + length > count:
            raise RleError(f"a run of {length} at value {i} passes the declared count {count}")
        if repeat:
            out[i:i + length] = bits.read(word)
        else:
            out[i:i + length] = [bits.read(word) for _ in range(length)]
        i += length
    return out


def encode(values: np.ndarray) -> bytes:
    """Encodes flat uint8 values as a brush RLE stream (every run as a repeat block)."""
    flat = np.ascontiguousarray(values, dtype=np.uint8).ravel()
    bits = _BitWriter()
    bits.write(flat.size, 32)
    bits.write(WORD_BITS - 1, 5)
    for size in FIELD_BITS:
        bits.write(size - 1, 4)
    if flat.size:
        starts = np.concatenate(([0], np.flatnonzero(flat[1:] != flat[:-1]) + 1))
        lengths = np.diff(np.append(starts, flat.size))
        longest = 1 << FIELD_BITS[-1]
        for start, length in zip(starts.tolist(), lengths.tolist()):
            value = int(flat[start])
            while length:
                n = min(length, longest)
                index = next(k for k, size in enumerate(FIELD_BITS) if n - 1 < (1 << size))
                bits.write(1, 1)
                bits.write(index, 2)
                bits.write(n - 1, FIELD_BITS[index])
                bits.write(value, WORD_BITS)
                length -= n
    return bits.getvalue()


def mask_to_rle(mask: np.ndarray) -> list[int]:
    """A boolean (H, W) mask as Label Studio brush RLE (RGBA, 255 where painted), a list of bytes."""
    mask = np.asarray(mask, dtype=bool)
    rgba = np.repeat(np.where(mask, 255, 0).astype(np.uint8).ravel(), 4)
    return list(encode(rgba))


def rle_to_alpha(rle: Sequence[int] | bytes, height: int, width: int) -> np.ndarray:
    """The alpha byte (H, W) of a brush RLE region of the given size.

    Raises:
        RleError: if the stream is malformed or does not hold ``height * width`` RGBA pixels.
    """
    values = decode(rle)
    if values.size != height * width * 4:
        raise RleError(f"holds {values.size} values, expected {height}x{width}x4 = {height * width * 4} (RGBA)")
    return values.reshape(height, width, 4)[:, :, 3]
