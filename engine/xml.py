"""Safe XML reading for analyst-supplied BPMN and DMN."""

from __future__ import annotations

import codecs
import re

from lxml import etree

MAX_XML_BYTES = 5 * 1024 * 1024


class XmlRejected(ValueError):
    """The document is not well-formed or is not allowed (entities, DTD, size)."""

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        super().__init__(message)


# Byte patterns of the start of a document (XML 1.0 appendix F): a byte order mark, else how "<" or "<?"
# looks in each encoding. UTF-32 comes first: its little-endian BOM begins like UTF-16's.
_BOMS = ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\xef\xbb\xbf", "utf-8"),
         (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"))
_DECLARED = re.compile(rb"""^<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]{0,39})["']""")
_DOCTYPE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
_DECLARATION_ENCODING = re.compile(r"""^(<\?xml[^>]*?\bencoding\s*=\s*)["'][^"']*["']""")


def _wide_encoding(head: bytes) -> str | None:
    """UTF-16 or UTF-32 without a BOM, told by where the zero bytes of ASCII markup fall."""
    if head.startswith(b"\x00\x00\x00") and len(head) >= 4 and head[3]:
        return "utf-32-be"
    if len(head) >= 4 and head[0] and head[1:4] == b"\x00\x00\x00":
        return "utf-32-le"
    if len(head) >= 2 and not head[0] and head[1]:
        return "utf-16-be"
    if len(head) >= 2 and head[0] and not head[1]:
        return "utf-16-le"
    return None


def decode_xml(raw: bytes) -> str:
    """The text of an XML document, decoded by its BOM, its byte pattern (UTF-16/32 without a BOM) or its
    declared encoding (UTF-8 when none), as XML 1.0 appendix F says. Every check on the content runs on
    this text, so a DOCTYPE or NUL cannot hide in another encoding. The declaration is rewritten to say
    UTF-8: the text is kept, and parsed again, as UTF-8."""
    if len(raw) > MAX_XML_BYTES:
        raise XmlRejected(f"file is larger than {MAX_XML_BYTES // (1024 * 1024)} MB")
    encoding, body = next(((name, raw[len(bom):]) for bom, name in _BOMS if raw.startswith(bom)), (None, raw))
    encoding = encoding or _wide_encoding(raw[:4])
    if encoding is None:
        declared = _DECLARED.match(raw)
        encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise XmlRejected(f"unknown encoding '{encoding}'", 1) from None
    if codec in _WIDE and _wide_encoding(body[:4]) is None and _DECLARED.match(body):
        raise XmlRejected(f"the file declares {encoding} but is not written in it", 1)
    try:
        text = body.decode(codec)
    except (UnicodeDecodeError, LookupError) as err:
        reason = getattr(err, "reason", str(err))
        raise XmlRejected(f"not {encoding.upper()} text ({reason})") from None
    return _DECLARATION_ENCODING.sub(r'\1"UTF-8"', text, count=1) if text.startswith("<?xml") else text


_WIDE = {"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}


def parse_xml(content: bytes | str) -> etree._Element:
    """Parse untrusted XML: no DTD, no entity expansion, no NUL, no network, bounded size.

    Bytes are decoded first (decode_xml); text is taken as it is, whatever its declaration says."""
    text = decode_xml(content) if isinstance(content, bytes) else content
    raw = text.encode("utf-8", errors="surrogatepass")
    if len(raw) > MAX_XML_BYTES:
        raise XmlRejected(f"file is larger than {MAX_XML_BYTES // (1024 * 1024)} MB")
    if "\x00" in text:
        # XML may not contain NUL at all; PostgreSQL cannot store it; its pattern is how UTF-16 slipped past.
        raise XmlRejected("the file contains NUL (0x00) characters", text[: text.find("\x00")].count("\n") + 1)
    doctype = _DOCTYPE.search(text)
    if doctype is not None:
        # A DOCTYPE is how billion-laughs and external-entity payloads arrive; BPMN never needs one.
        raise XmlRejected("DOCTYPE declarations are not allowed", text[: doctype.start()].count("\n") + 1)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=False,
        encoding="utf-8",  # the bytes below are UTF-8 whatever the declaration in them still says
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
