#!/usr/bin/env python3
"""Writes the version script of libauthkeep.so: the functions that the
public headers (include/authkeep/*.h) declare are exported, under the
version node AUTHKEEP_0, and every other symbol is local, the ak__ helpers
and the internal ak_ functions of lib/*_internal.h among them.
Usage: exports.py OUTPUT HEADER..."""
import re
import sys

COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
# A name followed by its parameter list (a function pointer type's name,
# "(*ak_http_transport)(", is followed by ")" and is not taken).
DECLARED = re.compile(r"(?<!\w)(ak_[a-z0-9][a-z0-9_]*)\s*\(")

names = set()
for path in sys.argv[2:]:
    with open(path, encoding="utf-8") as f:
        text = COMMENT.sub(" ", f.read())
    # Macros are not symbols.
    text = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))
    names.update(DECLARED.findall(text))

with open(sys.argv[1], "w", encoding="utf-8") as out:
    out.write("/* Made by lib/shared/exports.py from include/authkeep/*.h. */\n")
    out.write("AUTHKEEP_0 {\n  global:\n")
    for name in sorted(names):
        out.write("    %s;\n" % name)
    out.write("  local:\n    *;\n};\n")
