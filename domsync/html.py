"""HTML in and out of the model: parsing with html5lib, serialising as a browser does.

Parsing uses html5lib, which implements the HTML standard's parser, in the context of
the element whose ``innerHTML`` is set, so ``table.innerHTML = "<tr>..."`` gets the
``<tbody>`` a browser would add.

Serialising follows the HTML standard's fragment serialisation algorithm (the one behind
a browser's ``innerHTML`` getter) rather than html5lib's serializer, whose output is
tuned for documents (optional tags, quoting choices) and differs from what a browser's
``innerHTML`` returns. The model and the browser must print the same text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Protocol, Sequence, cast

import html5lib

from . import csp, names
from .attributes import share
from .names import MATHML_NAMESPACE, SVG_NAMESPACE

if TYPE_CHECKING:  # pragma: no cover
    from .document import Document
    from .element import Element

__all__ = ["parse_fragment", "serialize_children", "serialize_element"]

VOID_ELEMENTS = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr", "basefont", "bgsound", "frame", "keygen", "param",
})
RAW_TEXT_ELEMENTS = frozenset({
    "style", "script", "xmp", "iframe", "noembed", "noframes", "plaintext", "noscript",
})
_ATTRIBUTE_PREFIXES = {
    "http://www.w3.org/1999/xlink": "xlink:",
    "http://www.w3.org/XML/1998/namespace": "xml:",
    "http://www.w3.org/2000/xmlns/": "xmlns:",
}
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "\u00a0": "&nbsp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE_ESCAPES = str.maketrans({
    "&": "&amp;", "\u00a0": "&nbsp;", '"': "&quot;", "<": "&lt;", ">": "&gt;",
})


# ---------------------------------------------------------------------- parsing

def _split_qualified(name: str) -> tuple[str | None, str]:
    if name[:1] == "{":
        ns, _, local = name[1:].partition("}")
        return ns, local
    return None, name


def _attribute_name(raw: str) -> str:
    ns, local = _split_qualified(raw)
    if ns is None:
        return local
    if ns == "http://www.w3.org/2000/xmlns/" and local == "xmlns":
        return "xmlns"
    return _ATTRIBUTE_PREFIXES.get(ns, "") + local


def parse_fragment(document: "Document", markup: str, context: Element) -> list["Element | str"]:
    """Parse ``markup`` as the browser would for ``context.innerHTML = markup``.

    Returns:
        The new children: ``str`` for text, and new elements (not yet attached) for
        elements. Comments are left out.

    Raises:
        InvalidNameError: for a tag or attribute name that the DOM API cannot create.
        UnsafeValueError: for event handler attributes and ``javascript:`` URLs.
    """
    if context._ns == SVG_NAMESPACE or context._ns == MATHML_NAMESPACE:
        return _parse_in_foreign_context(document, markup, context)
    container = context._tag if context is not document._root else "div"
    return _convert_children(document, _parser().parseFragment(markup, container=container))


_TABLE_TEXT_NODES = frozenset({"table", "tbody", "tfoot", "thead", "tr", "template", "html"})


def _parser() -> "html5lib.HTMLParser":
    """An html5lib parser with two fixes, so that ``<pre>``, ``<listing>`` and
    ``<textarea>`` in table contexts drop their first newline as a browser does:

    - in the "in table" insertion mode, text whose current node is not a table element
      follows the "in body" rules, as the HTML standard says (html5lib always sends it
      to "in table text");
    - in the "in cell" and "in caption" modes, whitespace follows the "in body" rules
      like other text (html5lib inserted it directly).
    """
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False)
    in_table = parser.phases["inTable"]
    in_body = parser.phases["inBody"]

    class InTable(type(in_table)):  # type: ignore[misc]  # html5lib makes the phase classes at run time
        __slots__ = ()

        def processSpaceCharacters(self, token):
            if self.tree.openElements[-1].name in _TABLE_TEXT_NODES:
                return super().processSpaceCharacters(token)
            return in_body.processSpaceCharacters(token)

        def processCharacters(self, token):
            if self.tree.openElements[-1].name in _TABLE_TEXT_NODES:
                return super().processCharacters(token)
            return in_body.processCharacters(token)

    parser.phases["inTable"] = InTable(parser, parser.tree)
    for name in ("inCell", "inCaption"):
        phase = parser.phases[name]

        class InBodyWhitespace(type(phase)):  # type: ignore[misc]  # made at run time, as above
            __slots__ = ()

            def processSpaceCharacters(self, token):
                return in_body.processSpaceCharacters(token)

        parser.phases[name] = InBodyWhitespace(parser, parser.tree)
    return parser


# Elements whose content the HTML parser reads as HTML, not as SVG or MathML.
_INTEGRATION_POINTS = {
    SVG_NAMESPACE: ("svg", {"foreignObject", "desc", "title"}),
    MATHML_NAMESPACE: ("math", {"mi", "mo", "mn", "ms", "mtext", "annotation-xml"}),
}


def _parse_in_foreign_context(document: "Document", markup: str, context: Element) -> list["Element | str"]:
    """Parse markup for an SVG or MathML element's innerHTML.

    html5lib only takes HTML context elements, so the markup is parsed inside wrapper
    elements that put the parser in the same state (``<svg>``, or ``<svg><foreignObject>``
    for an integration point). Markup that breaks out of foreign content (``<b>``,
    ``<p>``...) ends up after the wrappers, where the browser's fragment parser would
    also put it: among the context's children, in HTML.
    """
    assert context._ns is not None  # parse_fragment calls this for SVG and MathML only
    root_tag, html_inside = _INTEGRATION_POINTS[context._ns]
    wrappers = [root_tag] + ([context._tag] if context._tag in html_inside else [])
    prefix = "".join(f"<{tag}>" for tag in wrappers)
    tree = _parser().parseFragment(prefix + markup, container="div")
    levels = []
    node = tree
    for _ in wrappers:
        if not len(node):
            break
        levels.append(node)
        node = node[0]
    parts = _convert_children(document, node)
    # Whatever broke out of each wrapper follows it, innermost first.
    for level in reversed(levels):
        trailing = level[0].tail
        if trailing:
            if parts and type(parts[-1]) is str:
                parts[-1] += trailing
            else:
                parts.append(trailing)
        for child in level[1:]:
            if isinstance(child.tag, str):
                parts.append(_convert_element(document, child))
            if child.tail:
                if parts and type(parts[-1]) is str:
                    parts[-1] += child.tail
                else:
                    parts.append(child.tail)
    return parts


def _convert_children(document: "Document", node: Any) -> list["Element | str"]:
    parts: list[Element | str] = []

    def add_text(text: str | None) -> None:
        if text:
            if parts and type(parts[-1]) is str:
                parts[-1] += text
            else:
                parts.append(text)

    add_text(node.text)
    for child in node:
        if isinstance(child.tag, str):
            parts.append(_convert_element(document, child))
        add_text(child.tail)
    return parts


def _convert_element(document: "Document", node: Any) -> Element:
    ns, local = _split_qualified(node.tag)
    if ns == "http://www.w3.org/1999/xhtml":
        ns = None
    tag = names.check_tag_name(local, ns or names.HTML_NAMESPACE)
    if tag == "style" and document.strict_csp:
        csp.check_element(tag)
    key = document._next_key
    document._next_key = key + 1
    el = document._element_class(document, key, tag, ns, 0)
    if node.attrib:
        attrs = []
        for raw_name, value in node.attrib.items():
            name = names.check_attribute_name(_attribute_name(raw_name), html=False)
            names.check_url_value(name, value, tag)
            if document.strict_csp:
                csp.check_attribute(tag, name)
            attrs.append(name)
            attrs.append(value)
        el._attrs = share(tuple(attrs))
    kids = _convert_children(document, node)
    for kid in kids:
        if type(kid) is not str:
            cast("Element", kid)._parent = el  # mypy does not narrow type(kid) is not str
    if len(kids) == 1 and type(kids[0]) is str:
        el._kids = kids[0]
    elif kids:
        el._kids = kids
    return el


# ---------------------------------------------------------------------- serialising

class SerializableElement(Protocol):
    """What the serializer reads of an element: an :class:`~domsync.Element`, or a
    :class:`~domsync.mirror.MirrorElement`, which prints HTML exactly as the model does.

    ``_kids`` holds the children: ``None``, one text node (a ``str``), or a sequence of
    elements and ``str``.
    """

    @property
    def _tag(self) -> str: ...
    @property
    def _ns(self) -> str | None: ...
    @property
    def _kids(self) -> "None | str | Sequence[SerializableElement | str]": ...
    def _attr_flat(self) -> Sequence[str]: ...


def serialize_children(element: SerializableElement) -> str:
    """The browser's ``innerHTML`` for ``element``, computed from the model."""
    out: list[str] = []
    _serialize_kids(element, out)
    return "".join(out)


