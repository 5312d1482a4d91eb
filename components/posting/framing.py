"""Where a video is cut for another shape, and how burned-in captions sit in it. Pure logic.

The crop has the target's aspect and is placed around the face (the face check's box), a little above
its middle as a camera operator frames a head. When the largest crop the source allows would hold the
face too tightly (a portrait video made 16:9), the crop grows past the source's edges and the part
outside is filled with a blurred, enlarged copy of the video — the usual look on social feeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.inputs.haar import Box
    from components.posting.cues import Cue

# Each shape's output size: 720 px on the short side, as the preview and Kling's 720p videos.
SHAPES: dict[str, tuple[int, int]] = {"9:16": (720, 1280), "1:1": (720, 720), "16:9": (1280, 720)}
# The crop is at least this many face heights tall: head and shoulders, not a close-up of the eyes.
FACE_HEIGHTS = 3.0
# The face's centre sits this far down the crop (a little above the middle).
FACE_AT = 0.42


@dataclass(frozen=True)
class Crop:
    """The crop in the source's pixels; it may reach past the source (that part is the blurred fill)."""

    left: int
    top: int
    width: int
    height: int

    def inside(self, size: tuple[int, int]) -> tuple[int, int, int, int]:
        """The part of the crop the source covers: (left, top, width, height) in the source's pixels."""
        left, top = max(0, self.left), max(0, self.top)
        right, bottom = min(size[0], self.left + self.width), min(size[1], self.top + self.height)
        return left, top, right - left, bottom - top

    def needs_fill(self, size: tuple[int, int]) -> bool:
        return self.inside(size) != (self.left, self.top, self.width, self.height)


def shape_size(shape: str) -> tuple[int, int]:
    if shape not in SHAPES:
        raise ValueError(shape)
    return SHAPES[shape]


def crop_for(size: tuple[int, int], face: Box | None, shape: str) -> Crop:
    """The crop of `shape`'s aspect around `face` (the picture's centre when there is none)."""
    width, height = size
    out_w, out_h = shape_size(shape)
    aspect = out_w / out_h
    crop_w = min(width, height * aspect)
    crop_h = crop_w / aspect
    if face is not None:
        left, top, face_w, face_h = face
        centre_x, centre_y = left + face_w / 2, top + face_h / 2
        if crop_h < FACE_HEIGHTS * face_h:  # too tight: grow, up to the source's height, past its sides
            crop_h = min(FACE_HEIGHTS * face_h, max(height, crop_h))
            crop_w = crop_h * aspect
    else:
        centre_x, centre_y = width / 2, height / 2
    x = _clamp(centre_x - crop_w / 2, width - crop_w)
    y = _clamp(centre_y - crop_h * FACE_AT, height - crop_h)
    return Crop(round(x), round(y), max(2, round(crop_w)), max(2, round(crop_h)))


def _clamp(start: float, room: float) -> float:
    """Keep the crop on the source where it fits; where it is larger, keep the source inside it."""
    return min(max(start, min(0.0, room)), max(0.0, room))


def caption_style(shape: str) -> dict[str, int]:
    """Font size and margins in the output's pixels: readable on a phone, bottom-centred, and above the
    bottom of a 9:16 frame that feeds cover with their buttons and the caption of the post."""
    out_w, out_h = shape_size(shape)
    font = round(min(out_w, out_h) * 0.06)
    bottom = round(out_h * (0.16 if out_h > out_w else 0.08))
    return {"font": font, "bottom": bottom, "sides": round(out_w * 0.08)}


def to_ass(cues: list[Cue], shape: str) -> str:
    """An ASS script at the output's own resolution (PlayRes = pixels), so sizes and margins are exact."""
    out_w, out_h = shape_size(shape)
    style = caption_style(shape)
    outline = max(2, style["font"] // 12)
    lines = [
        "[Script Info]",
        "ScriptType: v4.00+",
        f"PlayResX: {out_w}",
        f"PlayResY: {out_h}",
        "WrapStyle: 0",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, OutlineColour, BackColour, Bold, BorderStyle, Outline, "
        "Shadow, Alignment, MarginL, MarginR, MarginV",
        f"Style: Default,DejaVu Sans,{style['font']},&H00FFFFFF,&H00000000,&H80000000,1,1,{outline},1,2,"
        f"{style['sides']},{style['sides']},{style['bottom']}",
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    for cue in cues:
        text = cue.text.replace("\\", "\\\\").replace("{", "(").replace("}", ")").replace("\n", "\\N")
        lines.append(f"Dialogue: 0,{_ass_time(cue.start)},{_ass_time(cue.end)},Default,,0,0,0,,{text}")
    return "\n".join(lines) + "\n"


def _ass_time(seconds: float) -> str:
    centis = round(seconds * 100)
    hours, rest = divmod(centis, 360_000)
    minutes, rest = divmod(rest, 6000)
    return f"{hours}:{minutes:02d}:{rest // 100:02d}.{rest % 100:02d}"
