"""What the server accepts as a photo: a whole JPEG of sane size (docs/protocol.md §5).

Decoding it all is the one sure test of a truncated file; the pixel count is read from
the header first, so a decompression bomb (a small file claiming 20,000 × 20,000 px) is
refused before any pixel is decoded. A phone's PNG (Collect's drawing and annotation
widgets write one) is checked the same way and kept as a JPEG: every photo the server
holds is then one format, read by one decoder, served as `image/jpeg`.
"""

from __future__ import annotations

import io
import warnings
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

# 50 megapixels: a 48 MP phone's original passes, a bomb does not. Agents send 1600 px.
MAX_PIXELS = 50_000_000


_TOO_LARGE = "gambar lebih dari {} megapiksel"


class BadImage(ValueError):
    """Not a photo the server keeps; the message says why (never the content)."""


def _ends_whole(stream: BinaryIO) -> bool:
    """Whether the bytes end with JPEG's end-of-image marker (zero padding allowed).

    Decoding alone is not enough in this process: WeasyPrint (the berita acara) sets
    Pillow's process-wide `LOAD_TRUNCATED_IMAGES` when imported, after which a cut file
    decodes with grey padding instead of failing.
    """
    stream.seek(0, 2)
    end = stream.tell()
    stream.seek(max(0, end - 64))
    tail = stream.read().rstrip(b"\x00")
    stream.seek(0)
    return tail.endswith(b"\xff\xd9")


def check_jpeg(stream: BinaryIO, max_pixels: int = MAX_PIXELS) -> tuple[int, int]:
    """(width, height) of a whole JPEG in `stream`; `BadImage` otherwise."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(stream, formats=["JPEG"]) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise BadImage(_TOO_LARGE.format(max_pixels // 1_000_000))
                if not _ends_whole(stream):
                    raise OSError("no end-of-image marker")
                # Decoding at 1/8 scale still reads every byte of the scan (a cut file
                # fails the same), at a fraction of the time and memory.
                image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise BadImage(_TOO_LARGE.format(max_pixels // 1_000_000)) from None
        except UnidentifiedImageError:
            raise BadImage("bukan berkas JPEG yang bisa dibaca") from None
        except OSError:
            raise BadImage("berkas JPEG terpotong atau rusak") from None
    return width, height


PNG_AS_JPEG_QUALITY = 90
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"IEND\xaeB`\x82"


def is_png(data: bytes) -> bool:
    return data.startswith(_PNG_SIGNATURE)


def png_as_jpeg(data: bytes, max_pixels: int = MAX_PIXELS) -> bytes:
    """A whole PNG of sane size, re-encoded as a JPEG (transparency on white); `BadImage`
    otherwise. The same checks as `check_jpeg`: pixel count first, then its end, then
    every pixel decoded."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise BadImage(_TOO_LARGE.format(max_pixels // 1_000_000))
                if not data.rstrip(b"\x00").endswith(_PNG_END):
                    raise OSError("no IEND chunk")
                image.load()
                rgba = image.convert("RGBA")
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise BadImage(_TOO_LARGE.format(max_pixels // 1_000_000)) from None
        except UnidentifiedImageError:
            raise BadImage("bukan berkas PNG yang bisa dibaca") from None
        except OSError:
            raise BadImage("berkas PNG terpotong atau rusak") from None
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    out = io.BytesIO()
    flat.save(out, "JPEG", quality=PNG_AS_JPEG_QUALITY)
    return out.getvalue()


THUMBNAIL_EDGE = 320


def thumbnail(stream: BinaryIO, edge: int = THUMBNAIL_EDGE) -> bytes:
    """A small JPEG of a kept photo (already checked by `check_jpeg` on its way in)."""
    with Image.open(stream, formats=["JPEG"]) as image:
        image.draft("RGB", (edge, edge))
        small = image.convert("RGB")
        small.thumbnail((edge, edge))
        out = io.BytesIO()
        small.save(out, "JPEG", quality=75)
        return out.getvalue()
