"""`python app.py`, with the real fal_client pointed at the benchmark's fake fal (BENCH_FAL_URL)."""

import os
import runpy

import fal_client.client

base = os.environ["BENCH_FAL_URL"]
fal_client.client.QUEUE_URL_FORMAT = fal_client.client.RUN_URL_FORMAT = base + "/"
fal_client.client.REST_URL = fal_client.client.CDN_URL = base
runpy.run_path(os.path.join(os.path.dirname(__file__), "..", "app.py"), run_name="__main__")
