"""Flag ids: UUIDs that sort in the order they were made (a millisecond apart or more)."""

from __future__ import annotations

import time
import uuid

from server.store.flags import new_flag_id


def test_flag_ids_are_uuids_that_sort_by_time():
    made = []
    for _ in range(5):
        made.append(new_flag_id())
        time.sleep(0.002)
    assert made == sorted(made)
    assert all(uuid.UUID(flag_id).version == 7 and str(uuid.UUID(flag_id)) == flag_id
               for flag_id in made)
    many = {new_flag_id() for _ in range(10_000)}
    assert len(many) == 10_000
    # The first 48 bits: the time in milliseconds.
    assert abs(int(made[0].replace("-", "")[:12], 16) / 1000 - time.time()) < 5
