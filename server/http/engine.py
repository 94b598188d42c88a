"""The app's engine and blob store: made once per app from its configuration."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import Engine

from server.store.blobs import BlobStore


def get_engine() -> Engine:
    return current_app.extensions["verivali_engine"]


def get_blobs() -> BlobStore:
    """Where photos and scans are kept; services take it as an argument, as they take the engine."""
    return current_app.extensions["verivali_blobs"]
