"""The settings an operator gives through GRIDGOV_* variables: a production configuration
passes Django's deployment checks, and a dangerous or malformed one refuses to start.

Each case runs in a fresh Python process, as `gridgov` would at start-up."""

import json
import os
import secrets
import subprocess
import sys

import pytest

INSPECT = """
import json, django
django.setup()
from django.conf import settings
from huey.contrib.djhuey import HUEY
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "database": str(settings.DATABASES["default"]["NAME"]),
    "host": settings.DATABASES["default"].get("HOST", ""),
    "options": settings.DATABASES["default"].get("OPTIONS", {}),
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION", ""),
    "huey": type(HUEY).__name__,
    "debug": settings.DEBUG,
    "secret_key": settings.SECRET_KEY,
}))
"""


@pytest.fixture
def production(tmp_path) -> dict[str, str]:
    """The environment of a production installation, with nothing inherited from this run."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GRIDGOV_", "DJANGO_"))
    }
    environment |= {
        "DJANGO_SETTINGS_MODULE": "gridgov.settings",
        "GRIDGOV_ENV": "production",
        "GRIDGOV_SECRET_KEY": secrets.token_urlsafe(48),  # 64 characters
        "GRIDGOV_ALLOWED_HOSTS": "grid.example.cn",
        "GRIDGOV_DATABASE_URL": f"sqlite:///{tmp_path / 'gridgov.sqlite3'}",
        "GRIDGOV_VAR_DIR": str(tmp_path / "var"),
    }
    return environment


def gridgov(environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gridgov.cli", *arguments],
        env=environment,
        cwd=environment["GRIDGOV_VAR_DIR"].rsplit("/", 1)[0],
        capture_output=True,
        text=True,
        timeout=120,
    )


def inspect(environment: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", INSPECT],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def refuses(environment: dict[str, str], *names: str) -> None:
    result = gridgov(environment, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    for name in names:
        assert name in result.stderr


def test_production_settings_pass_the_deployment_checks(production):
    result = gridgov(production, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_a_secret_key_refuses_to_start(production):
    del production["GRIDGOV_SECRET_KEY"]
    refuses(production, "GRIDGOV_SECRET_KEY")


def test_a_secret_key_file_is_read_and_a_missing_one_refused(production, tmp_path):
    key = secrets.token_urlsafe(48)
    (tmp_path / "key").write_text(key + "\n", encoding="utf-8")
    del production["GRIDGOV_SECRET_KEY"]
    production["GRIDGOV_SECRET_KEY_FILE"] = str(tmp_path / "key")
    assert inspect(production)["secret_key"] == key
    production["GRIDGOV_SECRET_KEY_FILE"] = str(tmp_path / "no-such-file")
    refuses(production, "GRIDGOV_SECRET_KEY_FILE")


def test_any_host_is_refused(production):
    production["GRIDGOV_ALLOWED_HOSTS"] = "*"
    refuses(production, "GRIDGOV_ALLOWED_HOSTS")
    production["GRIDGOV_ALLOWED_HOSTS"] = "grid.example.cn, *"
    refuses(production, "GRIDGOV_ALLOWED_HOSTS")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GRIDGOV_DEBUG", "maybe"),
        ("GRIDGOV_HTTPS", "si"),
        ("GRIDGOV_LOGIN_FAILURE_LIMIT", "five"),
        ("GRIDGOV_ENV", "staging"),
    ],
)
def test_a_malformed_value_is_refused_by_name(name, value, production):
    production[name] = value
    refuses(production, name, repr(value))


def test_sqlite_and_the_embedded_queue_are_the_defaults(production):
    seen = inspect(production)
    assert seen["engine"] == "django.db.backends.sqlite3"
    assert seen["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert seen["huey"] == "SqliteHuey"
    assert seen["debug"] is False


def test_a_database_url_selects_postgresql(production):
    production["GRIDGOV_DATABASE_URL"] = "postgres://gridgov:secret@db.internal:5432/gridgov"
    seen = inspect(production)
    assert seen["engine"] == "django.db.backends.postgresql"
    assert (seen["host"], seen["database"]) == ("db.internal", "gridgov")
    # The server binds the parameters and prepares what a connection repeats.
    assert seen["options"] == {"server_side_binding": True, "prepare_threshold": 5}


def test_prepared_statements_can_be_turned_off_for_a_pooler(production):
    production["GRIDGOV_DATABASE_URL"] = "postgres://gridgov:secret@db.internal:5432/gridgov"
    production["GRIDGOV_DATABASE_PREPARED"] = "false"
    assert inspect(production)["options"] == {}


def test_a_redis_url_moves_the_cache_and_the_jobs_to_redis(production):
    production["GRIDGOV_REDIS_URL"] = "redis://cache.internal:6379/2"
    seen = inspect(production)
    assert seen["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert seen["cache_location"] == "redis://cache.internal:6379/2"
    assert seen["huey"] == "RedisHuey"
