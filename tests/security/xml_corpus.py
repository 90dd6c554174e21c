"""XML attacks an uploaded BPMN or DMN file could carry. Each body is a complete document; SECRET
stands for a file the attack tries to read into the process (the test checks it never shows up)."""

from __future__ import annotations

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
DEFS = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" '
        'targetNamespace="http://onestop.example/bpmn"{extra}>')
PROCESS = '<bpmn:process id="attack" name="{name}" isExecutable="true"><bpmn:startEvent id="s"/></bpmn:process>'


def bpmn(name: str = "x", extra: str = "", inner: str = "", doctype: str = "") -> str:
    return (HEAD + doctype + DEFS.format(extra=extra) + PROCESS.format(name=name) + inner
            + "</bpmn:definitions>")


LAUGHS = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))

ATTACKS: dict[str, str] = {
    "billion laughs": bpmn("&lol9;", doctype=f'<!DOCTYPE bpmn:definitions [<!ENTITY lol0 "lol">{LAUGHS}]>\n'),
    "quadratic blowup": bpmn("&a;" * 20_000, doctype=f'<!DOCTYPE bpmn:definitions [<!ENTITY a "{"x" * 50_000}">]>\n'),
    "XXE SYSTEM": bpmn("&xxe;", doctype='<!DOCTYPE bpmn:definitions [<!ENTITY xxe SYSTEM "file://SECRET">]>\n'),
    "XXE PUBLIC": bpmn("&xxe;", doctype='<!DOCTYPE bpmn:definitions [<!ENTITY xxe PUBLIC "-//A//B" '
                                        '"file://SECRET">]>\n'),
    "XXE over the network": bpmn("&xxe;", doctype='<!DOCTYPE bpmn:definitions [<!ENTITY xxe SYSTEM '
                                                  '"http://127.0.0.1:9/secret">]>\n'),
    "parameter entities": bpmn("&exfil;", doctype='<!DOCTYPE bpmn:definitions [<!ENTITY % file SYSTEM '
                                                  '"file://SECRET"><!ENTITY % wrap "<!ENTITY exfil \'%file;\'>">'
                                                  '%wrap;]>\n'),
    "external DTD": bpmn(doctype='<!DOCTYPE bpmn:definitions SYSTEM "file://SECRET">\n'),
    "external DTD over the network": bpmn(doctype='<!DOCTYPE bpmn:definitions SYSTEM "http://127.0.0.1:9/x.dtd">\n'),
    "lower-case doctype": bpmn("&xxe;", doctype='<!doctype bpmn:definitions [<!ENTITY xxe SYSTEM "file://SECRET">]>\n'),
    "doctype after a comment": bpmn("&xxe;", doctype='<!-- hi -->\n<!DOCTYPE bpmn:definitions '
                                                     '[<!ENTITY xxe SYSTEM "file://SECRET">]>\n'),
    "XInclude": bpmn(extra=' xmlns:xi="http://www.w3.org/2001/XInclude"',
                     inner='<xi:include href="file://SECRET" parse="text"/>'),
    "huge attribute": bpmn("A" * (6 * 1024 * 1024)),
    "many attributes": bpmn(extra="".join(f' a{n}="{n}"' for n in range(200_000))),
    "deeply nested elements": bpmn(inner="<bpmn:documentation>" + "<x>" * 100_000 + "</x>" * 100_000
                                   + "</bpmn:documentation>"),
    "unclosed tag flood": HEAD + "<a>" * 200_000,
}
# Not refused, because inert: nothing in OneStop applies stylesheets; the test checks it stays inert.
STYLESHEET_PI = bpmn(doctype='<?xml-stylesheet type="text/xsl" href="file://SECRET"?>\n')

# Encodings a file may arrive in: without a byte order mark, UTF-16 and UTF-32 are told only by where the
# zero bytes fall, and a check on the raw bytes for "<!DOCTYPE" or NUL saw nothing or everything.
ENCODINGS = ("utf-16-le", "utf-16-be", "utf-16", "utf-32-le", "utf-32-be", "utf-32")
ENCODED_ATTACKS = ("XXE SYSTEM", "billion laughs", "lower-case doctype", "external DTD")


def encoded(text: str, encoding: str) -> bytes:
    """`text` in `encoding`, its XML declaration saying so (as an editor saving in that encoding writes it)."""
    return text.replace('encoding="UTF-8"', f'encoding="{encoding.upper()[:6]}"', 1).encode(encoding)
