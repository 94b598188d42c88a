"""What the server accepts as a photo: a whole JPEG of sane size (docs/protocol.md §5).

A JPEG is checked from its structure, not decoded: its header parsed up to the start
of the scan (a frame with its dimensions, tables, a scan), so a file that is not a JPEG
is refused; its pixel count from that header, so a decompression bomb (a small file
claiming 20,000 × 20,000 px) is refused; and its end marker, so a truncated file is
refused (inside the scan data a 0xFF byte is always escaped, so the end marker cannot
appear early). Decoding every pixel cost more than all else an upload does; a photo's
bytes are already bound to its SHA-256 by then. The pixels are decoded once, later, for
its thumbnail. A phone's PNG (Collect's drawing and annotation
widgets write one) is checked the same way and kept as a JPEG: every photo the server
holds is then one format, read by one decoder, served as `image/jpeg`.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from PIL import Image, ImageFile, UnidentifiedImageError

# 50 megapixels: a 48 MP phone's original passes, a bomb does not. Agents send 1600 px.
MAX_PIXELS = 50_000_000


_TOO_LARGE = "gambar lebih dari {} megapiksel"


class BadImage(ValueError):
    """Not a photo the server keeps; the message says why (never the content)."""


_JPEG_END = b"\xff\xd9"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"IEND\xaeB`\x82"


def _ends_whole(stream: BinaryIO, end_marker: bytes) -> bool:
    """Whether the bytes end with the format's end marker (zero padding allowed).

    Decoding alone is not enough in this process: WeasyPrint (the berita acara) sets
    Pillow's process-wide `LOAD_TRUNCATED_IMAGES` when imported, after which a cut file
    decodes with grey padding instead of failing.
    """
    stream.seek(0, 2)
    end = stream.tell()
    stream.seek(max(0, end - 64))
    tail = stream.read().rstrip(b"\x00")
    stream.seek(0)
    return tail.endswith(end_marker)


@contextmanager
def _opened(stream: BinaryIO, kind: str, end_marker: bytes,
            max_pixels: int) -> Iterator[Image.Image]:
    """The image in `stream`, its pixel count read from the header and its end checked
    before any pixel is decoded; Pillow's failures (in the caller's block too, where the
    pixels are decoded) as `BadImage`."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(stream, formats=[kind]) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise BadImage(_TOO_LARGE.format(max_pixels // 1_000_000))
                if not _ends_whole(stream, end_marker):
                    raise OSError("no end marker")
                yield image
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise BadImage(_TOO_LARGE.format(max_pixels // 1_000_000)) from None
        except UnidentifiedImageError:
            raise BadImage(f"bukan berkas {kind} yang bisa dibaca") from None
        except OSError:
            raise BadImage(f"berkas {kind} terpotong atau rusak") from None


def check_jpeg(stream: BinaryIO, max_pixels: int = MAX_PIXELS) -> tuple[int, int]:
    """(width, height) of a whole JPEG in `stream`; `BadImage` otherwise."""
    with _opened(stream, "JPEG", _JPEG_END, max_pixels) as image:
        width, height = image.size
        scan = image.tile if isinstance(image, ImageFile.ImageFile) else None
        if not width or not height or not scan:  # no frame, or no scan to decode
            raise BadImage("berkas JPEG terpotong atau rusak")
    return width, height


PNG_AS_JPEG_QUALITY = 90


def is_png(data: bytes) -> bool:
    return data.startswith(_PNG_SIGNATURE)


def png_as_jpeg(data: bytes, max_pixels: int = MAX_PIXELS) -> bytes:
    """A whole PNG of sane size, re-encoded as a JPEG (transparency on white); `BadImage`
    otherwise. The same checks as `check_jpeg`: pixel count first, then its end, then
    every pixel decoded."""
    with _opened(io.BytesIO(data), "PNG", _PNG_END, max_pixels) as image:
        image.load()
        rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    out = io.BytesIO()
    flat.save(out, "JPEG", quality=PNG_AS_JPEG_QUALITY)
    return out.getvalue()


THUMBNAIL_EDGE = 320


def thumbnail(stream: BinaryIO, edge: int = THUMBNAIL_EDGE) -> bytes:
    """A small JPEG of a kept photo (its structure checked by `check_jpeg` on its way in);
    `BadImage` when its scan data do not decode after all."""
    try:
        with Image.open(stream, formats=["JPEG"]) as image:
            image.draft("RGB", (edge, edge))
            small = image.convert("RGB")
    except (OSError, SyntaxError, ValueError):
        raise BadImage("berkas JPEG rusak") from None
    small.thumbnail((edge, edge))
    out = io.BytesIO()
    small.save(out, "JPEG", quality=75)
    return out.getvalue()
