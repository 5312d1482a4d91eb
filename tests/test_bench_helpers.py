"""The benchmark's own logic (its figures are measured by scripts/bench.sh, never asserted here)."""

from bench.profile import _leaf_counts
from bench.table import Row, print_table


def test_profile_counts_samples_by_leaf_function():
    raw = (
        "MainThread;run (app.py:3);_export (components/inputs/audio.py:140) 30\n"
        "MainThread;run (app.py:3);select (selectors.py:468) 10\n"
        "Worker;_export (components/inputs/audio.py:141) 5\n"
    )
    counts = _leaf_counts(raw)
    assert counts.most_common(1)[0] == ("_export (audio.py)", 35)
    assert "select (selectors.py)" not in counts  # waiting is not work


def test_table_marks_missed_targets(capsys):
    print_table([Row("a figure", 2.0, 1.0, "≤ 1.3 × baseline", False, baseline_note="base")])
    line = capsys.readouterr().out.splitlines()[-1]
    assert line == "| a figure | 2.000 | 1.000 (base) | 2.000 | ≤ 1.3 × baseline | **no** |"


def test_face_accuracy_judges_place_and_false_faces():
    from PIL import Image

    from bench.face_accuracy import Tally, judge
    from bench.face_photos import Sample

    picture = Image.new("RGB", (400, 300))  # within the small copy's budget: boxes keep their pixels
    face, tallies = Sample(picture, (100, 100, 50, 50)), [Tally() for _ in range(4)]
    judge(face, lambda small: [(200, 0, 200, 300), (110, 110, 40, 40)], tallies[0])  # the largest elsewhere
    judge(face, lambda small: [(105, 95, 60, 60)], tallies[1])  # centred inside the face
    judge(Sample(picture, None), lambda small: [(0, 0, 10, 10)], tallies[2])  # a false face
    judge(Sample(picture, None), lambda small: [], tallies[3])
    assert [(t.right, t.wrong, len(t.cpu)) for t in tallies] == [(0, 1, 1), (1, 0, 1), (0, 1, 1), (1, 0, 1)]
