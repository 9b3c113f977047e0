#!/usr/bin/env python3
"""Independent oracle for tests/corpus.rs: which OSV advisories affect which purls.

Reads one JSON object on stdin: {"advisories": [{"id", "affected": [{"ecosystem", "name", "ranges", "versions"}]}],
"purls": ["pkg:...@version", ...]} and writes one JSON object: {"findings": [[purl, id], ...], "evaluated": [purl,
...], "unsupported": n, "rejected": [[purl, reason], ...]}.

Everything here is written apart from the Rust engine: its own purl parsing and name normalisation, versions from
`packaging` (PEP 440) and `univers` (Go, SemVer, Composer, RPM), and the OSV schema's evaluation pseudo-code
(docs/schema.md, "Evaluation"). Ecosystems covered: PyPI, Go, crates.io, Bitnami, Packagist, AlmaLinux. A purl of
another ecosystem is not evaluated ("unsupported"); a purl whose version, or whose package's event versions, the
reference rejects is reported in "rejected" and not compared.

A missing reference exits with status 3 and the install command on stderr.
"""
import json
import re
import sys
from urllib.parse import unquote

INSTALL = "pip install packaging==26.3 univers==32.0.1 semantic-version==2.10.0 semver==3.1.2 attrs==26.1.0"

try:
    from packaging.version import Version as Pep440
    from univers.versions import ComposerVersion, GolangVersion, RpmVersion, SemverVersion
except ImportError as e:
    sys.stderr.write(f"oracle missing ({e}); install it with: {INSTALL}\n")
    sys.exit(3)


def strict(cls):
    def parse(s):
        if not cls.is_valid(s):
            raise ValueError(s)
        return cls(s)
    return parse


PARSERS = {
    "PyPI": Pep440,
    "Go": strict(GolangVersion),
    "crates.io": strict(SemverVersion),
    "Bitnami": strict(SemverVersion),
    "Packagist": strict(ComposerVersion),
    "AlmaLinux": strict(RpmVersion),
}


