"""The USB bundle format ("sneakernet"), shared by the field agent and the server. Pure.

A bundle is one gzip file holding a JSON envelope:

    {"format": "verivali-bundle", "version": 1, "kind": "surveys" | "ack",
     "key_id": "<16 hex>", "sha256": "<hex of payload>", "hmac_sha256": "<hex>",
     "payload": "<the payload as JSON text>"}

A `surveys` payload may carry `photos`: photo_id → base64 of the photo's bytes (the
photos its visits name, docs/agent.md); the ack then answers `photos.received` and
`photos.refused`. The payload stays a JSON *string* so that the checksum and the signature cover exact
bytes. `sha256` tells an accidentally damaged file from a forged one; `hmac_sha256`
(over the kind and the payload) proves who made it.

The signing key. The server keeps only SHA-256(token) of each API token, so the key
must be derivable from that hash: key = HMAC-SHA256(key=hex(SHA-256(token)),
msg="verivali-bundle-v1"). The laptop computes it from its token; the server from the
stored hash. This is acceptable because the hash is exactly as secret as the server's
database: whoever can read it can already write surveys into that database, while
the hash itself still cannot be used as an API token (the server hashes what it is
given). Revoking or rotating the token invalidates bundles signed with the old one.
`key_id` (a hash of the key) lets the server find the signer without trying every key.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import zlib
from typing import Any

FORMAT = "verivali-bundle"
VERSION = 1
KINDS = ("surveys", "ack")
KEY_LABEL = b"verivali-bundle-v1"
MAX_INFLATED = 512 * 1024 * 1024


class BundleError(ValueError):
    """The file is not a usable bundle; the text is one line safe to show."""


def token_hash(token: str) -> str:
    """SHA-256 of the API token, hex: what the server stores (`users.token_hash`)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def bundle_key(hashed_token: str) -> bytes:
    return hmac.new(hashed_token.encode("ascii"), KEY_LABEL, hashlib.sha256).digest()


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"verivali-key-id:" + key).hexdigest()[:16]


def _mac(key: bytes, kind: str, raw: bytes) -> str:
    return hmac.new(key, kind.encode("ascii") + b"\n" + raw, hashlib.sha256).hexdigest()


def seal(kind: str, payload: dict[str, Any], key: bytes) -> bytes:
    """The bytes of a signed bundle file."""
    if kind not in KINDS:
        raise ValueError(f"unknown bundle kind {kind!r}")
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    raw = text.encode("utf-8")
    envelope = {
        "format": FORMAT,
        "version": VERSION,
        "kind": kind,
        "key_id": key_id(key),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "hmac_sha256": _mac(key, kind, raw),
        "payload": text,
    }
    body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return gzip.compress(body, compresslevel=9, mtime=0)


def open_envelope(data: bytes, kind: str) -> dict[str, Any]:
    """Unpack and check the envelope (format, kind, checksum); the signature is not checked yet."""
    try:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        body = inflater.decompress(data, MAX_INFLATED + 1)
        if len(body) > MAX_INFLATED or inflater.unconsumed_tail:
            raise BundleError("the bundle is too large")
        if not inflater.eof:
            raise BundleError("the file is damaged or cut short (gzip stream incomplete)")
        envelope = json.loads(body)
    except BundleError:
        raise
    except (zlib.error, UnicodeDecodeError, ValueError) as exc:
        raise BundleError("not a Verivali bundle, or the file is damaged") from exc
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise BundleError("not a Verivali bundle")
    if envelope.get("version") != VERSION:
        raise BundleError(f"bundle format version {envelope.get('version')!r} is not supported")
    if envelope.get("kind") != kind:
        raise BundleError(f"this file is a {envelope.get('kind')!r} bundle, expected {kind!r}")
    payload = envelope.get("payload")
    if not isinstance(payload, str) or not all(
        isinstance(envelope.get(k), str) for k in ("key_id", "sha256", "hmac_sha256")
    ):
        raise BundleError("the bundle envelope is incomplete")
    if not hmac.compare_digest(
        hashlib.sha256(payload.encode("utf-8")).hexdigest(), envelope["sha256"]
    ):
        raise BundleError("checksum mismatch: the bundle was damaged or altered")
    return envelope


def verify(envelope: dict[str, Any], key: bytes) -> dict[str, Any]:
    """The payload, if `key` signed this envelope; BundleError otherwise."""
    raw = envelope["payload"].encode("utf-8")
    if not hmac.compare_digest(_mac(key, envelope["kind"], raw), envelope["hmac_sha256"]):
        raise BundleError("signature mismatch: the bundle was altered or signed with another token")
    payload = json.loads(raw)
    if not isinstance(payload, dict):
        raise BundleError("the bundle payload is not an object")
    return payload
