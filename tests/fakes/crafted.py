"""Crafted inputs a public app must survive: tiny files that declare huge decodes, and headers that lie.

Each is made on the spot, small on disk and cheap to make (the PNGs are written row by row through
zlib, never held whole in memory), for the tests and for bench/peak_rss.py.
"""

from __future__ import annotations

import struct
import subprocess
import zlib
from pathlib import Path

from tests.fakes.media import ffmpeg_convert, tone_wav

GREY = 0  # PNG colour type


def png_of_zeros(path: Path, width: int, height: int, bit_depth: int, colour_type: int = GREY) -> Path:
    """A valid PNG of black pixels; deflate squeezes ~1000:1, so 13000² at 16 bits is ~330 KB."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour_type]
    row = bytes(1 + (width * channels * bit_depth + 7) // 8)  # filter byte 0 ("none") + the pixels
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b""))
    return path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def deep_png(path: Path, side: int = 13000) -> Path:
    """13000×13000 16-bit greyscale: 356 KB that decode to 338 MB of pixels (4.6 GB of RSS before the fix)."""
    return png_of_zeros(path, side, side, bit_depth=16)


def bomb_png(path: Path, side: int = 30000) -> Path:
    """30000×30000 1-bit: ~110 KB, over twice Pillow's own decompression-bomb threshold."""
    return png_of_zeros(path, side, side, bit_depth=1)


def surround_flac(path: Path, seconds: float = 59.0, rate: int = 384000, silent: bool = True) -> Path:
    """8-channel (7.1) FLAC at a high rate: a few tens of KB that decode to GBs of PCM at full rate."""
    source = f"anullsrc=r={rate}:cl=7.1" if silent else f"sine=f=220:r={rate},aformat=channel_layouts=7.1"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", source, "-t", str(seconds), "-c:a", "flac"]
        + [str(path)],
        check=True,
    )
    return path


def understated_flac(path: Path, seconds: float = 120.0, claimed: float = 5.0, rate: int = 8000) -> Path:
    """A FLAC of `seconds` of tone whose STREAMINFO claims `claimed` seconds (mutagen believes it)."""
    ffmpeg_convert(tone_wav(path.with_suffix(".wav"), seconds, rate=rate), path)
    data = bytearray(path.read_bytes())
    # STREAMINFO follows "fLaC" and a 4-byte block header; its 36-bit total-samples field ends at byte 26.
    packed = int.from_bytes(data[18:26], "big")
    packed = (packed & ~((1 << 36) - 1)) | int(claimed * rate)
    data[18:26] = packed.to_bytes(8, "big")
    path.write_bytes(bytes(data))
    return path


def overstated_wav(path: Path, seconds: float = 1.0, claimed: float = 30.0, rate: int = 8000) -> Path:
    """A 16-bit mono WAV of `seconds` whose data chunk claims `claimed` seconds (a cut-off upload)."""
    tone_wav(path, seconds, rate=rate)
    data = bytearray(path.read_bytes())
    at = data.index(b"data") + 4
    data[at : at + 4] = struct.pack("<I", int(claimed * rate) * 2)
    path.write_bytes(bytes(data))
    return path


def understated_webm(path: Path, seconds: float = 40.0, claimed: float = 3.0) -> Path:
    """A WebM holding `seconds` of picture and speech-band tone whose Segment Duration claims `claimed` seconds
    (ffprobe believes it)."""
    sources = ["-f", "lavfi", "-i", f"color=c=gray:s=320x240:r=5:d={seconds}"]
    sources += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=16000:duration={seconds}"]
    command = ["ffmpeg", "-loglevel", "error", "-y", *sources, "-c:v", "libvpx", "-b:v", "50k", "-c:a", "libopus"]
    subprocess.run([*command, "-b:a", "16k", str(path)], check=True)
    data = bytearray(path.read_bytes())
    at = data.index(b"\x44\x89\x88") + 3  # EBML Duration, an 8-byte float in TimecodeScale units (1 ms)
    data[at : at + 8] = struct.pack(">d", claimed * 1000)
    path.write_bytes(bytes(data))
    return path
