//! What the ceremonies say to the people at the terminal, in the event's
//! language (DESIGN.md, "Language and time"; docs/help/language.txt).
//!
//! The command finds its event directory first; [`use_event_language`] then
//! reads the manifest's `language` once, and every prompt and message after
//! that is taken from the same Fluent files as the protocol and the results
//! page (`i18n/<tag>/urne.ftl`, section "Ceremonies"), by id, through
//! [`tr!`]. Before a manifest is read, or where there is none (`urne
//! verify` on a published directory without one, `urne serve`), English.
//!
//! What stays English whatever the manifest says: error lines
//! (`urne: error[CODE]: …`, quoted in logs and support requests, and
//! explained by `urne explain CODE`), the ceremony log, file formats and
//! codes.

use std::sync::OnceLock;

use urne::i18n::{self, Arg, Lang};

static LANG: OnceLock<Lang> = OnceLock::new();

/// The language of this run's messages: the event's, once known; English
/// before.
pub fn lang() -> Lang {
    LANG.get().copied().unwrap_or_else(Lang::fallback)
}

/// Takes the language of the manifest at `path` for every message after
/// this, if the manifest can be read; otherwise the messages stay English
/// (the command itself then names what is wrong with the manifest). The
/// first language set in a run is kept.
pub fn use_event_language(manifest: &std::path::Path) {
    if LANG.get().is_some() || !manifest.is_file() {
        return;
    }
    if let Ok((m, _)) = urne::event::Manifest::load(manifest) {
        let _ = LANG.set(m.language);
    }
}

/// The message `id` in this run's language.
pub fn t(id: &str, args: &[(&str, Arg)]) -> String {
    i18n::t(lang(), id, args)
}

/// A figure for people, grouped as the language groups digits.
pub fn int(n: u64) -> String {
    i18n::int(lang(), n)
}

/// `tr!("unlock-opened", index = 1, name = "Kari")`: the message by id, in
/// the event's language, with its arguments.
macro_rules! tr {
    ($id:literal $(, $k:ident = $v:expr)* $(,)?) => {
        $crate::cli::say::t($id, &[$((stringify!($k), urne::i18n::Arg::from($v))),*])
    };
}

pub(crate) use tr;
