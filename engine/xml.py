"""Safe XML reading for analyst-supplied BPMN and DMN."""

from __future__ import annotations

import re

from lxml import etree

MAX_XML_BYTES = 5 * 1024 * 1024


class XmlRejected(ValueError):
    """The document is not well-formed or is not allowed (entities, DTD, size)."""

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        super().__init__(message)


def parse_xml(content: bytes | str) -> etree._Element:
    """Parse untrusted XML: no DTD, no entity expansion, no network, bounded size."""
    raw = content.encode("utf-8") if isinstance(content, str) else content
    if len(raw) > MAX_XML_BYTES:
        raise XmlRejected(f"file is larger than {MAX_XML_BYTES // (1024 * 1024)} MB")
    if re.search(rb"<!DOCTYPE", raw, re.IGNORECASE):
        # A DOCTYPE is how billion-laughs and external-entity payloads arrive; BPMN never needs one.
        line = raw[: raw.upper().find(b"<!DOCTYPE")].count(b"\n") + 1
        raise XmlRejected("DOCTYPE declarations are not allowed", line)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=False
    )
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as err:
        raise XmlRejected(f"XML syntax error: {err.msg}", err.lineno or None) from None
    return root


def element_lines(root: etree._Element) -> dict[str, int]:
    """Map each element id to the line it starts on, to point analysts at the right place."""
    lines: dict[str, int] = {}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        element_id = element.get("id")
        if element_id and element.sourceline and element_id not in lines:
            lines[element_id] = element.sourceline
    return lines


def element_at_line(root: etree._Element, line: int, namespace: str | None = None) -> str:
    """The id of the last element (of `namespace`, if given) with an id starting at or before `line`."""
    best = ""
    for element in root.iter():
        if not isinstance(element.tag, str) or element.sourceline is None:
            continue
        if element.sourceline > line:
            break
        if element.get("id") and (namespace is None or etree.QName(element).namespace == namespace):
            best = element.get("id") or ""
    return best
