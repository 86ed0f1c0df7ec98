# urne — norsk bokmål (nb). Alle tekster folk leser, etter id; se
# i18n/en/urne.ftl for hvordan et nytt språk legges til.

## Hvordan tall og tidspunkter skrives

# Tusenskille (tall med fem sifre eller flere): hardt mellomrom. Desimaltegn: komma.
fmt-group = {"\u00A0"}
fmt-decimal = ,
fmt-percent = { $value }{"\u00A0"}%
fmt-datetime = { $dd }.{ $mm }.{ $year } kl. { $time } { $zone }
fmt-date = { $day }. { $month-name } { $year }
fmt-month-1 = januar
fmt-month-2 = februar
fmt-month-3 = mars
fmt-month-4 = april
fmt-month-5 = mai
fmt-month-6 = juni
fmt-month-7 = juli
fmt-month-8 = august
fmt-month-9 = september
fmt-month-10 = oktober
fmt-month-11 = november
fmt-month-12 = desember

## Felles for dokumentene

doc-page-of = Side { $page } av { $pages }
doc-times = Alle tidspunkter er angitt i tidssonen { $zone }, på sekundet.
doc-option = Alternativ
doc-votes = Stemmer
doc-share = Andel
doc-electronic = Elektronisk
doc-postal = Brev
doc-total = Sum
doc-turnout = Oppmøteprosent
doc-evotes = E-stemmer

## Valgprotokollen

protocol-doc-title = Valgprotokoll
protocol-heading = Valgprotokoll for valgstyret – { $area }
protocol-test = TEST – denne protokollen er fra en prøve, ikke fra en ekte opptelling.
protocol-meta-event = Folkeavstemning
protocol-meta-authority = Valgstyre
protocol-meta-question = Spørsmål
protocol-meta-made = Protokollen er laget
protocol-s1 = 1. Nøkkeltall
protocol-entitled = Stemmeberettigede i manntallet
protocol-approved-votings = Godkjente stemmegivninger (kryss i manntallet)
protocol-votes-cast = Avgitte stemmer (opptalte stemmesedler)
protocol-deviation = Avvik: opptalte stemmesedler − godkjente stemmegivninger
protocol-deviation-none = Antall opptalte stemmesedler er lik antall godkjente stemmegivninger.
protocol-deviation-fewer = { $n ->
    [one] Det ble talt én stemmeseddel færre enn det er godkjente stemmegivninger; se punkt 5.
   *[other] Det ble talt { $n } stemmesedler færre enn det er godkjente stemmegivninger; se punkt 5.
}
protocol-deviation-more = { $n ->
    [one] Det ble talt én stemmeseddel mer enn det er godkjente stemmegivninger; se punkt 5.
   *[other] Det ble talt { $n } stemmesedler flere enn det er godkjente stemmegivninger; se punkt 5.
}
protocol-votes-counted = Stemmer for et alternativ
protocol-turnout-basis = godkjente stemmegivninger av stemmeberettigede
protocol-s2 = 2. Kryss i manntallet
protocol-rm-electronic = Velgere med talt e-stemme
protocol-rm-postal = Velgere med godkjent brevstemmegivning
protocol-rm-total = Kryss i manntallet i alt
protocol-s3 = 3. Brevstemmegivninger (omslagskonvolutter)
protocol-env-received = Mottatte brevstemmegivninger
protocol-env-approved = Godkjente brevstemmegivninger
protocol-env-rejected = Forkastede brevstemmegivninger (ikke åpnet)
protocol-s4 = 4. Elektroniske stemmer
protocol-ev-received = E-stemmer i urnen
protocol-ev-superseded = Erstattet av en senere e-stemme
protocol-ev-rejected = Forkastede e-stemmer
protocol-ev-counted = Talte e-stemmer
protocol-s5 = 5. Opptelling av brevstemmesedler
protocol-pc-none = Ingen brevstemmegivning ble godkjent; det var ingenting å telle.
protocol-pc-round = { $round }. opptelling
protocol-pc-pair = Tellepar
protocol-pc-member = Teller
protocol-pc-attempt = Forsøk
protocol-pc-agreed = Omforente tall
protocol-pc-disagreed = Forsøk { $attempt }: { $pair } var uenige om { $category } ({ $figures }); paret telte på nytt.
protocol-pc-differences = Avvik fra { $round }. opptelling: { $list }.
protocol-pc-ballots = Opptalte brevstemmesedler
protocol-pc-envelopes = Godkjente brevstemmegivninger
protocol-pc-deviation = Registrert avvik (stemmesedler − stemmegivninger)
protocol-pc-explanation-round = Forklaring ({ $round }. opptelling)
protocol-pc-explanation-envelopes = Forklaring (stemmesedler mot stemmegivninger)
settled-agreed = Andre opptelling stemte med den første.
settled-recounted = Opptellingene var ulike; en ny opptelling bekreftet de endelige tallene.
settled-explained = Siste opptelling avviker fra de tidligere; avviket er forklart nedenfor.
settled-no_ballots = Det var ingen brevstemmesedler å telle.
category-blank = Blanke stemmesedler
category-invalid = Forkastede stemmesedler
protocol-s6 = 6. Resultat
protocol-s7 = 7. Kontrollgrunnlag
protocol-evd-fingerprint = Fingeravtrykk for valgnøkkelen
protocol-evd-box-head = Urnens hode (siste hash)
protocol-evd-box-ballots = Stemmesedler i urnen
protocol-evd-keyholders = Nøkkelholdere som dekrypterte
protocol-evd-sum = Kryptert sum, { $option }
protocol-evd-file = SHA-256 av { $file }
protocol-evd-log-head = Seremoniloggens hode
protocol-evd-this = Denne protokollen (SHA-256)
protocol-s8 = 8. Seremonilogg
protocol-log-when = Tidspunkt
protocol-log-step = Steg
protocol-log-who = Hvem
protocol-log-note = Merknad
protocol-s9 = 9. Underskrifter
protocol-sig-member = Medlem av valgstyrets ledelse
protocol-sig-electronic = Elektronisk signatur
protocol-sig-key = Nøkkel
protocol-sig-signed = signert { $at }
protocol-sig-invalid = UGYLDIG ({ $code })
protocol-sig-not-signed = ikke signert
protocol-sig-how = De elektroniske signaturene er Ed25519 over protokollens kanoniske JSON; de kontrolleres med «urne protocol check».
protocol-sign-intro = Valgstyrets ledelse bekrefter protokollen med sine underskrifter.
protocol-place-date = Sted og dato
protocol-signature = Underskrift
protocol-no-leadership = Manifestet navngir ingen ledelse av valgstyret.

