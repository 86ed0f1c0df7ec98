//! Help that ships inside the binary: examples per command, topics
//! (`urne help csv`, `urne help times`, …) and the meaning of every code
//! (`urne explain E-TIME`), so that a keyholder with only the binary can act on
//! a hint.
//!
//! The topics are the files in docs/help/, built in; the codes are read from
//! the tables of docs/SPEC.md and docs/publication.md, built in, so that each
//! code is still documented in one place.

use std::process::ExitCode;

use clap::Args;

use super::out::{out, outln};

/// The help topics: (name, one line, text).
pub const TOPICS: [(&str, &str, &str); 10] = [
    (
        "csv",
        "the CSV files urne reads: separator, headers, Excel",
        include_str!("../../docs/help/csv.txt"),
    ),
    (
        "times",
        "how to write a time (RFC 3339), with examples",
        include_str!("../../docs/help/times.txt"),
    ),
    (
        "manifest",
        "manifest.toml: every field and rule, with an example",
        include_str!("../../docs/help/manifest.txt"),
    ),
    (
        "files",
        "the event directory: which file is what, and who writes it",
        include_str!("../../docs/help/files.txt"),
    ),
    (
        "passphrases",
        "how keyholders type passphrases; tries; --passphrase-file",
        include_str!("../../docs/help/passphrases.txt"),
    ),
    (
        "stdin",
        "which inputs read standard input when given as `-`",
        include_str!("../../docs/help/stdin.txt"),
    ),
    (
        "testing",
        "rehearsals and test suites: --insecure-fast-kdf, simulate, demo",
        include_str!("../../docs/help/testing.txt"),
    ),
    (
        "language",
        "the event's language and time zone; what stays English",
        include_str!("../../docs/help/language.txt"),
    ),
    (
        "serve-config",
        "the result server's configuration file (urne serve --config)",
        "",
    ),
    (
        "codes",
        "every error and check code (`urne explain CODE` for one)",
        "",
    ),
];

/// Below `urne --help`.
pub const AFTER_MAIN_HELP: &str = "\
Help topics (built into this binary):
  urne help csv          the CSV files urne reads: separator, headers, Excel
  urne help times        how to write a time (RFC 3339), with examples
  urne help manifest     manifest.toml: every field and rule
  urne help files        the event directory: which file is what
  urne help passphrases  how keyholders type passphrases; tries
  urne help stdin        which inputs read standard input as `-`
  urne help testing      rehearsals: --insecure-fast-kdf, simulate, demo
  urne help language     the event's language; what stays English
  urne help serve-config the result server's configuration file
  urne help codes        every error and check code
  urne explain CODE      what one code means and what to do

Commands that work in an event directory take -d/--dir DIR (default: the
current directory), before or after the command: `urne -d event unlock …` or
`urne unlock -d event …`.";

/// The specifications the codes are documented in, built in.
const CODE_SOURCES: [&str; 2] = [
    include_str!("../../docs/SPEC.md"),
    include_str!("../../docs/publication.md"),
];

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The code, as printed in `urne: error[CODE]` or in a verify report,
    /// e.g. E-TIME or V-BOX. Without it, every code is listed.
    #[arg(value_name = "CODE")]
    pub code: Option<String>,
}

/// `urne help TOPIC` for a topic (clap's own `help` handles `urne help CMD`).
/// Returns the exit code if the arguments asked for a topic.
pub fn topic_from_args() -> Option<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [first, topic] = args.as_slice() else {
        return None;
    };
    if first != "help" {
        return None;
    }
    let (name, _, text) = TOPICS.iter().find(|(n, _, _)| n == topic)?;
    if *name == "codes" {
        print_all_codes();
    } else if *name == "serve-config" {
        out!("{}", serve_config_text());
    } else {
        out!("{text}");
    }
    Some(ExitCode::SUCCESS)
}

/// The server configuration, as docs/publication.md (built in) specifies it:
/// from "Server configuration" up to the next numbered section.
fn serve_config_text() -> String {
    let doc = CODE_SOURCES[1];
    let Some(start) = doc.find("### Server configuration") else {
        return String::new();
    };
    let rest = &doc[start..];
    let end = rest.find("\n## ").map_or(rest.len(), |e| e + 1);
    plain(&rest[..end])
}

/// A code's documentation: the cells of its table row (after the code), or
/// the paragraph under its heading (the verify checks, `#### V-BOX`).
pub fn describe(code: &str) -> Option<String> {
    for source in CODE_SOURCES {
        for line in source.lines() {
            if let Some(cells) = row_for(line, code) {
                return Some(cells);
            }
        }
        let heading = format!("#### {code}");
        if let Some(at) = source.lines().position(|l| l.trim() == heading) {
            let text: Vec<&str> = source
                .lines()
                .skip(at + 1)
                .skip_while(|l| l.trim().is_empty())
                .take_while(|l| !l.trim().is_empty() && !l.starts_with('#'))
                .collect();
            return Some(plain(&text.join(" ")));
        }
    }
    None
}