def serialize_element(element: SerializableElement) -> str:
    """The browser's ``outerHTML`` for ``element``, computed from the model."""
    out: list[str] = []
    _serialize_element(element, out)
    return "".join(out)


def _serialize_kids(element: SerializableElement, out: list[str]) -> None:
    kids = element._kids
    if kids is None:
        return
    raw = element._tag in RAW_TEXT_ELEMENTS and element._ns is None
    if type(kids) is str:
        out.append(kids if raw else kids.translate(_TEXT_ESCAPES))
        return
    for kid in cast("Sequence[Any]", kids):  # not a str (mypy does not narrow type(x) is str)
        if type(kid) is str:
            out.append(kid if raw else kid.translate(_TEXT_ESCAPES))
        else:
            _serialize_element(kid, out)


def _serialize_element(element: SerializableElement, out: list[str]) -> None:
    tag = element._tag
    out.append("<" + tag)
    flat = element._attr_flat()  # names and values, alternately
    for i in range(0, len(flat), 2):
        out.append(f' {flat[i]}="{flat[i + 1].translate(_ATTRIBUTE_ESCAPES)}"')
    out.append(">")
    if tag in VOID_ELEMENTS and element._ns is None:
        return
    _serialize_kids(element, out)
    out.append(f"</{tag}>")
