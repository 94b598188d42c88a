"""The app's engine: made once per app from its configuration."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import Engine


def get_engine() -> Engine:
    return current_app.extensions["verivali_engine"]