def pep503(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def osv_key(ecosystem, name):
    base, _, suffix = ecosystem.partition(":")
    if base not in PARSERS:
        return None
    if base == "PyPI":
        name = pep503(name)
    elif base in ("Go", "Packagist"):
        name = name.lower()
    release = suffix.split(".")[0] if base == "AlmaLinux" and suffix else None
    return (base, release, name)


def parse_purl(s):
    """(type, namespace, name, version, qualifiers) of a purl, or None."""
    if not s.startswith("pkg:"):
        return None
    s = s[4:].split("#", 1)[0]
    s, _, qs = s.partition("?")
    quals = {}
    for kv in filter(None, qs.split("&")):
        k, _, v = kv.partition("=")
        quals[k.lower()] = unquote(v)
    s = s.strip("/")
    ty, _, rest = s.partition("/")
    segs = rest.split("/")
    last = segs[-1]
    version = None
    if "@" in last:
        last, _, version = last.rpartition("@")
        version = unquote(version)
    segs[-1] = last
    segs = [unquote(x) for x in segs if x]
    if not segs:
        return None
    return ty.lower(), "/".join(segs[:-1]) or None, segs[-1], version, quals


def purl_key(purl):
    p = parse_purl(purl)
    if p is None:
        return None, None
    ty, ns, name, version, quals = p
    if ty == "pypi":
        return ("PyPI", None, pep503(name)), version
    if ty == "golang":
        return ("Go", None, (f"{ns}/{name}" if ns else name).lower()), version
    if ty == "cargo":
        return ("crates.io", None, name), version
    if ty == "bitnami":
        return ("Bitnami", None, name), version
    if ty == "composer":
        return ("Packagist", None, (f"{ns}/{name}" if ns else name).lower()), version
    if ty == "rpm" and (ns or "").lower() == "almalinux":
        distro = quals.get("distro", "")
        release = distro.rsplit("-", 1)[-1].split(".")[0] if distro else None
        if quals.get("epoch") and version and ":" not in version:
            version = f"{quals['epoch']}:{version}"
        return ("AlmaLinux", release, name), version
    return None, version


class Entry:
    """One affected[] entry, its event versions replaced by their rank in the reference's order of the package's
    versions (a version the reference rejects raises)."""

    def __init__(self, aff, rank):
        self.ranges = []  # (sorted events without limits, limits)
        for r in aff.get("ranges") or []:
            if r["type"] == "GIT":
                continue
            evs, limits = [], []
            for e in r["events"]:
                (kind, raw), = e.items()
                if kind == "limit":
                    limits.append(None if raw == "*" else rank(raw))
                elif kind == "introduced" and raw == "0":
                    evs.append((kind, None))
                else:
                    evs.append((kind, rank(raw)))
            self.ranges.append((sort_events(evs), limits))
        self.versions = list(aff.get("versions") or [])
        self.ranked_versions = set()
        for v in self.versions:
            try:
                self.ranked_versions.add(rank(v))
            except Exception:
                pass

    def includes(self, raw, v):
        """The schema's pseudo-code: the versions list, then each range's sorted events; below some limit."""
        if raw in self.versions or v in self.ranked_versions:
            return True
        for evs, limits in self.ranges:
            vulnerable = False
            for kind, x in evs:
                if kind == "introduced" and (x is None or v >= x):
                    vulnerable = True
                elif kind == "fixed" and v >= x:
                    vulnerable = False
                elif kind == "last_affected" and v > x:
                    vulnerable = False
            if vulnerable and limits and None not in limits:
                vulnerable = any(v < x for x in limits)
            if vulnerable:
                return True
        return False


def sort_events(evs):
    """Sort (kind, rank-or-None) events: None (introduced 0) first, then by version; at equal versions an opening
    event before a closing one (so `introduced: X, fixed: X` is empty)."""
    order = {"introduced": 0, "last_affected": 1, "fixed": 2}
    return sorted(evs, key=lambda e: (e[1] is not None, e[1] or 0, order[e[0]]))


def ranks(eco, strings):
    """Rank every version string of one package in the reference's order (equal versions share a rank): each
    comparison is then an integer one. Unparsable strings are left out."""
    parse = PARSERS[eco]
    parsed = []
    for s in strings:
        try:
            parsed.append((parse(s), s))
        except Exception:
            pass
    # Sorting needs only `<`; sorted neighbours are equal when the first is not below the second.
    parsed.sort(key=lambda p: p[0])
    out, r = {}, 0
    for i, p in enumerate(parsed):
        if i and parsed[i - 1][0] < p[0]:
            r += 1
        out[p[1]] = r
    return out


def event_strings(aff):
    for r in aff.get("ranges") or []:
        if r["type"] != "GIT":
            for e in r["events"]:
                for v in e.values():
                    if v not in ("0", "*"):
                        yield v
    yield from aff.get("versions") or []


def main():
    data = json.load(sys.stdin)
    raw_entries, strings = {}, {}  # key -> [(id, affected)], key -> version strings
    for adv in data["advisories"]:
        for aff in adv["affected"]:
            key = osv_key(aff["ecosystem"], aff["name"])
            if key is None:
                continue
            raw_entries.setdefault(key, []).append((adv["id"], aff))
            strings.setdefault(key, set()).update(event_strings(aff))
    queries = []
    for purl in data["purls"]:
        key, version = purl_key(purl)
        queries.append((purl, key, version))
        if key in strings and version is not None:
            strings[key].add(version)
    entries = {}  # key -> (rank of version string, [(id, Entry or error)])
    for key, affs in raw_entries.items():
        rank_of = ranks(key[0], strings[key])

        def rank(s):
            if s not in rank_of:
                raise ValueError(f"{key[0]} reference rejects {s!r}")
            return rank_of[s]
        lst = []
        for aid, aff in affs:
            try:
                lst.append((aid, Entry(aff, rank)))
            except Exception as e:
                lst.append((aid, f"event version rejected: {e}"))
        entries[key] = (rank_of, lst)
    findings, evaluated, rejected, unsupported = [], [], [], 0
    for purl, key, version in queries:
        if key is None:
            unsupported += 1
            continue
        if version is None:
            rejected.append([purl, "no version"])
            continue
        rank_of, cands = entries.get(key, ({}, []))
        if key in entries:
            ok, v = version in rank_of, rank_of.get(version)
        else:
            try:
                PARSERS[key[0]](version)
                ok, v = True, None
            except Exception:
                ok = False
        if not ok:
            rejected.append([purl, f"{key[0]} reference rejects version {version!r}"])
            continue
        bad = [e for _, e in cands if isinstance(e, str)]
        if bad:
            rejected.append([purl, bad[0]])
            continue
        hits = sorted({aid for aid, e in cands if e.includes(version, v)})
        findings.extend([purl, aid] for aid in hits)
        evaluated.append(purl)
    json.dump({"findings": findings, "evaluated": evaluated, "unsupported": unsupported, "rejected": rejected},
              sys.stdout)


if __name__ == "__main__":
    main()
