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
protocol-evd-credentials = Voter credential list (SHA-256); every counted e-vote is signed with its voter's credential
protocol-evd-credentials-none = Voter credentials
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
reason-bad_credential = Not signed with the voter's credential
reason-copied_ballot = A copy of another ballot
reason-already_voted_electronically = A second e-vote by the same voter (one e-vote each)

## Voter credentials

credentials-none = No voter credentials: the box operator is trusted not to stuff ballots.
credentials-used-page = An e-vote counts only if it is signed with the voter's own credential code, from a list published before voting opened.

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

## Ceremonies: what urne says at the terminal during the key ceremony, the
## key test and the unlock (src/cli/say.rs). Error lines, the ceremony log
## and file formats stay English.

keyholder = Keyholder { $index } ({ $name })
fingerprint = Election fingerprint: { $fp }
fingerprint-read-aloud = Read it aloud; every keyholder and observer compares it with their own screen.
fingerprint-compare-ceremony = Compare it with the fingerprint read aloud at the key ceremony.
passphrase-prompt = Keyholder { $index } ({ $name }), passphrase for { $file }:
passphrase-new = New passphrase for { $who }:
passphrase-again = Type it again:
passphrase-differ = The two passphrases differ; start again.
passphrase-too-short = The passphrase is too short: at least { $min } characters are needed.
passphrase-blank = The passphrase is only spaces.
passphrase-wrong-try-again = That passphrase does not open { $file }. Try again ({ $left ->
    [one] 1 try
   *[other] { $left } tries
} left).
passphrase-reused = Keyholder { $other } chose that passphrase already; each keyholder needs their own. Choose another.
passphrase-failed = the passphrase was wrong { $tries ->
    [one] once
   *[other] { $tries } times
}
progress-done = { $done }: { $count } in { $time }{ $rate }
progress-so-far = ({ $time } so far)
progress-of = { $done } of { $total }
progress-left = about { $time } left
progress-per-second = { $count }/s
unit-ballot = { $n ->
    [one] ballot
   *[other] ballots
}
unit-envelope = { $n ->
    [one] envelope
   *[other] envelopes
}
unit-voter = { $n ->
    [one] voter
   *[other] voters
}
unit-file = { $n ->
    [one] file
   *[other] files
}
unit-entry = { $n ->
    [one] entry
   *[other] entries
}

# Kibibytes of a file read (the roll), the same in every language.
unit-kib = KiB

unlock-banner = Unlock ceremony for { $event }: { $threshold } of the { $keyholders } keyholders are needed.
partial-banner = Partial decryption for { $event }, on this keyholder's machine.
combine-banner = Combining the partial decryptions for { $event }: { $threshold } of the { $keyholders } keyholders are needed.
unlock-checking-box = Checking the ballot box
unlock-box-checked = Ballot box checked: chain, seal and every proof
unlock-opening = Opening keyholder { $index }'s share ({ $name })
unlock-opened = Keyholder { $index } ({ $name }): share opened and checked against their verification key
unlock-left-out = { $who } is left out of the unlock: { $why }
unlock-going-on = { $opened } keyholders' shares are open; { $needed } are needed: the unlock goes on without { $missing }.
unlock-too-few = { $opened } of the { $given } shares given could be opened, but { $needed } keyholders are needed; the box was not read
unlock-decrypting = Decrypting the sums with { $name }'s share
unlock-decrypted = { $name }'s partial decryption made, with its proof
unlock-combining = Combining the partial decryptions and finding the counts
unlock-combined = Counts found and checked against the partial decryptions
unlock-invalid-lines = Ballots whose proofs fail are rejected [{ $code }]: box.jsonl line { $lines }.
unlock-bad-credential-lines = Ballots not signed with their voter's credential are rejected [{ $code }]: box.jsonl line { $lines }.
tally-evotes = e-votes received { $received }, counted { $counted }, superseded { $superseded }, rejected { $rejected }
tally-rejected = rejected: { $reason } [{ $code }]: { $n }
tally-set-aside = Set aside: keyholder { $index }'s partial decryption ({ $source }): { $reason }
tally-written = Tally written to { $file }
tally-marked-roll = Marked roll (voters with a counted e-vote) written to { $file }
partial-written = Partial decryption of keyholder { $index } ({ $name }) written to { $file }
partial-hand-over = Hand this file to the authority; it holds no secret.
combine-reading = Reading { $n ->
    [one] 1 partial decryption
   *[other] { $n } partial decryptions
}

