"""Making a camera's photo fit to send: smaller, upright, and with nothing hidden in it.

A phone's 12-megapixel JPEG weighs 3–5 MB and carries EXIF, often with the GPS of the
enumerator's home. Re-encoded here — orientation applied, long edge at most 1600 px,
JPEG quality 70, no EXIF, ICC or comments kept — it is about 150 KB and shows the same
house. A file claiming more pixels than `MAX_PIXELS` (a decompression bomb) is refused
before it is decoded. Pure: bytes in, bytes out. Pillow loads on first use, so
`record` without photos stays quick.
"""

from __future__ import annotations

import io
import warnings

LONG_EDGE = 1600
QUALITY = 70
MAX_PIXELS = 50_000_000  # a 48 MP phone passes; 20,000 × 20,000 does not
MAX_INPUT_BYTES = 40 * 1024 * 1024


class PhotoInvalid(ValueError):
    """Not a photo the agent can take; the message says why (never the content)."""


def reencode(raw: bytes, long_edge: int = LONG_EDGE, quality: int = QUALITY,
             max_pixels: int = MAX_PIXELS) -> bytes:
    """The photo as the agent keeps and sends it: JPEG, upright, ≤ `long_edge`, no metadata."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(raw) > MAX_INPUT_BYTES:
        raise PhotoInvalid(f"berkas lebih dari {MAX_INPUT_BYTES // (1024 * 1024)} MB")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(raw)) as image:
                if image.width * image.height > max_pixels:
                    raise PhotoInvalid(f"gambar lebih dari {max_pixels // 1_000_000} megapiksel")
                image.draft("RGB", (long_edge, long_edge))  # JPEG: decode at a smaller scale
                upright = ImageOps.exif_transpose(image)
                upright = upright.convert("RGB")
                upright.thumbnail((long_edge, long_edge), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                # No exif=, icc_profile=, comment=: Pillow writes none of them.
                upright.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
                return out.getvalue()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoInvalid(f"gambar lebih dari {max_pixels // 1_000_000} megapiksel") from None
        except UnidentifiedImageError:
            raise PhotoInvalid("bukan berkas gambar yang bisa dibaca") from None
        except OSError:
            raise PhotoInvalid("berkas gambar terpotong atau rusak") from None
