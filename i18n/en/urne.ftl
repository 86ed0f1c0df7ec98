# urne — English (en). Every text a person reads, by id; src/i18n.rs explains
# how code uses them. To add a language, copy this file to i18n/<tag>/urne.ftl
# and translate the right-hand sides; keep the ids and the { $arguments }.

## How figures and times are written

# Digit group separator (numbers of five digits or more) and decimal sign.
fmt-group = ,
fmt-decimal = .
fmt-percent = { $value }%
# Arguments: $year, $month (1–12), $mm (01–12), $month-name, $day, $dd,
# $time (21:15:07), $hhmm (21:15), $zone (CET), $offset (+01:00).
fmt-datetime = { $day } { $month-name } { $year }, { $time } { $zone }
fmt-date = { $day } { $month-name } { $year }
fmt-month-1 = January
fmt-month-2 = February
fmt-month-3 = March
fmt-month-4 = April
fmt-month-5 = May
fmt-month-6 = June
fmt-month-7 = July
fmt-month-8 = August
fmt-month-9 = September
fmt-month-10 = October
fmt-month-11 = November
fmt-month-12 = December

## Shared by the documents

doc-page-of = Page { $page } of { $pages }
doc-times = All times are { $zone } time, to the second.
doc-option = Option
doc-votes = Votes
doc-share = Share
doc-electronic = Electronic
doc-postal = Postal
doc-total = Total
doc-turnout = Turnout
doc-evotes = E-votes

## The printable protocol

protocol-doc-title = Counting protocol
protocol-heading = Counting protocol — { $area }
protocol-test = TEST — this protocol is from a rehearsal, not a real count.
protocol-meta-event = Referendum
protocol-meta-authority = Electoral board
protocol-meta-question = Question
protocol-meta-made = Protocol made
protocol-s1 = 1. Key figures
protocol-entitled = Entitled voters (in the roll)
protocol-approved-votings = Approved votings (marks in the roll)
protocol-votes-cast = Votes cast (ballots counted)
protocol-deviation = Deviation: ballots counted − approved votings
protocol-deviation-none = The ballots counted equal the approved votings.
protocol-deviation-fewer = { $n ->
    [one] One ballot fewer was counted than there are approved votings; see section 5.
   *[other] { $n } ballots fewer were counted than there are approved votings; see section 5.
}
protocol-deviation-more = { $n ->
    [one] One ballot more was counted than there are approved votings; see section 5.
   *[other] { $n } ballots more were counted than there are approved votings; see section 5.
}
protocol-votes-counted = Votes for an option
protocol-turnout-basis = approved votings of entitled voters
protocol-s2 = 2. Marks in the roll
protocol-rm-electronic = Voters with a counted e-vote
protocol-rm-postal = Voters with an approved postal voting
protocol-rm-total = Marks in the roll in all
protocol-s3 = 3. Postal votings (return envelopes)
protocol-env-received = Postal votings received
protocol-env-approved = Approved postal votings
protocol-env-rejected = Rejected postal votings (left unopened)
protocol-s4 = 4. Electronic votes
protocol-ev-received = E-votes in the ballot box
protocol-ev-superseded = Superseded by a later e-vote
protocol-ev-rejected = Rejected e-votes
protocol-ev-counted = Counted e-votes
protocol-s5 = 5. Count of the postal ballots
protocol-pc-none = No postal voting was approved; there was nothing to count.
protocol-pc-round = Count { $round }
protocol-pc-pair = Counting pair
protocol-pc-member = Counter
protocol-pc-attempt = Attempt
protocol-pc-agreed = Agreed figures
protocol-pc-disagreed = Attempt { $attempt }: { $pair } disagreed on { $category } ({ $figures }); the pair counted again.
protocol-pc-differences = Differences from count { $round }: { $list }.
protocol-pc-ballots = Postal ballots counted
protocol-pc-envelopes = Approved postal votings
protocol-pc-deviation = Recorded deviation (ballots − votings)
protocol-pc-explanation-round = Explanation (count { $round })
protocol-pc-explanation-envelopes = Explanation (ballots against votings)
settled-agreed = The second count agreed with the first.
settled-recounted = The counts differed; a further count confirmed the final figures.
settled-explained = The last count differs from the earlier ones; the difference is explained below.
settled-no_ballots = There were no postal ballots to count.
category-blank = Blank ballots
category-invalid = Invalid ballots
protocol-s6 = 6. Result
protocol-s7 = 7. Evidence
protocol-evd-fingerprint = Election key fingerprint
protocol-evd-box-head = Ballot box head
protocol-evd-box-ballots = Ballots in the box
protocol-evd-keyholders = Keyholders who decrypted
protocol-evd-sum = Encrypted sum, { $option }
protocol-evd-file = SHA-256 of { $file }
protocol-evd-log-head = Ceremony log head
protocol-evd-this = This protocol (SHA-256)
protocol-s8 = 8. Ceremony log
protocol-log-when = When
protocol-log-step = Step
protocol-log-who = Who
protocol-log-note = Note
protocol-s9 = 9. Signatures
protocol-sig-member = Member of the leadership group
protocol-sig-electronic = Electronic signature
protocol-sig-key = Key
protocol-sig-signed = signed { $at }
protocol-sig-invalid = INVALID ({ $code })
protocol-sig-not-signed = not signed
protocol-sig-how = The electronic signatures are Ed25519 over this protocol's canonical JSON; check them with “urne protocol check”.
protocol-sign-intro = The leadership group of the electoral board confirms this protocol with its signatures.
protocol-place-date = Place and date
protocol-signature = Signature
protocol-no-leadership = The manifest names no leadership group.