/// The codes named in the first cell of a table row (`| `E-A`, `E-B` | … |`).
fn codes_in_row(line: &str) -> Option<(Vec<&str>, Vec<&str>)> {
    let rest = line.trim().strip_prefix('|')?;
    let mut cells = rest.split(" | ").map(str::trim);
    let first = cells.next()?;
    let codes: Vec<&str> = first
        .split(',')
        .map(|c| c.trim().trim_matches('`'))
        .filter(|c| is_code(c))
        .collect();
    if codes.is_empty() {
        return None;
    }
    let others: Vec<&str> = cells.map(|c| c.trim_end_matches('|').trim()).collect();
    Some((codes, others))
}

fn row_for(line: &str, code: &str) -> Option<String> {
    let (codes, others) = codes_in_row(line)?;
    codes.contains(&code).then(|| plain(&others.join(" — ")))
}

fn is_code(s: &str) -> bool {
    let mut parts = s.splitn(2, '-');
    matches!(parts.next(), Some("E" | "EV" | "V" | "W"))
        && parts.next().is_some_and(|r| {
            !r.is_empty()
                && r.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
        })
}

/// Markdown links `[text](#anchor)` as their text.
fn plain(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|c| open + c) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|e| close + e) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..close]);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The topic to read after a code, if one says more.
fn see_also(code: &str) -> Option<&'static str> {
    Some(match code {
        "E-TIME" | "E-RESULTS-TIME" => "times",
        "E-ROLL-SYNTAX" | "E-POSTAL-SYNTAX" | "E-COUNT-FIGURE" | "E-COUNT-OPTION"
        | "E-EXPLANATION" => "csv",
        c if c.starts_with("E-PASSPHRASE") || c == "E-SHARE-PASSPHRASE" => "passphrases",
        "E-TOO-FEW-SHARES" | "E-SEAL-PASSPHRASE" => "passphrases",
        "E-FILE-EXISTS" | "E-FILE-NOT-FOUND" => "files",
        "E-SERVE-CONFIG" => "serve-config",
        _ => return None,
    })
}

fn print_all_codes() {
    outln!("Every code urne prints (`urne explain CODE` for one):");
    let mut seen = std::collections::BTreeSet::new();
    for source in CODE_SOURCES {
        for line in source.lines() {
            if let Some((codes, others)) = codes_in_row(line) {
                for c in codes {
                    if seen.insert(c.to_string()) {
                        let what = plain(others.last().copied().unwrap_or(""));
                        outln!("  {c:<28} {what}");
                    }
                }
            }
            if let Some(c) = line.trim().strip_prefix("#### ") {
                if is_code(c) && seen.insert(c.to_string()) {
                    outln!("  {c:<28} a check of `urne verify` (urne explain {c})");
                }
            }
        }
    }
}

/// `urne explain [CODE]`.
pub fn explain(a: &ExplainArgs) -> ExitCode {
    let Some(code) = &a.code else {
        print_all_codes();
        return ExitCode::SUCCESS;
    };
    let code = code
        .trim()
        .trim_start_matches("error[")
        .trim_end_matches(']')
        .to_ascii_uppercase();
    match describe(&code) {
        Some(text) => {
            outln!("{code}: {text}");
            if let Some(topic) = see_also(&code) {
                outln!("See also: urne help {topic}");
            }
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("urne: error[E-UNKNOWN-CODE]: {code} is not a code urne prints");
            eprintln!("  hint: `urne help codes` lists them all");
            ExitCode::from(1)
        }
    }
}

/// An example per command, shown below its `--help`.
pub mod ex {
    pub const ROLL: &str = "\
Example:
  urne -d event roll pseudonymize --register register.csv --new-key
  (the register extract stays with the authority; see `urne help csv`)";
    pub const KEYGEN: &str = "\
Example:
  urne -d event keygen --medium /media/kari-usb --medium /media/ola-usb
For rehearsals: one machine holds the whole key (use `urne ceremony` for a
real event). Each keyholder chooses a passphrase at the prompt; read the election
fingerprint aloud at the end. See `urne help passphrases`.";
    pub const CEREMONY: &str = "\
Example (the key ceremony without a dealer, each keyholder on their own
machine, the public files carried between them in one folder):
  urne -d event ceremony certificate --keyholder 1 --medium /media/usb
  urne -d event ceremony deal --keyholder 1 --medium /media/usb
  urne -d event ceremony confirm --keyholder 1 --medium /media/usb
  urne -d event ceremony assemble
