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
protocol-evd-credentials = Listen over velgernes stemmekoder (SHA-256); hver talte e-stemme er signert med velgerens stemmekode
protocol-evd-credentials-none = Velgernes stemmekoder
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
reason-bad_credential = Ikke signert med velgerens stemmekode
reason-copied_ballot = Kopi av en annen stemmeseddel
reason-already_voted_electronically = Andre e-stemme fra samme velger (én e-stemme hver)

## Velgernes stemmekoder

credentials-none = Ingen stemmekoder for velgerne: man stoler på at den som driver urnen, ikke legger falske stemmesedler i den.
credentials-used-page = En e-stemme telles bare hvis den er signert med velgerens egen stemmekode, fra en liste som ble offentliggjort før stemmegivningen åpnet.

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

## Seremonier: det urne sier på terminalen under nøkkelseremonien,
## nøkkeltesten og opplåsingen (src/cli/say.rs). Feilmeldingslinjene,
## seremoniloggen og filformatene er på engelsk.

keyholder = Nøkkelholder { $index } ({ $name })
fingerprint = Valgnøkkelens fingeravtrykk: { $fp }
fingerprint-read-aloud = Les det høyt; hver nøkkelholder og observatør sammenligner det med sin egen skjerm.
fingerprint-compare-ceremony = Sammenlign det med fingeravtrykket som ble lest høyt under nøkkelseremonien.
passphrase-prompt = Nøkkelholder { $index } ({ $name }), passordfrase for { $file }:
passphrase-new = Ny passordfrase for { $who }:
passphrase-again = Skriv den en gang til:
passphrase-differ = De to passordfrasene er ulike; begynn på nytt.
passphrase-too-short = Passordfrasen er for kort: den må ha minst { $min } tegn.
passphrase-blank = Passordfrasen består bare av mellomrom.
passphrase-wrong-try-again = Passordfrasen åpner ikke { $file }. Prøv igjen ({ $left ->
    [one] ett forsøk
   *[other] { $left } forsøk
} igjen).
passphrase-reused = Nøkkelholder { $other } har allerede valgt den passordfrasen; hver nøkkelholder må ha sin egen. Velg en annen.
passphrase-failed = passordfrasen var feil { $tries ->
    [one] én gang
   *[other] { $tries } ganger
}
progress-done = { $done }: { $count } på { $time }{ $rate }
progress-so-far = ({ $time } så langt)
progress-of = { $done } av { $total }
progress-left = om lag { $time } igjen
progress-per-second = { $count }/s
unit-ballot = { $n ->
    [one] stemmeseddel
   *[other] stemmesedler
}
unit-envelope = { $n ->
    [one] konvolutt
   *[other] konvolutter
}
unit-voter = { $n ->
    [one] velger
   *[other] velgere
}
unit-file = { $n ->
    [one] fil
   *[other] filer
}
unit-entry = { $n ->
    [one] oppføring
   *[other] oppføringer
}

# Kibibytes of a file read (the roll), the same in every language.
unit-kib = KiB

unlock-banner = Opplåsingsseremoni for { $event }: { $threshold } av de { $keyholders } nøkkelholderne trengs.
partial-banner = Delvis dekryptering for { $event }, på denne nøkkelholderens maskin.
combine-banner = Setter sammen de delvise dekrypteringene for { $event }: { $threshold } av de { $keyholders } nøkkelholderne trengs.
unlock-checking-box = Kontrollerer urnen
unlock-box-checked = Urnen er kontrollert: kjeden, forseglingen og hvert bevis
unlock-opening = Åpner nøkkelandelen til nøkkelholder { $index } ({ $name })
unlock-opened = Nøkkelholder { $index } ({ $name }): nøkkelandelen er åpnet og kontrollert mot verifikasjonsnøkkelen
unlock-left-out = { $who } holdes utenfor opplåsingen: { $why }
unlock-going-on = { $opened } nøkkelandeler er åpnet; { $needed } trengs: opplåsingen fortsetter uten { $missing }.
unlock-too-few = { $opened } av de { $given } nøkkelandelene som ble gitt, kunne åpnes, men { $needed } nøkkelholdere trengs; urnen ble ikke lest
unlock-decrypting = Dekrypterer summene med nøkkelandelen til { $name }
unlock-decrypted = Den delvise dekrypteringen til { $name } er laget, med bevis
unlock-combining = Setter sammen de delvise dekrypteringene og finner antallene
unlock-combined = Antallene er funnet og kontrollert mot de delvise dekrypteringene
unlock-invalid-lines = Stemmesedler med bevis som ikke holder, forkastes [{ $code }]: box.jsonl linje { $lines }.
unlock-bad-credential-lines = Stemmesedler som ikke er signert med velgerens stemmekode, forkastes [{ $code }]: box.jsonl linje { $lines }.
tally-evotes = e-stemmer mottatt { $received }, talt { $counted }, erstattet { $superseded }, forkastet { $rejected }
tally-rejected = forkastet: { $reason } [{ $code }]: { $n }
tally-set-aside = Lagt til side: den delvise dekrypteringen til nøkkelholder { $index } ({ $source }): { $reason }
tally-written = Opptellingen er skrevet til { $file }
tally-marked-roll = Kryss i manntallet (velgere med en talt e-stemme) er skrevet til { $file }
partial-written = Den delvise dekrypteringen til nøkkelholder { $index } ({ $name }) er skrevet til { $file }
partial-hand-over = Gi denne filen til valgstyret; den inneholder ingen hemmelighet.
combine-reading = Leser { $n ->
    [one] én delvis dekryptering
   *[other] { $n } delvise dekrypteringer
}

