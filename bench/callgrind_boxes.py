"""What bench/callgrind-floor.py and bench/callgrind-per-ballot.py share: the
boxes bench/credentials-callgrind.sh leaves in its WORK directory, and a
cost a ballot as the 3000-voter run minus the 1000-voter run, divided by the
ballots between the two boxes, so that start-up drops out."""


def ballots(work, mode, voters):
    """The ballot records of WORK/box-MODE-VOTERS (its lines less header and seal)."""
    with open(f"{work}/box-{mode}-{voters}/box.jsonl") as f:
        return sum(1 for _ in f) - 2


def per_ballot(work, job, mode, costs):
    """{name: cost a ballot} for JOB (unlock, verify) in MODE (none, urne),
    `costs(path)` giving {name: cost} of one callgrind output."""
    small = costs(f"{work}/cg-{job}-{mode}-1000.out")
    large = costs(f"{work}/cg-{job}-{mode}-3000.out")
    n = ballots(work, mode, 3000) - ballots(work, mode, 1000)
    return {k: (large.get(k, 0) - small.get(k, 0)) / n for k in set(small) | set(large)}
