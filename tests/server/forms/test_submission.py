"""Reading a submission's XML into a Survey: the same XML, the same survey; bad XML named."""

from __future__ import annotations

import uuid

import pytest

from schemas import SurveySchema
from server.forms.submission import NotTheForm, read_submission
from tests.factories import household
from tests.server.openrosa.collect import submission_xml

INSTANCE = str(uuid.uuid4())


def test_a_found_household_reads_as_the_contract_survey():
    base = household()

    def newborn(observed):
        observed["members"].append({"member_id": "", "nik": None, "name": "Bayi", "sex": "F",
                                    "birth_date": "2026-08-01", "relationship": "grandchild"})

    xml = submission_xml(base, INSTANCE, "v1", change=newborn, base_version=3,
                         trunk_version=3, branch_id="b-1", photos={"kk": "kk.jpg"})
    sub = read_submission(xml)
    assert (sub.instance_id, sub.base_version, sub.trunk_version, sub.branch_id) == (
        INSTANCE, 3, 3, "b-1")
    assert sub.photos == {"kk.jpg": "kk"} and sub.form_version == "v1"
    survey = {**sub.survey, "device_seq": 1, "parent_survey_id": None}
    loaded = SurveySchema().load(survey)
    observed = loaded["observed"]
    assert observed["assets"] == base["assets"] and observed["programs"] == base["programs"]
    assert observed["members"][:2] == base["members"]
    baby = observed["members"][2]
    assert baby["nik"] is None and baby["member_id"] != ""
    assert read_submission(xml).survey == sub.survey  # same XML, same ids
    assert loaded["gps"] == {"lat": -3.91, "lon": 105.36, "accuracy_m": 12.0}


def test_a_household_not_found_has_no_observed():
    sub = read_submission(submission_xml(household(), INSTANCE, "v1", outcome="not_found",
                                         base_version=1))
    assert sub.survey["outcome"] == "not_found" and sub.survey["observed"] is None


@pytest.mark.parametrize(("xml", "field"), [
    (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><data id='verifikasi_dtsen'/>",
     "xml_submission_file"),
    (b"<data id='lain'><meta><instanceID>uuid:x</instanceID></meta></data>",
     "xml_submission_file"),
    (b"<data id='verifikasi_dtsen'><meta><instanceID>nope</instanceID></meta></data>",
     "meta/instanceID"),
    (f"<data id='verifikasi_dtsen'><meta><instanceID>uuid:{INSTANCE}</instanceID></meta>"
     "</data>".encode(), "household_id"),
    (submission_xml(household(), INSTANCE, "v1").replace(b"-3.91 105.36", b"utara"), "gps"),
    (submission_xml(household(), INSTANCE, "v1").replace(b"<desil>2</desil>",
                                                         b"<desil>dua</desil>"), "desil"),
])
def test_what_is_not_the_form_is_named(xml, field):
    with pytest.raises(NotTheForm) as refused:
        read_submission(xml)
    assert refused.value.field == field
