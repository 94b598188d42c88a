"""Where the PIN comes from (docs/protocol.md §4a): the variable, else a file, else the terminal.

`VERIVALI_AGENT_PIN`, else `--pin-file FILE` (its first line), else a prompt when a
terminal is attached. With none of these the command stops with one line: the agent
never falls back to an unencrypted store. Scripts, tests and the daemon use the
variable or the file.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sync_agent import platform
from sync_agent.vault import VaultError

PIN_ENV = "VERIVALI_AGENT_PIN"

# Set by the CLI's `--pin-file`; a process has one PIN source.
_pin_file: Path | None = None
# False in the capture form's process: its server thread never prompts on the terminal.
_may_prompt = True


def use_pin_file(path: Path | None) -> None:
    global _pin_file
    _pin_file = path


def never_prompt() -> None:
    global _may_prompt
    _may_prompt = False


def may_prompt() -> bool:
    return _may_prompt


def given() -> bool:
    """A PIN was given without asking: in the variable or by `--pin-file`."""
    return bool(platform.setting(PIN_ENV)) or _pin_file is not None


def _from_file(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise VaultError(f"cannot read the PIN file {path}: {exc.strerror or exc}") from exc
    if not lines or not lines[0].strip():
        raise VaultError(f"the PIN file {path} is empty")
    return lines[0].strip()


def obtain(prompt: str = "PIN: ", confirm: bool = False) -> str:
    """The PIN from the first source that has one; VaultError when none does."""
    from_env = platform.setting(PIN_ENV)
    if from_env:
        return from_env
    if _pin_file is not None:
        return _from_file(_pin_file)
    if _may_prompt and sys.stdin is not None and sys.stdin.isatty():
        import getpass

        pin = getpass.getpass(prompt).strip()
        if confirm and getpass.getpass("PIN again: ").strip() != pin:
            raise VaultError("the two PINs differ; nothing was changed")
        if pin:
            return pin
    raise VaultError(
        f"no PIN: set {PIN_ENV}, give --pin-file FILE, or run on a terminal to type it"
    )
