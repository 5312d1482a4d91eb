"""`python app.py`, with the real fal_client pointed at the benchmark's fake fal (BENCH_FAL_URL).

The benchmark sends many owner-key jobs and uploads from one address at once, which the shipped caps
in space.yaml (one job per visitor at once, $50 a day, 20 free actions a minute) would refuse: it runs
on a copy whose budget, free-work limit and owner pool are wide open, and on an empty ledger of its own.
"""

import os
import runpy
import tempfile
from pathlib import Path

import fal_client.client
import yaml

ROOT = Path(__file__).resolve().parents[2]
OPEN_BUDGET = {
    "max_seconds_per_request": 60,
    "max_dollars_per_request": 100,
    "max_dollars_per_visitor_per_day": 1e6,
    "max_jobs_per_visitor_at_once": 1000,
    "max_dollars_per_day": 1e6,
    "max_dollars_per_day_anonymous": 1e6,  # every bench visitor is anonymous, from one address
}

base = os.environ["BENCH_FAL_URL"]
fal_client.client.QUEUE_URL_FORMAT = fal_client.client.RUN_URL_FORMAT = base + "/"
fal_client.client.REST_URL = fal_client.client.CDN_URL = base
scratch = Path(tempfile.mkdtemp(prefix="bench-app-"))
settings = yaml.safe_load((ROOT / "space.yaml").read_text())
settings["budget"].update(OPEN_BUDGET)
settings["jobs"]["max_concurrent_owner"] = 100
settings["limits"]["free_per_visitor_per_minute"] = 1_000_000  # every bench visitor calls from 127.0.0.1
(scratch / "space.yaml").write_text(yaml.safe_dump(settings))
os.environ.setdefault("KLING_STUDIO_SETTINGS", str(scratch / "space.yaml"))
os.environ.setdefault("KLING_STUDIO_DATA", str(scratch / "data"))
runpy.run_path(str(ROOT / "app.py"), run_name="__main__")