keygen-banner = Rehearsal key ceremony for { $event }: { $keyholders } keyholders, any { $threshold } of them can unlock.
keygen-dealer-warning = This machine will hold the whole election key while it makes the shares: for rehearsals and tests only. For an election, run `urne ceremony` (no dealer).
keygen-medium = Keyholder { $index } ({ $name }): insert your own medium and type its directory [{ $default }]:
keygen-choose = Keyholder { $index } ({ $name }): choose a passphrase.
keygen-making = Making the election key and sealing the shares
keygen-made = Election key made and shares sealed
keygen-written = Election key written to { $file }
keygen-dealer-note = made by one machine that held the whole key (dealer): for rehearsals and tests only
keygen-share = keyholder { $index } ({ $name }): sealed share { $file }
keygen-next = Next: each keyholder runs `urne key test --share <their file>` before voting opens.
keytest-passed = Key test passed: keyholder { $index } ({ $name }) — the share file and passphrase work.
keytest-written = Record written to { $file }

ceremony-banner = Key ceremony for { $event }, attempt { $attempt }: { $keyholders } keyholders, any { $threshold } can unlock. Round: { $round }.
ceremony-round-1 = 1 of 4, certificate
ceremony-round-2 = 2 of 4, deal
ceremony-round-3 = 3 of 4, confirm
ceremony-round-4 = 4 of 4, assemble
ceremony-setup-fingerprint = Ceremony setup fingerprint: { $fp }
ceremony-choose = Keyholder { $index } ({ $name }): choose a passphrase. It protects your ceremony seed now and your share later.
ceremony-seed-again = Your seed is already on { $medium }: the certificate is made again from it (nothing new is drawn).
ceremony-new-seed = No seed for this attempt is on { $medium }: a new one is drawn, and { $file } is replaced. Every keyholder must take the new certificate.
ceremony-seed-sealed = Your seed, sealed: { $file }
ceremony-certificate = Your certificate: { $file } (its fingerprint { $fp })
ceremony-certificate-next = Next: carry certificate-{ $index }.json to every other keyholder (or to the shared folder); keep your medium.
ceremony-run-deal = When all { $n } certificates are in { $folder }, run: { $command }
ceremony-certificates-check = All { $n } certificates check. Certificates fingerprint: { $fp }
ceremony-compare = Read it aloud: every keyholder must see the same before going on.
ceremony-deal = Your deal: { $file } (its fingerprint { $fp })
ceremony-deal-next = Next: carry deal-{ $index }.json to every other keyholder (or to the shared folder). The shares in it are encrypted; only their recipients can open them.
ceremony-run-confirm = When all { $n } deals are in { $folder }, run: { $command }
ceremony-deals-check = All { $n } deals check. Deals fingerprint: { $fp }
ceremony-shares-check = Every share sent to you checks against its dealer's commitments.
ceremony-share-sealed = Your share, sealed under the same passphrase: { $file }
ceremony-confirmation = Your confirmation: { $file } (its fingerprint { $fp })
ceremony-confirm-next = Next: carry confirmation-{ $index }.json to the shared folder. When all { $n } confirmations are in, anyone runs: { $command }
ceremony-key-test-next = Then run `urne key test --share { $file }` before voting opens.
ceremony-complaint-why = The share sent to you by { $who } does not decrypt or does not match their commitments.
ceremony-complaint = Your complaint: { $file } — it lets anyone check the claim; it reveals nothing else of yours.
ceremony-complaint-next = Next: carry complaint-{ $index }.json to the shared folder. The ceremony cannot finish; `urne ceremony assemble` will name who cheated, and the ceremony is run again (--attempt { $attempt }) without them or with a replacement.
ceremony-assembled = Every certificate, commitment hash, proof of knowledge and confirmation checks; K and every K_j follow from the commitments.
ceremony-transcript-fingerprint = Transcript fingerprint: { $fp }
ceremony-key-written = Election key written to { $file }
ceremony-assemble-compare = Read it aloud; every keyholder compares it with the one their confirm round showed.
ceremony-assemble-next = Next: each keyholder runs `urne key test --share <their medium>/keyholder-N.share` before voting opens; publish election-key.json (it carries the whole transcript).

roll-reading = Reading the roll
roll-read = Roll read: { $count }
postal-checking-marked-roll = Checking the marked roll against the ceremony log
postal-marked-roll-checked = Marked roll checked against the ceremony log
postal-reading-marked-roll = Reading the marked roll
postal-marked-roll-read = Marked roll read
postal-trying = Trying { $count }
postal-tried = { $count } tried
postal-no-unlock-note = note: the ceremony log records no unlock that wrote { $file } (an event without e-votes?); it is taken as found
postal-trial-figures = { $referendum }: { $received } { $n ->
    [one] envelope
   *[other] envelopes
} received, { $approved } approved, { $rejected } rejected
postal-trial-reason = { $reason } [{ $code }]: { $n }
postal-unopened = to the unopened pile: { $list }
postal-unopened-more = to the unopened pile: { $list }, and { $more } more (every one is in { $file })
postal-decisions = Decisions per envelope: { $json } and { $csv }
postal-count-figures = { $referendum }: { $ballots } postal ballots in { $rounds } rounds ({ $settled }): { $figures }{ $deviation }
postal-count-deviation = ; deviation from approved envelopes { $d }
postal-written = Written: { $file }
postal-settled-agreed = the rounds agree
postal-settled-recounted = confirmed by a recount
postal-settled-explained = difference explained
postal-settled-no_ballots = nothing to count