keygen-banner = Øvelse på nøkkelseremonien for { $event }: { $keyholders } nøkkelholdere, hvilke som helst { $threshold } av dem kan låse opp.
keygen-dealer-warning = Denne maskinen vil ha hele valgnøkkelen mens den lager andelene: bare for øvelser og tester. Ved et valg brukes `urne ceremony` (uten en som deler ut).
keygen-medium = Nøkkelholder { $index } ({ $name }): sett inn ditt eget medium og skriv mappen [{ $default }]:
keygen-choose = Nøkkelholder { $index } ({ $name }): velg en passordfrase.
keygen-making = Lager valgnøkkelen og forsegler andelene
keygen-made = Valgnøkkelen er laget og andelene forseglet
keygen-written = Valgnøkkelen er skrevet til { $file }
keygen-dealer-note = laget av én maskin som hadde hele nøkkelen: bare for øvelser og tester
keygen-share = nøkkelholder { $index } ({ $name }): forseglet nøkkelandel { $file }
keygen-next = Neste: hver nøkkelholder kjører `urne key test --share <sin fil>` før stemmegivningen åpner.
keytest-passed = Nøkkeltesten er bestått: nøkkelholder { $index } ({ $name }) — nøkkelfilen og passordfrasen virker.
keytest-written = Registreringen er skrevet til { $file }

