"""What passes as a whole JPEG without decoding it: structure, pixel count, end marker."""

from __future__ import annotations

import io

import pytest

from server.services.images import BadImage, check_jpeg, thumbnail
from tests.factories import jpeg

WHOLE = jpeg(640, 480, seed=3)
SCAN = WHOLE.find(b"\xff\xda")  # start of scan: every header segment lies before it


def test_a_whole_jpeg_gives_its_size_and_zero_padding_is_allowed():
    assert check_jpeg(io.BytesIO(WHOLE)) == (640, 480)
    assert check_jpeg(io.BytesIO(WHOLE + b"\x00" * 16)) == (640, 480)


@pytest.mark.parametrize(("data", "why"), [
    (WHOLE[:-1], "terpotong"),  # the end marker cut in half
    (WHOLE[: len(WHOLE) * 2 // 3], "terpotong"),  # cut inside the scan
    (WHOLE[:SCAN], "terpotong"),  # headers only, no scan
    (WHOLE[:SCAN] + b"\xff\xd9", "terpotong"),  # headers, then an end marker glued on
    (b"\xff\xd8" + b"a" * 1000, "bukan berkas JPEG"),
    (b"%PDF-1.4 not a photo at all", "bukan berkas JPEG"),
])
def test_what_is_not_a_whole_jpeg_is_refused_without_decoding(data, why):
    with pytest.raises(BadImage, match=why):
        check_jpeg(io.BytesIO(data))


def test_a_bomb_is_refused_from_its_header():
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (12_000, 12_000)).save(out, "JPEG", quality=1)
    with pytest.raises(BadImage, match="megapiksel"):
        check_jpeg(out)


def test_damaged_scan_data_pass_the_check_and_an_undecodable_scan_fails_at_the_thumbnail():
    damaged = WHOLE[:SCAN + 20] + b"\x12" * 4000 + b"\xff\xd9"
    assert check_jpeg(io.BytesIO(damaged)) == (640, 480)  # its structure is whole
    assert thumbnail(io.BytesIO(damaged))[:2] == b"\xff\xd8"  # decoded as it stands
    with pytest.raises(BadImage):  # a scan header cut short: a 404, never a 500
        thumbnail(io.BytesIO(WHOLE[:SCAN] + b"\xff\xda\x00"))
