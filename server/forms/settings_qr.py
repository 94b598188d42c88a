"""The QR code that configures Collect in one scan (Collect's settings QR format).

Collect reads a QR code holding base64(zlib(JSON)) with sections `general` (server,
account, form management), `admin` (what the enumerator may change) and `project`
(name, icon, colour). Any setting the code leaves out is reset to Collect's default.
Pure: text in, SVG text out.
"""

from __future__ import annotations

import base64
import io
import json
import zlib
from typing import Any

import segno

PROJECT_COLOR = "#1f6f5c"


def collect_settings(server_url: str, user_name: str) -> dict[str, Any]:
    """The phone follows the server's form and list exactly, checks every 15 minutes,
    downloads updates by itself and sends finalized visits over any network."""
    return {
        "general": {
            "server_url": server_url, "username": "", "password": "",
            "form_update_mode": "match_exactly",
            "periodic_form_updates_check": "every_fifteen_minutes",
            "automatic_update": True, "autosend": "wifi_and_cellular",
            "metadata_username": user_name,
        },
        "admin": {"change_server": False},
        "project": {"name": f"Verivali — {user_name}", "icon": "V", "color": PROJECT_COLOR},
    }


def encode(settings: dict[str, Any]) -> str:
    """The text the QR code carries."""
    packed = zlib.compress(json.dumps(settings, separators=(",", ":")).encode("utf-8"))
    return base64.b64encode(packed).decode("ascii")


def decode(payload: str) -> dict[str, Any]:
    """A settings text read back (tests, and an admin checking a printed code)."""
    settings: dict[str, Any] = json.loads(zlib.decompress(base64.b64decode(payload)))
    return settings


def qr_svg(payload: str) -> str:
    """The QR code as an inline SVG, sized by the page."""
    out = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(
        out, kind="svg", scale=4, xmldecl=False, svgns=True, title="Kode QR Collect")
    return out.getvalue().decode("utf-8")
