"""Open311 responses in the specification's two formats: XML (required) and JSON (its Spark mapping).

A JSON list of objects is an XML root holding one element per object; a list inside an object
(`attributes`, `values`) becomes an element holding one singular-named element per item.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Response
from lxml import etree

FORMATS = ("json", "xml")
DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'  # as in the specification's examples
SINGULAR = {"attributes": "attribute", "values": "value", "services": "service",
            "service_requests": "request", "errors": "error"}


def render(fmt: str, root: str, payload: Any, status: int = 200) -> Response:
    """`payload` (a list of objects, or one object for a service definition) as JSON or XML."""
    if fmt == "json":
        return Response(json.dumps(payload, ensure_ascii=False), status=status,
                        content_type="application/json; charset=utf-8")
    element = etree.Element(root)
    if isinstance(payload, Mapping):
        _fill(element, payload)
    else:
        for item in payload:
            _fill(etree.SubElement(element, SINGULAR[root]), item)
    xml = DECLARATION + etree.tostring(element, encoding="utf-8", pretty_print=True)
    return Response(xml, status=status, content_type="text/xml; charset=utf-8")


def errors(fmt: str, status: int, descriptions: Sequence[str]) -> Response:
    """The specification's error list: [{"code": status, "description": ...}, ...]."""
    body = [{"code": status, "description": text} for text in descriptions]
    return render(fmt if fmt in FORMATS else "xml", "errors", body, status)


def _fill(element: etree._Element, fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        child = etree.SubElement(element, name)
        if isinstance(value, list):
            for item in value:
                _fill(etree.SubElement(child, SINGULAR.get(name, "item")), item)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = _xml_safe(str(value))


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot hold most control characters; a reporter's text may contain them."""
    return "".join(ch for ch in text if ch in "\t\n\r" or (ord(ch) >= 0x20 and ord(ch) not in (0xFFFE, 0xFFFF)
                                                                and not 0xD800 <= ord(ch) <= 0xDFFF))