ceremony-banner = Nøkkelseremoni for { $event }, forsøk { $attempt }: { $keyholders } nøkkelholdere, hvilke som helst { $threshold } kan låse opp. Runde: { $round }.
ceremony-round-1 = 1 av 4, sertifikat
ceremony-round-2 = 2 av 4, utdeling
ceremony-round-3 = 3 av 4, bekreftelse
ceremony-round-4 = 4 av 4, sammenstilling
ceremony-setup-fingerprint = Seremoniens fingeravtrykk: { $fp }
ceremony-choose = Nøkkelholder { $index } ({ $name }): velg en passordfrase. Den beskytter seremonifrøet ditt nå og nøkkelandelen din senere.
ceremony-seed-again = Frøet ditt ligger allerede på { $medium }: sertifikatet lages på nytt fra det (ingenting nytt trekkes).
ceremony-new-seed = Det finnes ikke noe frø for dette forsøket på { $medium }: et nytt trekkes, og { $file } erstattes. Hver nøkkelholder må ta det nye sertifikatet.
ceremony-seed-sealed = Frøet ditt, forseglet: { $file }
ceremony-certificate = Sertifikatet ditt: { $file } (fingeravtrykk { $fp })
ceremony-certificate-next = Neste: bær certificate-{ $index }.json til hver av de andre nøkkelholderne (eller til den felles mappen); behold mediet ditt.
ceremony-run-deal = Når alle { $n } sertifikatene ligger i { $folder }, kjør: { $command }
ceremony-certificates-check = Alle { $n } sertifikatene holder. Sertifikatenes fingeravtrykk: { $fp }
ceremony-compare = Les det høyt: hver nøkkelholder må se det samme før dere går videre.
ceremony-deal = Utdelingen din: { $file } (fingeravtrykk { $fp })
ceremony-deal-next = Neste: bær deal-{ $index }.json til hver av de andre nøkkelholderne (eller til den felles mappen). Andelene i den er kryptert; bare mottakerne kan åpne dem.
ceremony-run-confirm = Når alle { $n } utdelingene ligger i { $folder }, kjør: { $command }
ceremony-deals-check = Alle { $n } utdelingene holder. Utdelingenes fingeravtrykk: { $fp }
ceremony-shares-check = Hver andel du har fått, stemmer med forpliktelsene til den som delte den ut.
ceremony-share-sealed = Nøkkelandelen din, forseglet med den samme passordfrasen: { $file }
ceremony-confirmation = Bekreftelsen din: { $file } (fingeravtrykk { $fp })
ceremony-confirm-next = Neste: bær confirmation-{ $index }.json til den felles mappen. Når alle { $n } bekreftelsene er der, kan hvem som helst kjøre: { $command }
ceremony-key-test-next = Kjør deretter `urne key test --share { $file }` før stemmegivningen åpner.
ceremony-complaint-why = Andelen du fikk fra { $who }, kan ikke dekrypteres eller stemmer ikke med forpliktelsene.
ceremony-complaint = Klagen din: { $file } — den lar hvem som helst kontrollere påstanden; den avslører ikke noe annet av ditt.
ceremony-complaint-next = Neste: bær complaint-{ $index }.json til den felles mappen. Seremonien kan ikke fullføres; `urne ceremony assemble` vil navngi hvem som jukset, og seremonien kjøres på nytt (--attempt { $attempt }) uten dem eller med en erstatter.
ceremony-assembled = Hvert sertifikat, hver forpliktelses-hash, hvert kunnskapsbevis og hver bekreftelse holder; K og hver K_j følger av forpliktelsene.
ceremony-transcript-fingerprint = Transkripsjonens fingeravtrykk: { $fp }
ceremony-key-written = Valgnøkkelen er skrevet til { $file }
ceremony-assemble-compare = Les det høyt; hver nøkkelholder sammenligner det med det bekreftelsesrunden viste.
ceremony-assemble-next = Neste: hver nøkkelholder kjører `urne key test --share <sitt medium>/keyholder-N.share` før stemmegivningen åpner; publiser election-key.json (den inneholder hele transkripsjonen).

roll-reading = Leser manntallet
roll-read = Manntallet er lest: { $count }
postal-checking-marked-roll = Kontrollerer kryssene i manntallet mot seremoniloggen
postal-marked-roll-checked = Kryssene i manntallet er kontrollert mot seremoniloggen
postal-reading-marked-roll = Leser kryssene i manntallet
postal-marked-roll-read = Kryssene i manntallet er lest
postal-trying = Prøver { $count }
postal-tried = { $count } prøvd
postal-no-unlock-note = merk: seremoniloggen viser ingen opplåsing som skrev { $file } (et valg uten e-stemmer?); filen tas slik den er
postal-trial-figures = { $referendum }: { $received } { $n ->
    [one] omslagskonvolutt
   *[other] omslagskonvolutter
} mottatt, { $approved } godkjent, { $rejected } forkastet
postal-trial-reason = { $reason } [{ $code }]: { $n }
postal-unopened = til bunken som ikke åpnes: { $list }
postal-unopened-more = til bunken som ikke åpnes: { $list }, og { $more } til (alle står i { $file })
postal-decisions = Avgjørelsen for hver konvolutt: { $json } og { $csv }
postal-count-figures = { $referendum }: { $ballots } brevstemmesedler i { $rounds } opptellinger ({ $settled }): { $figures }{ $deviation }
postal-count-deviation = ; avvik fra godkjente stemmegivninger { $d }
postal-written = Skrevet: { $file }
postal-settled-agreed = opptellingene stemmer
postal-settled-recounted = bekreftet ved ny opptelling
postal-settled-explained = avviket er forklart
postal-settled-no_ballots = ingenting å telle

publish-opening-key = Åpner publiseringsnøkkelen
publish-key-opened = Publiseringsnøkkelen er åpnet
publish-key-made = Publiseringsnøkkelen er laget: { $file }. Den offentlige nøkkelen, som mediene skal feste: { $key }
publish-stage-partial = { $referendum }: ingen protokoll ennå — publisert som delvis resultat (bare e-stemmer).
publish-stage-unsigned = { $referendum }: protokollen er ennå ikke underskrevet av hele valgstyrets ledelse.
publish-stage-certified = { $referendum }: underskrevet protokoll — endelig.
publish-writing = Skriver og signerer publisering { $sequence }
publish-written = Publisering { $sequence } er skrevet og signert
publish-done = Publisering { $sequence } ({ $status }) i { $dir }: { $files }, signert av { $key }.
credential-code-prompt = Stemmekode for velger { $voter } (fra valgkortet; vises ikke mens du skriver):
box-operator-passphrase = Urneoperatøren velger en passordfrase for urnens signeringsnøkkel.
box-opened = Urnen er åpnet: { $file }
box-closed = Urnen er lukket: { $count }, hode { $head }
ceremony-opening-seed = Åpner seremonifrøet ditt { $file }
ceremony-seed-opened = Seremonifrøet { $file } er åpnet
ceremony-sealing = Forsegler { $file } med passordfrasen din
ceremony-sealed = { $file } er forseglet

