"""The page's examples: each row is a job Kling would accept, the photograph leads, every file has its source."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from components.config.settings import load_settings
from components.inputs.faces import check_portrait
from components.inputs.jobs import prepare_job
from components.web.panels import EXAMPLE_ROWS, EXAMPLES

SETTINGS = load_settings()
DEFAULT = SETTINGS.model(SETTINGS.default_model)
PHOTO = "astronaut.jpg"


@pytest.mark.parametrize(("portrait", "voice", "prompt"), EXAMPLE_ROWS, ids=[row[0] for row in EXAMPLE_ROWS])
def test_every_example_is_a_job_the_default_model_accepts(portrait, voice, prompt, tmp_path):
    assert (EXAMPLES / portrait).is_file() and (EXAMPLES / voice).is_file()
    # The face check is on: an example must never be one Kling refuses after minutes in its queue.
    job = prepare_job(str(EXAMPLES / portrait), str(EXAMPLES / voice), prompt, DEFAULT, tmp_path, skip_face_check=False)
    assert job.model == DEFAULT and job.prompt == prompt.strip()
    assert job.estimate.seconds >= DEFAULT.limits.audio.min_seconds


def test_the_photograph_leads_and_its_face_is_found():
    assert EXAMPLE_ROWS[0][0] == PHOTO
    check = check_portrait(EXAMPLES / PHOTO, DEFAULT.limits.image)
    assert check.chosen is not None and check.chosen.kind == "human"
    assert len(check.faces) == 1 and check.cropped is None
    with Image.open(EXAMPLES / PHOTO) as image:
        assert image.format == "JPEG" and min(image.size) >= 512
        assert 0.4 <= image.width / image.height <= 2.5
    assert (EXAMPLES / PHOTO).stat().st_size < 300_000


def test_sources_name_every_example_file():
    sources = (EXAMPLES / "SOURCES.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([^`/\s]+\.[a-z0-9]+)`", sources))
    files = {path.name for path in EXAMPLES.iterdir() if path.is_file()}
    assert files <= named, f"examples/SOURCES.md does not name {sorted(files - named)}"
    # Each file has a row in the table (file, what, source, licence), not just a passing mention.
    for name in files:
        row = re.search(rf"^\| `{re.escape(name)}` \|(.+)\|$", sources, re.M)
        assert row and len(row.group(1).split("|")) == 3, f"no table row for {name}"
