"""Process texts in every language: the shipped files are complete, forms and BPMN read in the reader's language."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session

from processes.files import read_process_files
from processes.forms import form_fields
from processes.language import reading_language, reset_language, use_language
from processes.models import User
from processes.starting import startable_process
from processes.texts import Text, install_translator, translated
from processes.translations import (
    bpmn_documentation,
    bpmn_in,
    current_texts,
    form_in,
    missing_translations,
    option_labels,
    read_texts,
    translated_properties,
)

ROOT = Path(__file__).resolve().parents[2]
NEW_BUILDING_SV = "Nybyggnad"
FORM = {"components": [
    {"key": "kind", "type": "select", "label": "Kind", "description": "Which one",
     "values": [{"label": "Pothole", "value": "pothole"}, {"label": "Other", "value": "other"}],
     "properties": {"label_sv": "Typ", "description_sv": "Vilken", "option_pothole_sv": "Potthål"}},
    {"type": "group", "path": "g", "components": [
        {"key": "note", "type": "textfield", "label": "Note", "properties": {"label_sv": "Anteckning"}}]},
    {"type": "text", "text": "Read this", "properties": {"text_sv": "Läs detta"}},
]}
BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d">
  <bpmn:process id="p" name="Request" isExecutable="true">
    <bpmn:userTask id="t" name="Handle">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="form" value="f.form" />
        <spiffworkflow:property name="name_sv" value="Handlägg" />
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
  </bpmn:process>
</bpmn:definitions>"""


DESCRIBED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d">
  <bpmn:process id="p" name="Request" isExecutable="true">
    <bpmn:documentation>What the routine is for.</bpmn:documentation>
    <bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="name_sv" value="Ärende" />
      <spiffworkflow:property name="documentation_sv" value="Vad rutinen är till för." />
    </spiffworkflow:properties></bpmn:extensionElements>
    <bpmn:userTask id="t" name="Handle">
      <bpmn:documentation>The office handles it.</bpmn:documentation>
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="name_sv" value="Handlägg" />
        <spiffworkflow:property name="documentation_sv" value="  " />
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="e"><bpmn:documentation>  </bpmn:documentation></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


def test_every_shipped_text_has_swedish_and_english() -> None:
    """English is the text itself (label, name); Swedish its `_sv` property. Add one when you add a text."""
    files, _ = read_process_files([ROOT / "bpmn"])
    assert missing_translations(files) == []


def test_a_missing_translation_is_named_with_its_file_and_element() -> None:
    files = {"p.bpmn": BPMN, "f.form": json.dumps(FORM)}
    assert missing_translations(files) == [
        "f.form:kind: option_other has no sv",
        "p.bpmn:p: name 'Request' has no sv",
    ]


def test_a_description_without_swedish_is_named_with_its_file_and_element() -> None:
    """An element with documentation needs a `documentation_sv`; an empty one is none, no documentation needs none."""
    assert missing_translations({"d.bpmn": DESCRIBED}) == ["d.bpmn:t: documentation has no sv"]


def test_a_description_reads_in_swedish_and_falls_back_to_the_default() -> None:
    described = bpmn_documentation(DESCRIBED)
    assert described == {"p": {"en": "What the routine is for.", "sv": "Vad rutinen är till för."},
                         "t": {"en": "The office handles it."}}
    properties = {"name_sv": "Ärende", "documentation_sv": "Vad rutinen är till för.", "documentation_de": " "}
    assert translated_properties(properties) == {"sv": "Vad rutinen är till för."}  # an empty one is none


def test_a_shipped_process_describes_itself_in_each_language(session: Session, people: dict[str, User],
                                                              deployed: None) -> None:
    process = startable_process(session, people["csu"], "citizen_request")
    assert process.description.startswith("A citizen request at the one-stop shop")
    assert process.description_in("en") == process.description
    assert process.description_in("sv").startswith("Ett invånarärende hos kontaktcenter")
    assert process.description_in("de") == process.description  # no translation: the default


def test_a_form_reads_in_swedish_and_falls_back_to_english() -> None:
    swedish = form_in(FORM, "sv")
    fields = {f.key: f for f in form_fields(swedish)}
    assert fields["kind"].label == "Typ" and fields["kind"].component["description"] == "Vilken"
    assert [o["label"] for o in fields["kind"].component["values"]] == ["Potthål", "Other"]
    assert fields["g.note"].label == "Anteckning"
    assert swedish["components"][2]["text"] == "Läs detta"
    assert form_in(FORM, "en") == FORM and FORM["components"][0]["label"] == "Kind"  # the original is untouched
    assert option_labels(FORM, "kind", "sv") == {"pothole": "Potthål", "other": "Other"}


def test_bpmn_names_by_language_and_a_renamed_element_keeps_its_old_name() -> None:
    texts = read_texts({"p.bpmn": BPMN})
    assert texts.names["t"] == {"en": "Handle", "sv": "Handlägg"}
    assert texts.name("t", "Handle", "sv") == "Handlägg"
    assert texts.name("t", "Handle the request", "sv") == "Handle the request"  # stored under an older name
    assert 'name="Handlägg"' in bpmn_in(BPMN, "sv") and 'name="Request"' in bpmn_in(BPMN, "sv")


def test_a_text_keeps_its_template_and_translates_when_asked() -> None:
    message = Text("Enter at most %(n)s characters.", n=40)
    assert message == "Enter at most 40 characters." and isinstance(message, str)
    install_translator(lambda template, params: "Högst {n} tecken.".format(**params))
    try:
        assert translated(message) == "Högst 40 tecken." and message.__html__() == "Högst 40 tecken."
        assert translated("plain") == "plain"
    finally:
        install_translator(lambda template, params: template % params if params else template)


def test_the_reading_language_can_be_chosen_outside_a_request() -> None:
    token = use_language("sv")
    try:
        assert reading_language() == "sv"
    finally:
        reset_language(token)


def test_each_routine_reads_its_categories_from_its_own_category_field(session: Session, deployed: None) -> None:
    permits, requests = current_texts(session, "permit_application"), current_texts(session, "citizen_request")
    assert (permits.category_field, requests.category_field) == ("works", "category")
    assert permits.option("works", "new_building", "sv") == NEW_BUILDING_SV
    assert requests.option("category", "pothole", "sv") == "Potthål"