Each round prints the fingerprint to read aloud and says which files to
carry to whom next.";
    pub const KEY_TEST: &str = "\
Example (each keyholder, before voting opens):
  urne -d event key test --share /media/keyholder-usb/keyholder-1.share";
    pub const CREDENTIALS: &str = "\
Example (the credential authority, on its own machine, before the box opens):
  urne -d event credentials issue --codes /media/printer-usb/credential-codes.csv";
    pub const CREDENTIALS_ISSUE: &str = CREDENTIALS;
    pub const ENCRYPT: &str = "\
Examples (rehearsals):
  urne -d event encrypt --referendum sogne --voter V123 --choice Ja --out ballot.json
  urne -d event encrypt --referendum sogne --voter V123 --choice Ja \\
    --out ballot.json      # events with credentials: asks for the code, no echo
  urne -d event encrypt --referendum sogne --voter V123 --choice Ja \\
    --credential-file card.txt --out ballot.json      # or the code from a file
  urne -d event encrypt --referendum sogne --voter V123 --choice 1 \\
    | urne -d event box cast --ballot - --voter V123 --referendum sogne";
    pub const BOX: &str = "\
Examples (rehearsals):
  urne -d event box init
  urne -d event box cast --ballot ballot.json --voter V123 --referendum sogne
  urne -d event box close";
    pub const BOX_INIT: &str = "\
Example (rehearsals):
  urne -d event box init        # the box operator chooses a passphrase";
    pub const BOX_CAST: &str = "\
Examples (rehearsals):
  urne -d event box cast --ballot ballot.json --voter V123 --referendum sogne
  urne -d event box cast --ballot - --voter V123 --referendum sogne \\
    --at 2027-01-25T10:00:00+01:00          # the ballot on standard input
Times are RFC 3339: `urne help times`.";
    pub const BOX_SERVE: &str = "\
Example (the receiving service, for the voting system):
  urne -d event box serve --config box-serve.toml --listen 127.0.0.1:8443";
    pub const TRACK: &str = "\
Example (a voter, with the tracker from their receipt):
  urne track 7K2M-Q9XA-3DRT-B8WN published/";
    pub const BOX_CLOSE: &str = "\
Example (rehearsals):
  urne -d event box close --at 2027-02-02T21:00:00+01:00";
    pub const UNLOCK: &str = "\
Example (both keyholders at the same machine):
  urne -d event unlock --share /media/kari/keyholder-1.share --share /media/ola/keyholder-2.share
Each keyholder types their passphrase first (three tries each); every share is
checked before the box is read. A keyholder whose share does not open is named
and left out; the unlock goes on if enough keyholders remain.";
    pub const PARTIAL_DECRYPT: &str = "\
Example (on the keyholder's own machine, with a copy of the event directory):
  urne -d event partial-decrypt --share /media/ola/keyholder-2.share
Then hand partials/keyholder-2.json to the authority; it holds no secret.";
    pub const COMBINE: &str = "\
Examples:
  urne -d event combine                     # every partials/*.json
  urne -d event combine --partial kari.json --partial ola.json";
    pub const POSTAL: &str = "\
Examples:
  urne -d event postal trial --envelopes envelopes.csv
  urne -d event postal count --entries counts.csv --explanations why.csv
The CSV files are comma-separated UTF-8 with a fixed header: `urne help csv`.";
    pub const POSTAL_TRIAL: &str = "\
Example:
  urne -d event postal trial --envelopes envelopes.csv
The envelope file: envelope_id,voter_id,received_at,referendum, comma-separated
(`urne help csv`), times in RFC 3339 (`urne help times`).";
    pub const POSTAL_COUNT: &str = "\
Example:
  urne -d event postal count --entries counts.csv --explanations why.csv
The entries: referendum,round,attempt,pair,member,option,figure (`urne help csv`).";
    pub const SIGNER: &str = "\
Example (each member of the leadership group, before the key ceremony; pin
the printed key in the manifest's [leadership_keys]):
  urne -d event signer new --name \"Ingrid Berg\"";
    pub const PROTOCOL: &str = "\
Examples:
  urne -d event protocol                               # write the protocols
  urne -d event protocol sign --key signers/ingrid-berg.key
  urne -d event protocol check --complete              # fails until all have signed";
    pub const PROTOCOL_SIGN: &str = "\
Example (each member of the leadership group):
  urne -d event protocol sign --key signers/ingrid-berg.key";
    pub const PROTOCOL_CHECK: &str = "\
Examples:
  urne -d event protocol check
  urne -d event protocol check --complete   # fails until everyone has signed";
    pub const VERIFY: &str = "\
Examples:
  urne verify audit/            # the directory from `urne audit-pack`
  urne -d event verify          # the same as `urne verify event`
  urne verify --json audit/ > report.json
