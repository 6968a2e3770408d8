#!/usr/bin/env python3
"""Counts test cases over the JUnit XML files of one `bazel test` run.

deploy/test gives it one line per test target on stdin: "TARGET XMLPATH
STATUS", where STATUS is Bazel's word for the target in this run (PASSED,
FAILED, TIMEOUT, NO STATUS, ...) and XMLPATH is "-" when this run wrote no
XML for it (a target that did not build or run). It prints every case that
did not pass, then "N passed, N failed, N skipped".

Each <testcase> is judged by itself: a <failure> or <error> child fails it;
a <skipped> child, or gtest's result="skipped" (GTEST_SKIP) or
result="suppressed" (DISABLED_ tests), skips it. A target that failed or
timed out with no failing case of its own (a crash, a time-out, a suite
that ran no case) counts as one failure, and so does a target with no XML.
"""

import sys
import xml.etree.ElementTree as ET


def judge_cases(xml_path):
    """Yields (name, verdict) for every test case of one JUnit file."""
    root = ET.parse(xml_path).getroot()
    for case in root.iter("testcase"):
        name = case.get("classname", "") + "." + case.get("name", "")
        result = case.get("result", "")
        if case.find("failure") is not None or case.find("error") is not None:
            yield name, "failed"
        elif (case.find("skipped") is not None or result in ("skipped", "suppressed")
              or case.get("status") == "notrun"):
            yield name, "skipped"
        else:
            yield name, "passed"


def main():
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    not_passed = []
    for line in sys.stdin:
        parts = line.rstrip("\n").split(" ", 2)
        if len(parts) < 2 or not parts[0]:
            continue
        target, xml_path = parts[0], parts[1]
        status = parts[2] if len(parts) > 2 else ""
        if xml_path == "-":
            counts["failed"] += 1
            not_passed.append(f"FAILED  {target} (no result from this run: {status or 'not built'})")
            continue
        try:
            verdicts = list(judge_cases(xml_path))
        except (ET.ParseError, OSError) as error:
            counts["failed"] += 1
            not_passed.append(f"FAILED  {target} (unreadable test.xml: {error})")
            continue
        failed_here = 0
        for name, verdict in verdicts:
            counts[verdict] += 1
            if verdict != "passed":
                not_passed.append(f"{verdict.upper():7} {target}: {name}")
            failed_here += verdict == "failed"
        if failed_here == 0 and status not in ("PASSED", ""):
            counts["failed"] += 1
            not_passed.append(f"FAILED  {target} ({status} with no failing case: crash or time-out)")
        elif failed_here == 0 and not verdicts:
            counts["failed"] += 1
            not_passed.append(f"FAILED  {target} (ran no test case)")
    if not_passed:
        print("Cases that did not pass:")
        for entry in not_passed:
            print("  " + entry)
    print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    return 0 if counts["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
