"""A client that behaves as ODK Collect does, and the submissions it writes.

Its rules are Collect's (org.odk.collect.openrosa): every request carries
`X-OpenRosa-Version: 1.0` and `Date`; an answer without `X-OpenRosa-Version` is not an
OpenRosa server; the form list and the manifest are read strictly (their namespaces,
the elements Collect requires); before sending it asks `HEAD /submission` for the size
it may send and splits a submission with many photos over several POSTs, the XML in
each; after a lost answer it sends the same POST again.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

import requests

LIST_NS = "{http://openrosa.org/xforms/xformsList}"
MANIFEST_NS = "{http://openrosa.org/xforms/xformsManifest}"


class NotOpenRosa(AssertionError):
    pass


@dataclass
class ListedForm:
    form_id: str
    name: str
    version: str
    md5: str
    download_url: str
    manifest_url: str


@dataclass
class MediaEntry:
    name: str
    md5: str
    download_url: str
    entity_list: bool
    integrity_url: str | None


class Collect:
    def __init__(self, server_url: str, auth: Any = None):
        self.server_url = server_url.rstrip("/")
        self.session = requests.Session()
        self.session.auth = auth

    def _headers(self) -> dict[str, str]:
        return {"X-OpenRosa-Version": "1.0", "Date": formatdate(usegmt=True),
                "Accept-Encoding": "gzip,deflate"}

    def request(self, method: str, url: str, **kw: Any) -> requests.Response:
        response = self.session.request(method, url, headers=self._headers(), timeout=30,
                                        **kw)
        if response.headers.get("X-OpenRosa-Version") != "1.0":
            raise NotOpenRosa(f"{method} {url}: no X-OpenRosa-Version")
        return response

    def _xml(self, url: str) -> ET.Element:
        response = self.request("GET", url)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith("text/xml")
        return ET.fromstring(response.content)

    def form_list(self) -> list[ListedForm]:
        root = self._xml(self.server_url + "/formList")
        assert root.tag == f"{LIST_NS}xforms"
        forms = []
        for xform in root:
            assert xform.tag == f"{LIST_NS}xform"
            values = {child.tag.removeprefix(LIST_NS): (child.text or "") for child in xform}
            assert values["formID"] and values["name"] and values["downloadUrl"]
            assert values["hash"].startswith("md5:")
            forms.append(ListedForm(values["formID"], values["name"], values["version"],
                                    values["hash"][4:], values["downloadUrl"],
                                    values["manifestUrl"]))
        return forms

    def manifest(self, url: str) -> list[MediaEntry]:
        root = self._xml(url)
        assert root.tag == f"{MANIFEST_NS}manifest"
        entries = []
        for media in root:
            assert media.tag == f"{MANIFEST_NS}mediaFile"
            values = {c.tag.removeprefix(MANIFEST_NS): (c.text or "") for c in media}
            assert values["filename"] and values["downloadUrl"]
            assert values["hash"].startswith("md5:")
            entries.append(MediaEntry(values["filename"], values["hash"][4:],
                                      values["downloadUrl"], media.get("type") == "entityList",
                                      values.get("integrityUrl")))
        return entries

    def download(self, url: str) -> bytes:
        response = self.request("GET", url)
        assert response.status_code == 200, response.text
        return response.content

    def accepted_length(self) -> int:
        response = self.request("HEAD", self.server_url + "/submission")
        assert response.status_code == 204
        return int(response.headers["X-OpenRosa-Accept-Content-Length"])

    def send(self, xml: bytes, photos: dict[str, bytes] | None = None
             ) -> list[requests.Response]:
        """As Collect sends a finalized form: parts no larger than the server accepts."""
        limit = self.accepted_length()
        parts: list[list[tuple[str, bytes]]] = [[]]
        size = len(xml)
        for name, data in (photos or {}).items():
            if parts[-1] and size + len(data) > limit:
                parts.append([])
                size = len(xml)
            parts[-1].append((name, data))
            size += len(data)
        answers = []
        for index, part in enumerate(parts):
            files: list[tuple[str, Any]] = [
                ("xml_submission_file", ("submission.xml", xml, "text/xml"))]
            files += [(name, (name, data, "image/jpeg")) for name, data in part]
            data = {"*isIncomplete*": "yes"} if index < len(parts) - 1 else {}
            answers.append(self.request("POST", self.server_url + "/submission",
                                        files=files, data=data))
        return answers


def _add(parent: ET.Element, tag: str, value: Any = None) -> ET.Element:
    node = ET.SubElement(parent, tag)
    if value is not None:
        node.text = "true" if value is True else "false" if value is False else str(value)
    return node


def submission_xml(household: dict[str, Any], instance_id: str, version: str, *,
                   outcome: str = "found", change: Any = None,
                   base_version: int | None = None, trunk_version: int | None = None,
                   branch_id: str = "", photos: dict[str, str] | None = None,
                   new: bool = False, deprecated_id: str | None = None,
                   form_id: str = "verifikasi_dtsen") -> bytes:
    """The instance Collect writes for the verification form (server/forms/xform.py)."""
    observed = copy.deepcopy(household)
    observed.pop("version", None)
    if change is not None:
        change(observed)
    root = ET.Element("data", {"id": form_id, "version": version})
    _add(root, "started_at", "2026-11-20T09:15:00.000+07:00")
    _add(root, "completed_at", "2026-11-20T09:40:00.000+07:00")
    _add(root, "deviceid", "collect:test-phone-1")
    _add(root, "visit_kind", "new" if new else "registry")
    _add(root, "pick", None if new else household["household_id"])
    _add(root, "household_id", household["household_id"])
    _add(root, "outcome", outcome)
    if outcome == "found":
        node = _add(root, "observed")
        for name in ("kk_number", "region_code", "address", "desil"):
            _add(node, name, observed.get(name))
        _add(node, "programs", " ".join(f"{p['program']}:{p['since']}"
                                        for p in observed.get("programs") or ()))
        for section in ("housing", "assets"):
            group = _add(node, section)
            for name, value in (observed.get(section) or {}).items():
                _add(group, name, value)
        for member in observed["members"]:
            repeat = _add(node, "members")
            for name in ("member_id", "nik", "name", "sex", "birth_date", "relationship",
                         "marital_status", "education", "occupation", "disability",
                         "status"):
                _add(repeat, name, member.get(name))
    _add(root, "gps", "-3.91 105.36 20.0 12.0")
    for kind, file_name in (photos or {}).items():
        _add(root, kind, file_name)
    _add(root, "notes", "Dikunjungi dengan ponsel")
    meta = _add(root, "meta")
    ET.SubElement(meta, "entity", {
        "dataset": "households", "id": "" if new else household["household_id"],
        "update": "0" if new else "1",
        "baseVersion": "" if base_version is None else str(base_version),
        "trunkVersion": "" if trunk_version is None else str(trunk_version),
        "branchId": branch_id})
    _add(meta, "instanceID", f"uuid:{instance_id}")
    if deprecated_id:
        _add(meta, "deprecatedID", f"uuid:{deprecated_id}")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
