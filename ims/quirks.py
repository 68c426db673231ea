"""Vendor deviations from IMS Enterprise 1.1 that the reader accepts.

Kept apart from the element readers so each quirk is named and tested once.
"""

from __future__ import annotations

from lxml import etree

from ims import tree


def roletype(role: etree._Element, child: etree._Element | None) -> str:
    """The role's ``roletype`` attribute or, as Capita SIS sends it, its ``<roletype>`` child."""
    # Moodle calls this its "Capita fix" (imscapitafix); the attribute wins when both are sent.
    return tree.attr(role, "roletype") or tree.text(child) or ""


def idtype(element: etree._Element | None) -> str:
    """A member's idtype from ``<idtype>1</idtype>`` (spec) or ``<idtype idtype="1"/>``."""
    if element is None:
        return "1"  # a member without idtype is a person, as in every feed seen
    return tree.attr(element, "idtype") or tree.text(element) or "1"
