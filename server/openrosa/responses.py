"""The XML documents Collect reads (OpenRosa 1.0), written compact: Collect's parser walks
child nodes and trips over whitespace between elements of some documents."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

FORM_LIST_NS = "http://openrosa.org/xforms/xformsList"
MANIFEST_NS = "http://openrosa.org/xforms/xformsManifest"
RESPONSE_NS = "http://openrosa.org/http/response"


def _text(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, tag).text = text


def _document(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def form_list(form_id: str, name: str, version: str, md5: str, download_url: str,
              manifest_url: str) -> bytes:
    root = ET.Element("xforms", xmlns=FORM_LIST_NS)
    form = ET.SubElement(root, "xform")
    for tag, text in (("formID", form_id), ("name", name), ("version", version),
                      ("hash", f"md5:{md5}"), ("downloadUrl", download_url),
                      ("manifestUrl", manifest_url)):
        _text(form, tag, text)
    return _document(root)


def manifest(files: Iterable[tuple[str, str, str, str | None]]) -> bytes:
    """(file name, md5, download URL, integrity URL or None for a plain media file)."""
    root = ET.Element("manifest", xmlns=MANIFEST_NS)
    for name, md5, url, integrity in files:
        media = ET.SubElement(root, "mediaFile")
        if integrity is not None:
            media.set("type", "entityList")
        _text(media, "filename", name)
        _text(media, "hash", f"md5:{md5}")
        _text(media, "downloadUrl", url)
        if integrity is not None:
            _text(media, "integrityUrl", integrity)
    return _document(root)


def integrity(states: Iterable[tuple[str, bool]]) -> bytes:
    """Whether each entity Collect asks about is gone from the phone's list."""
    root = ET.Element("data")
    entities = ET.SubElement(root, "entities")
    for entity_id, deleted in states:
        entity = ET.SubElement(entities, "entity", id=entity_id)
        _text(entity, "deleted", "true" if deleted else "false")
    return _document(root)


def message(text: str, nature: str) -> bytes:
    """An OpenRosa response: the message the enumerator reads on the phone."""
    root = ET.Element("OpenRosaResponse", xmlns=RESPONSE_NS)
    ET.SubElement(root, "message", nature=nature).text = text
    return _document(root)
