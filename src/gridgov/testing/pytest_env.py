"""Loaded by pytest before Django (see pyproject.toml): marks the process as a test run."""

import os

os.environ.setdefault("GRIDGOV_ENV", "test")
