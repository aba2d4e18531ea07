"""Output safety, one place per format: text from the data (names, values, file paths, messages that quote them)
made inert for where it is shown.

- terminal: control characters (C0, DEL, C1: escape sequences, OSC titles and links, screen clearing), bidi
  overrides and undecodable bytes (lone surrogates of a non-UTF-8 file name) shown as visible escapes such as
  ``\\x1b``; Rich markup is never parsed in data (callers hand Rich ``Text``, never markup strings).
- markdown: HTML (``<``), link and image syntax, emphasis, code, pipes and line breaks escaped, so a
  value is shown as its text and never becomes a tag, a link, an image or a new table row.
- csv: see ``csctl.render.values.escape_formulas`` (cells, header cells included, that a spreadsheet would run).
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, bidi embeddings/overrides/isolates, lone surrogates
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_UNSAFE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x09:
        return "\\t"
    if code == 0x0A:
        return "\\n"
    if code == 0x0D:
        return "\\r"
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal(text: object, *, lines: bool = False) -> str:
    """``text`` safe to print on a terminal; with ``lines`` newlines and tabs stay (a message of several lines)."""
    return (_UNSAFE if lines else _UNSAFE_LINE).sub(_visible, str(text))


_MD_SPECIAL = re.compile(r"([\\`*\[\]|~])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_MD_LEADING = re.compile(r"^(\s*)(?:([#>+-]|=+$)|(\d+)([.)]))(?=\s|$)")


def markdown(text: object) -> str:
    """``text`` as Markdown that renders as the text itself, on one line (a table cell, a list item, a sentence):
    no tag, no link or image, no emphasis or code, no new table row or cell, no heading, quote or list."""
    value = terminal(str(text).replace("\r\n", " ").replace("\r", " ").replace("\n", " ").replace("\t", " "))
    value = value.replace("<", "&lt;")  # no tag can open: <script>, <img onerror=…>, <!--, autolinks
    value = _MD_SPECIAL.sub(lambda m: "\\" + m.group(), value)
    return _MD_LEADING.sub(_leading, value)


def _leading(match: re.Match[str]) -> str:
    if match.group(2):
        return match.group(1) + "\\" + match.group(2)
    return match.group(1) + match.group(3) + "\\" + match.group(4)
