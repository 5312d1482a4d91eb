"""The input fields of the avatar endpoints the fake fal serves, as fal publishes them.

Read from fal's JS client types (repository `fal-ai/fal-js`, `libs/client/src/types/endpoints.ts`,
commit 381105e138b85502b528fb8f6c16d909e30e462a; `fal-ai/stable-avatar`'s from commit 3293c7d, the
last that lists it). A submit with a field the endpoint does not have, without a required one, or with
a value outside an enumeration is refused with fal's 422 list of `{loc, msg, type}`, so a wrong field
in space.yaml fails a test instead of reaching a paying visitor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ANY = None  # a free value (a URL, a prompt, a number)


@dataclass(frozen=True)
class Fields:
    required: dict[str, tuple | None]
    optional: dict[str, tuple | None] = field(default_factory=dict)
    # True when the output carries `duration` (AIAvatarOutput); I2VOutput and VideoFile outputs do not.
    returns_duration: bool = True
    media: tuple[str, str] = ("image_url", "audio_url")  # the fields the fake "model" renders from

    def problems(self, arguments: dict) -> list[dict]:
        known = {**self.required, **self.optional}
        found = [
            _problem(name, "extra_forbidden", "Extra inputs are not permitted")
            for name in arguments
            if name not in known
        ]
        found += [_problem(name, "missing", "Field required") for name in self.required if name not in arguments]
        for name, allowed in known.items():
            if allowed is not None and name in arguments and arguments[name] not in allowed:
                found.append(_problem(name, "enum", f"Input should be one of {', '.join(map(str, allowed))}"))
        return found


def _problem(name: str, kind: str, message: str) -> dict:
    return {"loc": ["body", name], "msg": message, "type": kind}


MEDIA = {"image_url": ANY, "audio_url": ANY}
KLING = Fields(MEDIA, {"prompt": ANY})  # AIAvatarInput → AIAvatarOutput {video, duration}
ENDPOINTS: dict[str, Fields] = {
    "fal-ai/kling-video/ai-avatar/v2/pro": KLING,
    "fal-ai/kling-video/ai-avatar/v2/standard": KLING,
    "fal-ai/kling-video/v1/pro/ai-avatar": KLING,
    "fal-ai/kling-video/v1/standard/ai-avatar": KLING,
    # OmniHumanv15Input → AIAvatarOutput
    "fal-ai/bytedance/omnihuman/v1.5": Fields(
        MEDIA, {"mask_url": ANY, "prompt": ANY, "resolution": ("720p", "1080p"), "turbo_mode": (True, False)}
    ),
    # Fabric10Input (resolution required) → I2VOutput {video}
    "veed/fabric-1.0": Fields({**MEDIA, "resolution": ("720p", "480p")}, returns_duration=False),
    "veed/fabric-1.0/fast": Fields({**MEDIA, "resolution": ("720p", "480p")}, returns_duration=False),
    # HeygenAvatar4ImageToVideoInput → I2VOutput
    "fal-ai/heygen/avatar4/image-to-video": Fields(
        {"image_url": ANY},
        {
            "audio_url": ANY,
            "aspect_ratio": ("16:9", "9:16", "4:5", "5:4", "1:1", "auto"),
            "background": ANY,
            "caption": (True, False),
            "expression": ANY,
            "prompt": ANY,
            "resolution": ("360p", "480p", "540p", "720p", "1080p"),
            "talking_style": ("stable", "expressive"),
            "voice": ANY,
        },
        returns_duration=False,
    ),
    # CreatifyAuroraInput → React1Output {video: VideoFile}
    "fal-ai/creatify/aurora": Fields(
        MEDIA,
        {"audio_guidance_scale": ANY, "guidance_scale": ANY, "prompt": ANY, "resolution": ("480p", "720p")},
        returns_duration=False,
    ),
    # StableAvatarInput (prompt required) → I2VOutput
    "fal-ai/stable-avatar": Fields(
        {**MEDIA, "prompt": ANY},
        {
            "aspect_ratio": ("16:9", "1:1", "9:16", "auto"),
            **dict.fromkeys(("audio_guidance_scale", "guidance_scale", "num_inference_steps", "perturbation", "seed")),
        },
        returns_duration=False,
    ),
}
