#!/usr/bin/env python3
"""Per-ballot instructions by function, with and without voter credentials
(BENCHMARKS.md, "Voter credentials"), from the callgrind outputs
bench/credentials-callgrind.sh leaves in its WORK directory:

    bench/callgrind-per-ballot.py WORK [unlock|verify]

For each mode (none, urne) the self cost of each function in the 3000-voter
run minus the 1000-voter run, divided by the ballots between the two boxes,
so that start-up drops out. Prints the functions whose cost differs most.
Needs callgrind_annotate (valgrind)."""
import re
import subprocess
import sys

from callgrind_boxes import per_ballot


def self_costs(path):
    out = subprocess.run(
        ["callgrind_annotate", "--auto=no", "--inclusive=no", "--threshold=100", path],
        capture_output=True, text=True, check=True).stdout
    costs = {}
    for line in out.splitlines():
        m = re.match(r"^\s*([\d,]+) \([\s\d.]+%\)\s+(.*)$", line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        name = re.sub(r" \[.*$", "", re.sub(r" \([\d,]+x\)", "", m.group(2)))
        name = re.sub(r"^.*?/src/", "", name)
        costs[name] = costs.get(name, 0) + int(m.group(1).replace(",", ""))
    return costs


def main():
    work = sys.argv[1]
    job = sys.argv[2] if len(sys.argv) > 2 else "verify"
    per = {}
    for mode in ("none", "urne"):
        per[mode] = per_ballot(work, job, mode, self_costs)
    total = {m: sum(v.values()) for m, v in per.items()}
    print(f"{job}, instructions a ballot: none {total['none']:,.0f}, urne {total['urne']:,.0f}"
          f" ({total['urne'] / total['none']:.2f}x)")
    print("| none | urne | extra | function |")
    print("|---:|---:|---:|---|")
    names = sorted(set(per["none"]) | set(per["urne"]),
                   key=lambda k: -abs(per["urne"].get(k, 0) - per["none"].get(k, 0)))
    for k in names[:20]:
        a, b = per["none"].get(k, 0), per["urne"].get(k, 0)
        print(f"| {a:,.0f} | {b:,.0f} | {b - a:+,.0f} | {k[-110:]} |")


if __name__ == "__main__":
    main()
