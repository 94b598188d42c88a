"""The server's settings: read from the environment here, once, and passed in from there.

Each setting is the variable `VERIVALI_<FIELD NAME>` (docs/deployment.md lists them); an
option given on the command line (`--database`) wins over it. Nothing else in the server
reads the environment (tests/test_settings.py keeps it so), so what a process runs with
is one object that `create_app`, gunicorn's workers and the CLI are handed.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

from server.store.db import database_url as resolve_database_url

PREFIX = "VERIVALI_"
TRUE_WORDS = ("1", "true", "yes", "on")


class SettingsError(ValueError):
    """A variable that cannot be read as its kind; the message names it, never its value."""


def _new_secret() -> str:
    # Fine for one process; with several, or across restarts, set VERIVALI_SECRET_KEY.
    return secrets.token_hex(32)


@dataclass(frozen=True)
class Settings:
    """What the server runs with. Secrets stay out of `repr`, so a log line cannot leak them."""

    database_url: str = field(default_factory=lambda: resolve_database_url(None), repr=False)
    secret_key: str = field(default_factory=_new_secret, repr=False)
    trust_forwarded_proto: bool = False
    session_cookie: str = "verivali_web"
    session_cookie_secure: bool = False
    session_hours: int = 10  # absolute: a web session ends this long after signing in
    signin_max_failures: int = 5
    signin_max_address_failures: int = 20
    signin_window_minutes: float = 15
    signin_first_wait: float = 30
    max_content_length: int = 16 * 1024 * 1024  # a compressed request body
    max_inflated_bytes: int = 64 * 1024 * 1024  # the same body once inflated
    database_lock_timeout: float = 60  # seconds a write waits for a lock, then 503
    storage_min_free_mb: int = 200  # a SQLite database's disk below this: /health not ok
    blob_dir: str = ""  # photos and scans; empty: beside a SQLite file, else ./verivali-blobs
    cutoff_day: int = 17  # the monthly cut-off of the musdes cycle (1-28), the regency's day

    def flask_config(self) -> dict[str, Any]:
        """The Flask config keys the app's modules read (`app.config[...]`)."""
        return {FLASK_KEYS[f.name]: getattr(self, f.name) for f in fields(self)}


# The app's modules read these names from `app.config`; most are the variable's own name.
FLASK_KEYS = {
    "database_url": "DATABASE_URL",
    "secret_key": "SECRET_KEY",
    "trust_forwarded_proto": "VERIVALI_TRUST_FORWARDED_PROTO",
    "session_cookie": "VERIVALI_SESSION_COOKIE",
    "session_cookie_secure": "SESSION_COOKIE_SECURE",
    "session_hours": "VERIVALI_SESSION_HOURS",
    "signin_max_failures": "VERIVALI_SIGNIN_MAX_FAILURES",
    "signin_max_address_failures": "VERIVALI_SIGNIN_MAX_ADDRESS_FAILURES",
    "signin_window_minutes": "VERIVALI_SIGNIN_WINDOW_MINUTES",
    "signin_first_wait": "VERIVALI_SIGNIN_FIRST_WAIT",
    "max_content_length": "MAX_CONTENT_LENGTH",
    "max_inflated_bytes": "MAX_INFLATED_BYTES",
    "database_lock_timeout": "VERIVALI_DATABASE_LOCK_TIMEOUT",
    "storage_min_free_mb": "VERIVALI_STORAGE_MIN_FREE_MB",
    "blob_dir": "VERIVALI_BLOB_DIR",
    "cutoff_day": "VERIVALI_CUTOFF_DAY",
}


def variable(name: str) -> str:
    """The environment variable of the field `name`."""
    return PREFIX + name.upper()


def _flag(raw: str) -> bool:
    # Anything but a yes-word is off, as the flag has always been read.
    return raw.strip().lower() in TRUE_WORDS


def _number(kind: Callable[[str], Any], word: str) -> Callable[[str], Any]:
    def parse(raw: str) -> Any:
        try:
            return kind(raw.strip())
        except ValueError:
            raise SettingsError(word) from None

    return parse


_PARSERS: dict[type, Callable[[str], Any]] = {
    str: str,
    bool: _flag,
    int: _number(int, "a whole number"),
    float: _number(float, "a number"),
}
_KINDS: dict[str, type] = get_type_hints(Settings)


def load_settings(environ: Mapping[str, str] | None = None, **options: Any) -> Settings:
    """Settings from `environ` (default: this process's), then command-line `options`.

    An empty variable counts as unset; an option of None was not given.
    """
    source = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, kind in _KINDS.items():
        raw = source.get(variable(name), "")
        if raw == "" or (kind is not str and raw.strip() == ""):
            continue  # strings are kept as given: a secret is not ours to trim
        try:
            values[name] = _PARSERS[kind](raw)
        except SettingsError as exc:
            raise SettingsError(f"{variable(name)} must be {exc}") from None
    for name, value in options.items():
        if name not in _KINDS:
            raise TypeError(f"no setting named {name!r}")
        if value is not None:
            values[name] = value
    if not 1 <= values.get("cutoff_day", 17) <= 28:
        raise SettingsError(f"{variable('cutoff_day')} must be a day from 1 to 28")
    return Settings(**values)


def blob_folder(blob_dir: str, database_url: str) -> Path:
    """Where blobs live: `blob_dir` if set, else `<name>-blobs` beside a SQLite database file
    (so copying the folder of a demo or a small regency copies everything), else
    `verivali-blobs` in the current folder."""
    if blob_dir:
        return Path(blob_dir).resolve()
    prefix = "sqlite:///"
    if database_url.startswith(prefix) and ":memory:" not in database_url:
        database_file = Path(database_url[len(prefix):].split("?", 1)[0])
        if database_file.name:
            return database_file.with_name(database_file.stem + "-blobs").resolve()
    return Path("verivali-blobs").resolve()


def child_environment(settings: Settings) -> dict[str, str]:
    """The environment of a `verivali-server` child process: ours, with the same database.

    By environment rather than `--database`: a command line is visible to every user of
    the machine (`ps`), and the URL may hold the database password.
    """
    return {**os.environ, variable("database_url"): settings.database_url,
            variable("blob_dir"): str(blob_folder(settings.blob_dir, settings.database_url))}


def malloc_arenas_chosen() -> bool:
    """Whether the environment already tells glibc how many malloc arenas to use (then
    `serve` leaves it so; see server/serving/malloc.py)."""
    return "MALLOC_ARENA_MAX" in os.environ
