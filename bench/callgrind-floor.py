#!/usr/bin/env python3
"""Verify's instructions a ballot beside its curve floor (BENCHMARKS.md,
"Ballot format 2", third session), from the callgrind outputs
bench/credentials-callgrind.sh leaves in its WORK directory:

    bench/callgrind-floor.py WORK [none|urne]

For the mode given (default none), the inclusive cost of decoding points
(`CompressedRistretto::decompress`) and of the batches' multiscalar
multiplications (`EdwardsPoint::optional_multiscalar_mul`) in the 3000-voter
run minus the 1000-voter run, divided by the ballots between the two boxes,
so that start-up drops out; their sum is the floor (the decodes and batch
terms verify cannot do without), and the whole run's count a ballot over it
is verify's distance from the floor. Needs callgrind_annotate (valgrind)."""
import re
import subprocess
import sys

from callgrind_boxes import per_ballot

PATTERNS = {
    "decode": r"CompressedRistretto::decompress \[",
    "multiscalar": r"<curve25519_dalek::edwards::EdwardsPoint as "
                   r"curve25519_dalek::traits::VartimeMultiscalarMul>::optional_multiscalar_mul \[",
}


def inclusive(path):
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", path],
                         capture_output=True, text=True, check=True).stdout
    total = re.search(r"([\d,]+) \(100.0%\)\s+PROGRAM TOTALS", out).group(1)
    costs = {"total": int(total.replace(",", ""))}
    for k, p in PATTERNS.items():
        costs[k] = sum(int(m.group(1).replace(",", "")) for m in
                       re.finditer(r"^\s*([\d,]+) \([\s\d.]+%\)\s+\S*" + p, out, re.M))
    return costs


def main():
    work = sys.argv[1]
    mode = sys.argv[2] if len(sys.argv) > 2 else "none"
    per = per_ballot(work, "verify", mode, inclusive)
    floor = per["decode"] + per["multiscalar"]
    print(f"verify ({mode}), instructions a ballot: {per['total']:,.0f}; decoding "
          f"{per['decode']:,.0f}, multiscalar {per['multiscalar']:,.0f}, floor {floor:,.0f}; "
          f"{per['total'] / floor:.3f}x the floor")


if __name__ == "__main__":
    main()