## Forkastelsesgrunner (etter koden i filene)

reason-not_in_roll = Velgeren er ikke manntallsført
reason-unidentifiable = Det var ikke mulig å identifisere velgeren
reason-has_electronic_vote = Velgeren har en talt e-stemme
reason-already_voted = Velgeren har allerede fått godkjent en stemmegivning
reason-late = Stemmegivningen kom for sent fram
reason-outside_window = Avgitt utenfor stemmeperioden
reason-invalid_proof = Beviset holder ikke (kryptografisk kontroll)
reason-copied_ballot = Kopi av en annen stemmeseddel
reason-already_voted_electronically = Andre e-stemme fra samme velger (én e-stemme hver)

## Resultatsiden

results-title = Resultater – { $title }
results-test = TEST – dette er ikke ekte resultater: de kommer fra en prøve.
stage-partial = Foreløpig, delvis resultat: ikke alle stemmer er talt ennå.
stage-complete = Foreløpig resultat: alle stemmer er talt; valgprotokollene er ennå ikke underskrevet av hele valgstyrets ledelse.
stage-certified = Endelig resultat: valgprotokollene er underskrevet av valgstyrets ledelse.
results-updated = Sist oppdatert
results-status = E-stemmer: { $evotes }. Brevstemmer: { $postal }. Protokoll: { $protocol }.
results-counted = talt
results-not-counted = ikke talt ennå
results-protocol-none = ikke laget ennå
results-protocol-unsigned = laget, venter på underskrifter
results-protocol-signed = underskrevet
results-no-votes = Ingen stemmer er talt ennå.
results-chart = Stemmer per alternativ i { $area }
results-not-for-option = Brevstemmesedler som ikke er talt for et alternativ: { $list }.
results-blank = blanke { $n }
results-invalid = forkastede { $n }
results-turnout = Oppmøte: { $percent } ({ $voters } av { $entitled } stemmeberettigede)
results-turnout-so-far = Oppmøte så langt (bare e-stemmer): { $percent } ({ $voters } av { $entitled } stemmeberettigede)
results-turnout-unknown = Oppmøte: ikke kjent ennå.
results-source = Kilde: { $authority }
results-files = De samme tallene som filer:
results-file-json = NIST SP 1500-100 JSON
results-file-xml = NIST SP 1500-100 XML
results-file-csv = CSV (én rad per folkeavstemning, alternativ og stemmetype)
results-file-spreadsheet = CSV for regneark (semikolon, desimalkomma)
results-signature = signatur
results-file-manifest = Signert oversikt over filene
results-made-by = Laget med { $app }.
results-live = Siden ser etter nye tall hvert { $seconds }. sekund.
results-live-changed = Nye tall kl. { $time }.
