"""gridgov's settings with the benchmark's URLs (the app's, and the bare endpoint)."""

from gridgov.settings import *  # noqa: F403

ROOT_URLCONF = "bench.server_urls"