publish-opening-key = Opening the publisher key
publish-key-opened = Publisher key opened
publish-key-made = Publisher key made: { $file }. Its public key, for the media to pin: { $key }
publish-stage-partial = { $referendum }: no protocol yet — published as partial (e-votes only).
publish-stage-unsigned = { $referendum }: protocol not yet signed by the whole leadership group.
publish-stage-certified = { $referendum }: signed protocol — certified.
publish-writing = Writing and signing publication { $sequence }
publish-written = Publication { $sequence } written and signed
publish-done = Publication { $sequence } ({ $status }) in { $dir }: { $files }, signed by { $key }.
credential-code-prompt = Credential code for voter { $voter } (from the polling card; not shown as you type):
box-operator-passphrase = The box operator chooses a passphrase for the box's signing key.
box-opened = Ballot box opened: { $file }
box-closed = Ballot box closed: { $count }, head { $head }
ceremony-opening-seed = Opening your ceremony seed { $file }
ceremony-seed-opened = Ceremony seed { $file } opened
ceremony-sealing = Sealing { $file } under your passphrase
ceremony-sealed = { $file } sealed

signer-key = Signing key for { $name }: { $file }
signer-public = Public key (compare it aloud): { $key }
signer-registered = Registered in { $file }
signer-pin = Pin it in manifest.toml before the key ceremony, under [leadership_keys]:
protocol-written = Protocols written to { $dir }; next, each member of the leadership group runs `urne protocol sign`.
protocol-signed = { $name } signed the protocol for { $referendum }.
protocol-check-figures = { $referendum }: the figures do not add up: { $rule }
protocol-check-leadership = { $referendum }: the leadership group or its keys are not the ones manifest.toml pins
protocol-check-unsigned = { $referendum }: not signed by anyone yet
protocol-check-holds = { $referendum }: signature of { $name } holds
protocol-check-fails = { $referendum }: signature of { $name } FAILS: { $why }
protocol-check-missing = { $referendum }: not yet signed by { $names }
protocol-summary = { $area } ({ $referendum }): { $entitled } entitled, { $counted } votes counted, turnout { $turnout }
protocol-summary-split = electronic { $electronic }, postal { $postal }

## The ballot tracker page (tracker.html of a publication).
tracker-heading = Check your e-vote
tracker-intro = Type the ballot tracker from the receipt you got when you voted electronically (16 characters, such as 7K2M-Q9XA-3DRT-B8WN). The page looks it up in the published list of every ballot in the sealed ballot box and says what became of that ballot.
tracker-label = Ballot tracker
tracker-button = Check
tracker-looking = Looking the tracker up…
tracker-bad-code = This is not a ballot tracker: a tracker has 16 characters of 0–9 and A–Z (without I, L, O and U), often written in groups of four.
tracker-found = Ballot { $code } is in the sealed ballot box as ballot no. { $seq } ({ $area }), cast { $time }.
tracker-counted = It was counted.
tracker-superseded = It was not counted, because the same voter cast a later e-vote (ballot no. { $later }), which was counted instead: when you vote again, your last e-vote counts.
tracker-rejected = It was rejected and not counted: { $reason }.
tracker-not-found = No ballot in the sealed ballot box has the tracker { $code }. Check the code on your receipt; a ballot that was refused when it was cast got no tracker.
tracker-unavailable = The list of ballots could not be fetched ({ $why }). Try again later.
tracker-noscript = Looking a tracker up needs JavaScript. Without it: open tracker-index.json, then the file tracker-….txt named by the first characters of your tracker, and find the line that starts with it.
tracker-box = The sealed ballot box holds { $ballots } ballots; its head hash is { $head }.
tracker-privacy = The list names no voter and shows no vote: only what became of each ballot.
tracker-results-link = The results
results-tracker = Voted electronically? Check your ballot with the tracker on your receipt.
results-file-tracker-index = The ballot tracker index (what became of every ballot)
publish-tracker-none = No ballot box at { $file }: the ballot tracker page is not published.
publish-tracker-counting = Checking the box again for the ballot tracker index
publish-tracker-counted = Ballot tracker index made
