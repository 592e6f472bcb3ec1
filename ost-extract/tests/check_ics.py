#!/usr/bin/env python3
"""Checks iCalendar files written by ost-extract.

Every file given is parsed with `icalendar`; its physical lines must end in CRLF and be at
most 75 octets; every TZID used must have a VTIMEZONE; every VEVENT and VTODO must have a
UID; and `recurring_ical_events` must expand every series (VEVENT and VTODO) from 1990 to
2040 without error. Exits 1 on the first failing file (after checking all of them).

With --occurrences, prints a JSON object {file: [occurrence, ...]} where each occurrence
has "uid", "start" and "end" (local wall time of the event's own zone, ISO 8601, or a date)
and "summary", sorted by start, for comparing with another expansion.
"""

import datetime
import json
import sys

import icalendar
import recurring_ical_events


def wall(value):
    """Local wall-clock text of a date or date-time, in its own zone."""
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None).isoformat()
    return value.isoformat()


def check_lines(raw):
    for number, line in enumerate(raw.split(b"\r\n"), 1):
        if b"\n" in line or b"\r" in line:
            raise ValueError(f"line {number}: bare CR or LF")
        if len(line) > 75:
            raise ValueError(f"line {number}: {len(line)} octets (more than 75)")
    if not raw.endswith(b"\r\n"):
        raise ValueError("file does not end with CRLF")


def check_file(path):
    with open(path, "rb") as f:
        raw = f.read()
    check_lines(raw)
    cal = icalendar.Calendar.from_ical(raw)
    zones = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    for comp in cal.walk():
        if comp.name in ("VEVENT", "VTODO") and "UID" not in comp:
            raise ValueError(f"{comp.name} without UID")
        if comp.name == "VEVENT" and "DTSTART" not in comp:
            raise ValueError("VEVENT without DTSTART")
        for name, prop in comp.property_items(recursive=False):
            params = getattr(prop, "params", None) or {}
            tzid = params.get("TZID") if hasattr(params, "get") else None
            if tzid and str(tzid) not in zones:
                raise ValueError(f"{name} uses TZID {tzid!r} that has no VTIMEZONE")
    query = recurring_ical_events.of(cal, components=["VEVENT", "VTODO"])
    occurrences = []
    for occ in query.between(datetime.date(1990, 1, 1), datetime.date(2040, 1, 1)):
        start = occ.get("DTSTART")
        end = occ.get("DTEND") or occ.get("DUE")
        occurrences.append(
            {
                "uid": str(occ.get("UID")),
                "start": wall(start.dt) if start is not None else None,
                "end": wall(end.dt) if end is not None else None,
                "summary": str(occ.get("SUMMARY", "")),
            }
        )
    occurrences.sort(key=lambda o: (o["start"] or "", o["uid"]))
    return occurrences


def main(argv):
    args = argv[1:]
    want_json = False
    if args and args[0] == "--occurrences":
        want_json = True
        args = args[1:]
    if not args:
        print("usage: check_ics.py [--occurrences] FILE...", file=sys.stderr)
        return 2
    failed = 0
    result = {}
    for path in args:
        try:
            result[path] = check_file(path)
        except Exception as e:  # report every failing file, then fail
            failed += 1
            print(f"FAIL {path}: {type(e).__name__}: {e}", file=sys.stderr)
    if want_json:
        json.dump(result, sys.stdout, indent=1)
        print()
    else:
        for path, occ in result.items():
            print(f"ok {path}: {len(occ)} occurrence(s) 1990-2040")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
