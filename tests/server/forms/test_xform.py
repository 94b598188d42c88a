"""The phones' form: built by pyxform without a warning, shaped as docs/protocol.md §6 says."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from schemas import enums, labels
from server.forms import xform
from server.forms.xform import FORM_ID, build_form

XF = "{http://www.w3.org/2002/xforms}"
H = "{http://www.w3.org/1999/xhtml}"


def english(text: str) -> str:
    return f"EN {text}"


@pytest.fixture(scope="module")
def built() -> xform.BuiltForm:
    return build_form(english)


def primary_instance(xml: str) -> ET.Element:
    model = ET.fromstring(xml).find(f"{H}head/{XF}model")
    assert model is not None
    return model.findall(f"{XF}instance")[0][0]


def test_pyxform_builds_it_without_warnings(built: xform.BuiltForm) -> None:
    assert built.warnings == []
    root = primary_instance(built.xml)
    assert root.get("id") == FORM_ID
    assert root.get("version") == built.version


def test_the_instance_names_fields_after_the_contract(built: xform.BuiltForm) -> None:
    root = primary_instance(built.xml)
    names = {child.tag.removeprefix(XF) for child in root}
    assert {"household_id", "outcome", "notes", "gps", "observed", "meta",
            "house_front", "house_inside", "kk"} <= names
    observed = root.find(f"{XF}observed")
    assert observed is not None
    assert {"kk_number", "region_code", "address", "desil", "programs", "housing",
            "assets", "members"} <= {c.tag.removeprefix(XF) for c in observed}
    member = observed.find(f"{XF}members")
    assert member is not None
    assert {c.tag.removeprefix(XF) for c in member} == {"member_id", "nik", "name", "sex",
            "birth_date", "relationship", "marital_status", "education", "occupation",
            "disability", "status"}
    entity = root.find(f"{XF}meta/{XF}entity")
    assert entity is not None and entity.get("dataset") == "households"
    assert {"baseVersion", "trunkVersion", "branchId"} <= set(entity.keys())


def test_constraints_photos_and_both_languages(built: xform.BuiltForm) -> None:
    xml = built.xml
    assert "regex(., '^[0-9]{16}$')" in xml  # NIK and KK
    assert 'type="date"' in xml
    assert xml.count('orx:max-pixels="1600"') == 3
    assert 'lang="Bahasa Indonesia (id)" default="true()"' in xml
    assert f"EN {labels.FIELD['address']}" in xml
    for code in enums.FLOOR + enums.RELATIONSHIP:
        assert f"<name>{code}</name>" in xml


def test_same_schemas_same_version_changed_schemas_new_version(
        built: xform.BuiltForm, monkeypatch: pytest.MonkeyPatch) -> None:
    assert build_form(english).version == built.version
    monkeypatch.setitem(labels.FIELD, "address", "Alamat Lengkap")
    assert build_form(english).version != built.version
    monkeypatch.undo()
    monkeypatch.setitem(labels.VALUES, "floor", {**labels.FLOOR, "marble": "Marmer"})
    assert build_form(english).version != built.version
