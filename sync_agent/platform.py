"""The only operating-system-specific code of the agent.

Most field laptops run Windows, CI runs Linux: everything that differs between them
(where data lives, file permissions, directory fsync, termination signals) is kept
here, so the rest of the agent is plain portable Python.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

APP_NAME = "verivali-agent"
APP_AUTHOR = "Verivali"
HOME_ENV = "VERIVALI_AGENT_HOME"

IS_WINDOWS = sys.platform.startswith("win")


def default_home() -> Path:
    """`VERIVALI_AGENT_HOME`, else the user's data folder (e.g. %LOCALAPPDATA% on Windows)."""
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, APP_AUTHOR, roaming=False))


def setting(name: str) -> str:
    """The variable `name`, stripped ("" when unset): with `default_home`, the agent's only
    reading of the environment (tests/server/test_settings.py keeps it so). Read:
    VERIVALI_AGENT_HOME, VERIVALI_AGENT_PIN, VERIVALI_AGENT_NEW_PIN,
    VERIVALI_AGENT_SCRYPT_LOG2_N."""
    return os.environ.get(name, "").strip()


def drop_setting(name: str) -> None:
    """Forget a variable for the rest of this process (`recover --new-pin-file`)."""
    os.environ.pop(name, None)


def make_private_dir(path: Path) -> None:
    """Create the agent's folder; on POSIX only its owner may enter it."""
    path.mkdir(parents=True, exist_ok=True)
    if not IS_WINDOWS:
        try:
            os.chmod(path, 0o700)
        except OSError:
            pass  # a shared folder we do not own: the token file is still private


def write_secret(path: Path, text: str) -> None:
    """Write a secret (the API token) readable by its owner only, atomically.

    POSIX: created with mode 0600 before any byte is written. Windows: a file in the
    user's own profile folder is private to the user by the default ACL; that is the
    best effort without extra dependencies.
    """
    write_file_durably(path, text.encode("utf-8"), private=True)


def secret_is_private(path: Path) -> bool:
    """True unless group or others may read the file (always True on Windows)."""
    if IS_WINDOWS:
        return True
    return (path.stat().st_mode & 0o077) == 0


def fsync_dir(path: Path) -> None:
    """Make a rename durable (POSIX). Windows cannot open a folder; NTFS journals renames."""
    if IS_WINDOWS:
        return
    try:
        fd = os.open(str(path), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_file_durably(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write a whole file so that it is either complete or absent after a crash.

    `private`: mode 0600 on POSIX, set before any byte is written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}-", dir=str(path.parent))
    try:
        if private and not IS_WINDOWS:
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise
    fsync_dir(path.parent)


def on_terminate(callback: Callable[[], None]) -> None:
    """Run `callback` on Ctrl+C and on a polite stop (SIGTERM on POSIX, Ctrl+Break on Windows)."""

    def handler(_signum: int, _frame: object) -> None:
        callback()

    signal.signal(signal.SIGINT, handler)
    if sys.platform.startswith("win"):  # IS_WINDOWS, spelt so the checker knows SIGBREAK
        signal.signal(signal.SIGBREAK, handler)
    else:
        signal.signal(signal.SIGTERM, handler)
