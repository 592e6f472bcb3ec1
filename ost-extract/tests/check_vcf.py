#!/usr/bin/env python3
"""Checks converted contacts with Python's vobject.

Usage: check_vcf.py PATH... [--expect-cards N]

PATH is a .vcf file or a directory (every *.vcf under it). For each file:
  - the bytes are UTF-8, every line ends in CRLF and no line is longer than 75 octets;
  - vobject.readComponents parses every card; each is a VCARD with VERSION 3.0 or 4.0, one
    FN and a UID; PHOTO values decode (3.0 base64, 4.0 data: URI, read from the text because
    vobject cuts URI values at commas).
Prints the counts as JSON on stdout. Exits 1 on any problem (or when --expect-cards does not
match), 3 when vobject is not installed.
"""

import argparse
import base64
import json
import os
import sys

try:
    import vobject
except ImportError:  # the Rust test decides whether that is fatal
    print("vobject is not installed", file=sys.stderr)
    sys.exit(3)


def vcf_files(paths):
    """Every .vcf file named or under a named directory, sorted."""
    out = []
    for p in paths:
        if os.path.isdir(p):
            for root, _dirs, files in os.walk(p):
                out.extend(os.path.join(root, f) for f in files if f.lower().endswith(".vcf"))
        else:
            out.append(p)
    return sorted(out)


def check_lines(path, data, problems):
    """Encoding, line endings and line length (RFC 6350 3.2, RFC 2425 5.8.1)."""
    try:
        data.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        problems.append({"file": path, "problem": f"not UTF-8: {e}"})
    if data and not data.endswith(b"\r\n"):
        problems.append({"file": path, "problem": "does not end in CRLF"})
    for n, line in enumerate(data.split(b"\r\n"), 1):
        if b"\n" in line or b"\r" in line:
            problems.append({"file": path, "line": n, "problem": "bare CR or LF"})
        if len(line) > 75:
            problems.append({"file": path, "line": n, "problem": f"{len(line)} octets"})


def check_raw_photos(path, text, problems, counts):
    """4.0 photos are data: URIs (RFC 6350 6.2.4), which vobject cuts at the comma; decode them
    from the unfolded text instead."""
    version = None
    for line in text.replace("\r\n ", "").split("\r\n"):
        if line.startswith("VERSION:"):
            version = line[len("VERSION:"):]
        if version != "4.0" or not line.upper().startswith("PHOTO"):
            continue
        value = line.split(":", 1)[1] if ":" in line else ""
        try:
            if not value.startswith("data:image/") or ";base64," not in value:
                raise ValueError("not a base64 data: URI of an image")
            if not base64.b64decode(value.split(";base64,", 1)[1], validate=True):
                raise ValueError("empty")
            counts["photos"] += 1
        except Exception as e:  # noqa: BLE001 - any decoding failure is a problem
            problems.append({"file": path, "problem": f"4.0 PHOTO does not decode: {e}"})


def check_card(path, index, card, problems, counts):
    """One parsed card."""
    where = {"file": path, "card": index}
    if card.name != "VCARD":
        problems.append(dict(where, problem=f"component {card.name}"))
        return
    version = card.contents.get("version", [])
    if len(version) != 1 or version[0].value not in ("3.0", "4.0"):
        problems.append(dict(where, problem="VERSION missing or not 3.0/4.0"))
    if len(card.contents.get("fn", [])) != 1 or not card.fn.value.strip():
        problems.append(dict(where, problem="FN missing, repeated or empty"))
    if len(card.contents.get("uid", [])) != 1:
        problems.append(dict(where, problem="UID missing or repeated"))
    kind = card.contents.get("kind", []) or card.contents.get("x-addressbookserver-kind", [])
    if kind and kind[0].value.lower() == "group":
        counts["groups"] += 1
        members = card.contents.get("member", []) + card.contents.get("x-addressbookserver-member", [])
        counts["members"] += len(members)
    if version and version[0].value == "4.0":
        return  # vobject reads 4.0 URI values as text lists; check_raw_photos covers them
    for photo in card.contents.get("photo", []):
        value = photo.value
        try:
            if isinstance(value, bytes):
                data = value  # vobject decoded ENCODING=b already
            elif value.startswith("data:") and ";base64," in value:
                data = base64.b64decode(value.split(";base64,", 1)[1], validate=True)
            else:
                data = base64.b64decode(value, validate=True)
            if not data:
                problems.append(dict(where, problem="empty PHOTO"))
            counts["photos"] += 1
        except Exception as e:  # noqa: BLE001 - any decoding failure is a problem
            problems.append(dict(where, problem=f"PHOTO does not decode: {e}"))
    # Every property value must be readable as what vobject makes of it.
    for lines in card.contents.values():
        for line in lines:
            _ = line.value


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--expect-cards", type=int)
    args = ap.parse_args()
    problems = []
    counts = {"files": 0, "cards": 0, "groups": 0, "members": 0, "photos": 0}
    for path in vcf_files(args.paths):
        counts["files"] += 1
        with open(path, "rb") as f:
            data = f.read()
        check_lines(path, data, problems)
        text = data.decode("utf-8", errors="replace")
        check_raw_photos(path, text, problems, counts)
        try:
            for i, card in enumerate(vobject.readComponents(text, validate=False)):
                counts["cards"] += 1
                check_card(path, i, card, problems, counts)
        except Exception as e:  # noqa: BLE001 - a parse failure is what we look for
            problems.append({"file": path, "problem": f"vobject: {type(e).__name__}: {e}"})
    if args.expect_cards is not None and counts["cards"] != args.expect_cards:
        problems.append({"problem": f"{counts['cards']} cards, expected {args.expect_cards}"})
    print(json.dumps({"counts": counts, "problems": problems[:50]}, indent=1))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
