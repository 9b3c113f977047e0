#!/usr/bin/env python3
"""Oracle for tests/oracle.rs: scores CVSS vectors with Red Hat's `cvss` package (PyPI).

Usage: oracle.py IN OUT. IN has one vector per line; OUT gets, per line, the package's clean
vector, its scores (one decimal, or None) and severities, space separated, or "ERROR ...".
Exit 3 if the package is missing, 4 if another version than the pinned one is installed.
"""
import sys

PINNED = "3.6"
INSTALL = "python3 -m pip install cvss==" + PINNED

try:
    from importlib.metadata import version

    from cvss import CVSS2, CVSS3, CVSS4
except ImportError as e:
    print("oracle: the cvss package is missing (%s); install it: %s" % (e, INSTALL), file=sys.stderr)
    sys.exit(3)

installed = version("cvss")
if installed != PINNED:
    print("oracle: cvss %s is installed but the tests pin %s: %s" % (installed, PINNED, INSTALL),
          file=sys.stderr)
    sys.exit(4)


def fmt(score):
    if score is None:
        return "None"
    if score == 0:
        return "0.0"  # the package returns -0.0 for some v2 vectors
    return "%.1f" % score


def main(src, dst):
    with open(src, encoding="utf-8") as inp, open(dst, "w", encoding="utf-8") as out:
        for line in inp:
            vector = line.rstrip("\n")
            try:
                if vector.startswith("CVSS:4.0/"):
                    c = CVSS4(vector)
                elif vector.startswith("CVSS:3."):
                    c = CVSS3(vector)
                else:
                    c = CVSS2(vector)
                fields = [c.clean_vector()] + [fmt(s) for s in c.scores()] + list(c.severities())
                out.write(" ".join(fields) + "\n")
            except Exception as e:  # report, never stop: the Rust side lists differences
                out.write("ERROR %s: %s\n" % (type(e).__name__, str(e).replace("\n", " ")))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