signer-key = Signeringsnøkkel for { $name }: { $file }
signer-public = Offentlig nøkkel (sammenlign den høyt): { $key }
signer-registered = Registrert i { $file }
signer-pin = Fest den i manifest.toml før nøkkelseremonien, under [leadership_keys]:
protocol-written = Protokollene er skrevet til { $dir }; deretter kjører hvert medlem av valgstyrets ledelse `urne protocol sign`.
protocol-signed = { $name } har signert protokollen for { $referendum }.
protocol-check-figures = { $referendum }: tallene går ikke opp: { $rule }
protocol-check-leadership = { $referendum }: valgstyrets ledelse eller nøklene deres er ikke de manifest.toml fester
protocol-check-unsigned = { $referendum }: ikke signert av noen ennå
protocol-check-holds = { $referendum }: signaturen til { $name } holder
protocol-check-fails = { $referendum }: signaturen til { $name } HOLDER IKKE: { $why }
protocol-check-missing = { $referendum }: ennå ikke signert av { $names }
protocol-summary = { $area } ({ $referendum }): { $entitled } stemmeberettigede, { $counted } stemmer talt, oppmøte { $turnout }
protocol-summary-split = elektronisk { $electronic }, brev { $postal }

## The ballot tracker page (tracker.html of a publication).
tracker-heading = Sjekk den elektroniske stemmen din
tracker-intro = Skriv inn sporingskoden fra kvitteringen du fikk da du stemte elektronisk (16 tegn, for eksempel 7K2M-Q9XA-3DRT-B8WN). Siden slår den opp i den publiserte listen over alle stemmesedlene i den forseglede urnen og viser hva som skjedde med stemmeseddelen.
tracker-label = Sporingskode
tracker-button = Sjekk
tracker-looking = Slår opp sporingskoden …
tracker-bad-code = Dette er ikke en sporingskode: en sporingskode har 16 tegn av 0–9 og A–Z (uten I, L, O og U), ofte skrevet i grupper på fire.
tracker-found = Stemmeseddel { $code } ligger i den forseglede urnen som stemmeseddel nr. { $seq } ({ $area }), avgitt { $time }.
tracker-counted = Den ble talt.
tracker-superseded = Den ble ikke talt, fordi samme velger avga en senere elektronisk stemme (stemmeseddel nr. { $later }), som ble talt i stedet: stemmer du på nytt, er det den siste elektroniske stemmen som teller.
tracker-rejected = Den ble forkastet og ikke talt: { $reason }.
tracker-not-found = Ingen stemmeseddel i den forseglede urnen har sporingskoden { $code }. Sjekk koden på kvitteringen; en stemmeseddel som ble avvist da den ble avgitt, fikk ingen sporingskode.
tracker-unavailable = Listen over stemmesedler kunne ikke hentes ({ $why }). Prøv igjen senere.
tracker-noscript = Oppslaget trenger JavaScript. Uten det: åpne tracker-index.json, så filen tracker-….txt som er oppkalt etter de første tegnene i sporingskoden, og finn linjen som begynner med koden.
tracker-box = Den forseglede urnen har { $ballots } stemmesedler; hodehashen er { $head }.
tracker-privacy = Listen navngir ingen velger og viser ingen stemme: bare hva som skjedde med hver stemmeseddel.
tracker-results-link = Resultatene
results-tracker = Stemte du elektronisk? Sjekk stemmeseddelen din med sporingskoden på kvitteringen.
results-file-tracker-index = Indeksen over sporingskoder (hva som skjedde med hver stemmeseddel)
publish-tracker-none = Ingen urne i { $file }: siden for sporingskoder publiseres ikke.
publish-tracker-counting = Sjekker urnen på nytt for indeksen over sporingskoder
publish-tracker-counted = Indeksen over sporingskoder er laget
