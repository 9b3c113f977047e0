#!/usr/bin/env python3
"""Peer of the psirt-match bench: PyPI matching with the PyPI `osv` library (Google's OSV, `osv.ecosystems`) and,
beside it, `univers`. Benchmark helper only: never a runtime dependency of psirt.

Usage: osv_peer.py INPUT.json > OUTPUT.json

INPUT: {"advisories": [{"id", "affected": [{"name", "ranges", "versions"}]}],   (PyPI entries only)
        "components": [[component_id, name, version], ...]}
OUTPUT: {"<backend>": {"seconds": s, "compile_seconds": s, "findings": [[component_id, advisory_id], ...],
                       "invalid": [component_id whose version the backend rejects, ...],
                       "rejected": [advisory_id of an entry whose event versions the backend rejects, ...]}, ...,
         "unavailable": {"<backend>": "how to install"}}

One process runs the whole batch; the times are taken inside Python around the work (interpreter start and JSON
input/output excluded). Per backend: compile every entry (event versions through the backend's sort key, events
sorted), then evaluate every component instance against the entries of its package (PEP 503 name) with the OSV
schema's evaluation pseudo-code (docs/schema.md "Evaluation": the `versions` list, then each range's sorted events;
`limit` events bound a range). Each distinct version string is keyed once (a dict), as any sensible caller would.

Backends:
  osv      osv.ecosystems.get("PyPI").sort_key (packaging.version.parse: packaging<22, invalid versions become
           LegacyVersion and sort below every valid one)
  univers  univers.versions.PypiVersion (invalid versions raise: such a version matches only by text)

Exit status 3 with the install command on stderr when neither backend is importable (`osv` pins packaging<22:
install it in its own virtual environment, e.g. `python3 -m venv /work/tools/osv-venv &&
/work/tools/osv-venv/bin/pip install osv univers`, and point PSIRT_BENCH_PEER_PYTHON at its python).
"""
import json
import re
import sys
import time

INSTALL = "python3 -m venv /work/tools/osv-venv && /work/tools/osv-venv/bin/pip install osv univers"

BACKENDS = {}
UNAVAILABLE = {}
try:
    import osv.ecosystems  # noqa: E402

    BACKENDS["osv"] = osv.ecosystems.get("PyPI").sort_key
except Exception as e:  # ImportError, or a broken dependency of osv
    UNAVAILABLE["osv"] = f"{e}; install: {INSTALL}"
try:
    from univers.versions import PypiVersion

    BACKENDS["univers"] = PypiVersion
except Exception as e:
    UNAVAILABLE["univers"] = f"{e}; install: pip install univers"

ORDER = {"introduced": 0, "last_affected": 1, "fixed": 2}


def pep503(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def compile_entry(aff, key):
    """(versions as a set of texts, set of keys, [(sorted events, limits)]); None if an event version is rejected."""
    ranges = []
    for r in aff.get("ranges") or []:
        if r["type"] == "GIT":
            continue
        evs, limits = [], []
        for e in r["events"]:
            ((kind, raw),) = e.items()
            if kind == "limit":
                limits.append(None if raw == "*" else key(raw))
            elif kind == "introduced" and raw == "0":
                evs.append((0, None, kind))
            else:
                evs.append((1, key(raw), kind))
        # "introduced 0" first, then by version; at equal versions an opening event before a closing one.
        evs.sort(key=lambda e: (e[0], e[1], ORDER[e[2]]) if e[0] else (0,))
        ranges.append(([(k, v) for _, v, k in evs], limits))
    texts = list(aff.get("versions") or [])
    keys = []
    for v in texts:
        try:
            keys.append(key(v))
        except Exception:
            pass
    return set(texts), keys, ranges


def includes(entry, raw, v):
    texts, keys, ranges = entry
    if raw in texts:
        return True
    if v is None:
        return False
    if v in keys:
        return True
    for evs, limits in ranges:
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


def run(key, data):
    t0 = time.perf_counter()
    by_pkg = {}
    rejected = []
    for adv in data["advisories"]:
        for aff in adv["affected"]:
            try:
                entry = compile_entry(aff, key)
            except Exception:
                rejected.append(adv["id"])
                continue
            by_pkg.setdefault(pep503(aff["name"]), []).append((adv["id"], entry))
    t1 = time.perf_counter()
    findings = []
    keys = {}
    invalid = []
    for cid, name, version in data["components"]:
        entries = by_pkg.get(pep503(name))
        if not entries:
            continue
        if version in keys:
            v = keys[version]
        else:
            try:
                v = key(version)
            except Exception:
                v = None
            keys[version] = v
        if v is None:
            invalid.append(cid)
        seen = set()
        for aid, entry in entries:
            if aid not in seen and includes(entry, version, v):
                seen.add(aid)
                findings.append([cid, aid])
    t2 = time.perf_counter()
    return {"seconds": t2 - t0, "compile_seconds": t1 - t0, "rejected": rejected, "findings": findings,
            "invalid": invalid}


def main():
    if not BACKENDS:
        sys.stderr.write(f"no peer available ({UNAVAILABLE}); install: {INSTALL}\n")
        sys.exit(3)
    with open(sys.argv[1], encoding="utf-8") as f:
        data = json.load(f)
    out = {name: run(key, data) for name, key in BACKENDS.items()}
    out["unavailable"] = UNAVAILABLE
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
