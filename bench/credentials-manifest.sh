# Sourced by bench/credentials.sh and bench/credentials-callgrind.sh: the
# three-option bench manifest, with or without voter credentials.
# shellcheck shell=bash
manifest() { # manifest MODE VOTERS → stdout
  cat <<M
format = "urne-manifest/1"
event = "bench"
title = "Bench referendum"
authority = "urne bench"
is_test = true
voting_opens = "2027-01-22T09:00:00+01:00"
voting_closes = "2027-02-02T21:00:00+01:00"
postal_deadline = "2027-02-03T17:00:00+01:00"
voter_credentials = "$1"
evote_policy = "last_counts"
threshold = 2
keyholders = ["Keyholder 1", "Keyholder 2"]
leadership = ["Chair", "Deputy"]

[[referendum]]
id = "sim"
area = "Simulated municipality"
question = "Ja, nei eller blank?"
options = ["Ja", "Nei", "Blank"]
entitled = $2
M
}
