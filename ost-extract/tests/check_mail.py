#!/usr/bin/env python3
"""Checks converted mail with Python's own e-mail parser (policy default).

Usage: check_mail.py DIR [--manifest EXPECTED.json ...] [--mail-only] [--sha256-list FILE]

Parses every *.eml file under DIR and every message of every *.mbox file under DIR with
email.policy.default and walks each message recursively (multiparts and message/rfc822
parts). Reports:
  - defects: the parser's defects on any part, and on any header field it parses;
  - harmless defects, counted apart and not failing the check: the parser's complaints about
    a Message-ID, In-Reply-To or References field whose every id is one <...> token of
    printable ASCII without whitespace or angle brackets inside (Outlook's own ids,
    <...$...$@user@domain>, have two '@'; RFC 5322 wants one). The ids are the stored ones,
    written byte for byte so that a later merge can de-duplicate; importers compare them as
    opaque tokens (Python's own parser still reads the field, and Message-ID is not used to
    route or display mail);
  - problems: text parts whose content cannot be decoded, U+FFFD in decoded headers or file
    names (a sign of mojibake);
  - counts, as JSON on stdout: files, messages, parts, attachments, embedded messages,
    messages per mbox file and per EML directory;
  - with --manifest (the corpus' expected/NAME.json) or --sha256-list (one hex digest a line):
    every listed by-value attachment sha256 that no output part carries.
Exits 1 when there is any defect, problem or missing attachment, else 0.
"""

import argparse
import email
import email.policy
import hashlib
import json
import mailbox
import os
import sys


ID_FIELDS = ("message-id", "in-reply-to", "references")


def verbatim_ids(value):
    """Whether a message-id field is made only of usable <...> tokens (see the module doc)."""
    tokens = str(value).replace(",", " ").split()
    return bool(tokens) and all(
        len(t) > 2 and t[0] == "<" and t[-1] == ">"
        and all(0x21 <= ord(c) < 0x7F and c not in "<>" for c in t[1:-1])
        for t in tokens
    )


def walk_message(msg, where, report):
    """Walks one message and its parts, recording defects, problems and attachment digests."""
    for part in msg.walk():
        report["parts"] += 1
        for d in part.defects:
            report["defects"].append({"where": where, "defect": type(d).__name__, "text": str(d)})
        for name in set(part.keys()):
            for value in part.get_all(name, []):
                for d in getattr(value, "defects", ()):
                    entry = {"where": where, "header": name, "defect": type(d).__name__, "text": str(d)}
                    raw = [v for n, v in part.raw_items() if n.lower() == name.lower()]
                    if name.lower() in ID_FIELDS and raw and all(verbatim_ids(v) for v in raw):
                        report["harmless"].append(entry)
                    else:
                        report["defects"].append(entry)
                if "\ufffd" in str(value):
                    report["problems"].append({"where": where, "header": name, "problem": "U+FFFD in header"})
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            report["embedded"] += 1
            continue
        if part.is_multipart():
            continue
        filename = part.get_filename()
        if filename is not None and "\ufffd" in filename:
            report["problems"].append({"where": where, "problem": "U+FFFD in file name", "name": filename})
        disposition = part.get_content_disposition()
        if disposition in ("attachment", "inline") and (filename is not None or not ctype.startswith("text/")):
            report["attachments"] += 1
            data = part.get_payload(decode=True) or b""
            report["sha256"].add(hashlib.sha256(data).hexdigest())
        elif part.get_content_maintype() == "text":
            try:
                part.get_content()
            except Exception as e:  # noqa: BLE001 - any failure to decode is a finding
                report["problems"].append({"where": where, "problem": f"text not decodable: {e}"})


def is_mail_like(cls):
    """Mirror of ost_extract::mail::is_mail_like: the items the mail converter writes."""
    c = (cls or "").strip().lower()
    if c in ("", "ipm") or c.startswith("report."):
        return True

    def is_(p):
        return c == p or c.startswith(p + ".")

    if any(is_(p) for p in ("ipm.note", "ipm.schedule.meeting", "ipm.post", "ipm.stickynote",
                            "ipm.outlook.recall", "ipm.taskrequest")):
        return True
    if any(is_(p) for p in ("ipm.appointment", "ipm.contact", "ipm.task", "ipm.distlist",
                            "ipm.activity", "ipm.configuration", "ipm.microsoft")):
        return False
    return c.startswith("ipm.")


def expected_digests(args):
    digests = {}
    for path in args.manifest or []:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
        for folder in manifest.get("folders", []):
            for m in folder.get("messages", []):
                if args.mail_only and not is_mail_like(m.get("class")):
                    continue
                for a in m.get("attachments", []) or []:
                    if a.get("method") == 1 and a.get("sha256"):
                        digests[a["sha256"]] = f"{os.path.basename(path)}: {m.get('subject')!r} / {a.get('name')!r}"
    if args.sha256_list:
        with open(args.sha256_list, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    digests[line] = args.sha256_list
    return digests


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--manifest", action="append")
    ap.add_argument("--sha256-list")
    ap.add_argument("--mail-only", action="store_true",
                    help="with --manifest: only attachments of mail-like items are expected")
    ap.add_argument("--max-report", type=int, default=50)
    args = ap.parse_args()

    report = {
        "eml_files": 0,
        "mbox_files": 0,
        "mbox_messages": 0,
        "parts": 0,
        "attachments": 0,
        "embedded": 0,
        "defects": [],
        "harmless": [],
        "problems": [],
        "sha256": set(),
        "per_mbox": {},
        "per_eml_dir": {},
    }
    policy = email.policy.default
    for root, _dirs, files in os.walk(args.dir):
        for name in sorted(files):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, args.dir)
            if name.lower().endswith(".eml"):
                report["eml_files"] += 1
                d = os.path.relpath(root, args.dir)
                report["per_eml_dir"][d] = report["per_eml_dir"].get(d, 0) + 1
                with open(path, "rb") as f:
                    msg = email.message_from_binary_file(f, policy=policy)
                walk_message(msg, rel, report)
            elif name.lower().endswith(".mbox"):
                report["mbox_files"] += 1
                box = mailbox.mbox(path, create=False)
                n = 0
                try:
                    for key in box.keys():
                        msg = email.message_from_bytes(box.get_bytes(key), policy=policy)
                        walk_message(msg, f"{rel}#{n}", report)
                        n += 1
                finally:
                    box.close()
                report["mbox_messages"] += n
                report["per_mbox"][rel] = n

    expected = expected_digests(args)
    missing = sorted(k for k in expected if k not in report["sha256"])
    out = {k: v for k, v in report.items() if k not in ("sha256", "defects", "problems", "harmless")}
    out["harmless_defect_count"] = len(report["harmless"])
    out["harmless_defects"] = report["harmless"][: args.max_report]
    out["defect_count"] = len(report["defects"])
    out["problem_count"] = len(report["problems"])
    out["defects"] = report["defects"][: args.max_report]
    out["problems"] = report["problems"][: args.max_report]
    out["expected_sha256"] = len(expected)
    out["missing_sha256"] = [{"sha256": k, "what": expected[k]} for k in missing[: args.max_report]]
    out["missing_sha256_count"] = len(missing)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 1 if (report["defects"] or report["problems"] or missing) else 0


if __name__ == "__main__":
    sys.exit(main())