Exit status: 0 every check held, 1 the evidence contradicts the result,
3 files are missing or unreadable. `urne explain V-BOX` says what a check does.";
    pub const AUDIT_PACK: &str = "\
Example:
  urne -d event audit-pack --out /srv/audit/sogne-songdalen-2027";
    pub const SIMULATE: &str = "\
Examples (test events; see `urne help testing`):
  urne -d sim simulate --voters 100000 --insecure-fast-kdf \\
    --passphrase-file pass.txt --passphrase-file pass.txt
  urne -d sim simulate --manifest examples/event/manifest.toml \\
    --key keys-example/election-key.json --voters 30";
    pub const DEMO: &str = "\
Example:
  urne demo --out demo-out     # then look at demo-out/protocols/";
    pub const PUBLISH: &str = "\
Examples:
  urne -d event publish --out /srv/results --new-publisher-key   # the first time
  urne -d event publish --out /srv/results                       # each update";
    pub const SERVE: &str = "\
Examples:
  urne serve --publisher-key BASE64KEY /srv/results
  urne serve --config serve.toml --listen 0.0.0.0:8080 /srv/results
The key is the one `urne publish --new-publisher-key` printed; the
configuration file is described by `urne help serve-config`.";
    pub const FETCH: &str = "\
Example (a newsroom):
  urne fetch https://valg.example.no/ --publisher-key BASE64KEY --out results/";
    pub const EXPLAIN: &str = "\
Examples:
  urne explain E-TIME
  urne explain V-BOX
  urne help codes              # every code";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_found_in_tables_and_headings() {
        let t = describe("E-TIME").expect("E-TIME is documented");
        assert!(t.contains("RFC 3339"), "{t}");
        let v = describe("V-BOX").expect("V-BOX is documented");
        assert!(!v.is_empty());
        assert!(describe("E-FETCH-KEY").is_some(), "a row naming two codes");
        assert!(describe("E-NO-SUCH-THING").is_none());
    }

    #[test]
    fn the_serve_topic_is_the_configuration_section() {
        let t = serve_config_text();
        assert!(t.starts_with("### Server configuration"), "{t}");
        assert!(t.contains("listen"), "{t}");
        assert!(!t.contains("## 5."), "{t}");
    }

    #[test]
    fn links_read_as_their_text() {
        assert_eq!(plain("see [Postal](#postal-votes) here"), "see Postal here");
    }
}

#[cfg(test)]
mod every_command {
    use clap::CommandFactory;

    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if matches!(id, "help" | "version") || arg.is_hide_set() {
                continue;
            }
            if arg.get_help().is_none() {
                missing.push(format!("{path}: flag {id} has no help text"));
            }
        }
        let subs: Vec<&clap::Command> = cmd
            .get_subcommands()
            .filter(|s| s.get_name() != "help")
            .collect();
        if subs.is_empty() && !path.is_empty() {
            let has_example = cmd
                .get_after_help()
                .is_some_and(|h| h.to_string().contains("urne "));
            if !has_example {
                missing.push(format!("{path}: no example below its help"));
            }
        }
        if !path.is_empty() && cmd.get_about().is_none() {
            missing.push(format!("{path}: no one-line description"));
        }
        for s in subs {
            walk(s, &format!("{path} {}", s.get_name()), missing);
        }
    }

    /// Every flag of every command says what it is for, and every command
    /// shows an example (its own, or its group's: `urne box --help`).
    #[test]
    fn every_flag_has_help_and_every_command_an_example() {
        let cmd = super::super::Cli::command();
        let mut missing = Vec::new();
        walk(&cmd, "", &mut missing);
        // A leaf of a group may rely on the group's examples only if it
        // has its own: no exception is made here.
        assert!(missing.is_empty(), "{}", missing.join("\n"));
    }

    /// `urne help NAME` for a topic must not hide `urne help CMD`.
    #[test]
    fn no_topic_is_named_like_a_command() {
        let cmd = super::super::Cli::command();
        for (topic, _, _) in super::TOPICS {
            assert!(
                cmd.find_subcommand(topic).is_none(),
                "topic {topic} hides the help of `urne {topic}`"
            );
        }
    }

    /// The arguments parse as clap requires (no two flags with one name).
    #[test]
    fn the_flags_are_consistent() {
        super::super::Cli::command().debug_assert();
    }
}