## Reasons a voting or an e-vote was rejected (by their code in the files)

reason-not_in_roll = The voter is not in the roll
reason-unidentifiable = The voter could not be identified
reason-has_electronic_vote = The voter has a counted e-vote
reason-already_voted = The voter already has an approved voting
reason-late = The voting arrived too late
reason-outside_window = Cast outside the voting period
reason-invalid_proof = Its proof does not hold
reason-copied_ballot = A copy of another ballot
reason-already_voted_electronically = A second e-vote by the same voter (one e-vote each)

## The results page

results-title = Results — { $title }
results-test = TEST — these are not real results: they come from a rehearsal.
stage-partial = Preliminary, partial result: not all votes are counted yet.
stage-complete = Preliminary result: all votes are counted; the counting protocols are not yet signed by the whole leadership group.
stage-certified = Final result: the counting protocols are signed by the leadership group.
results-updated = Last updated
results-status = E-votes: { $evotes }. Postal votes: { $postal }. Protocol: { $protocol }.
results-counted = counted
results-not-counted = not yet counted
results-protocol-none = not yet made
results-protocol-unsigned = made, awaiting signatures
results-protocol-signed = signed
results-no-votes = No votes are counted yet.
results-chart = Votes per option in { $area }
results-not-for-option = Postal ballots not counted for an option: { $list }.
results-blank = blank { $n }
results-invalid = invalid { $n }
results-turnout = Turnout: { $percent } ({ $voters } of { $entitled } entitled voters)
results-turnout-so-far = Turnout so far (e-votes only): { $percent } ({ $voters } of { $entitled } entitled voters)
results-turnout-unknown = Turnout: not yet known.
results-source = Source: { $authority }
results-files = The same figures as files:
results-file-json = NIST SP 1500-100 JSON
results-file-xml = NIST SP 1500-100 XML
results-file-csv = CSV (a row per referendum, option and vote type)
results-file-spreadsheet = CSV for spreadsheets (semicolon, decimal comma)
results-signature = signature
results-file-manifest = The signed list of the files
results-made-by = Made by { $app }.
results-live = This page checks for new figures every { $seconds } seconds.
results-live-changed = New figures at { $time }.
