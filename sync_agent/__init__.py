"""Verivali field agent: the enumerator's laptop side (offline outbox, sync, capture form)."""
