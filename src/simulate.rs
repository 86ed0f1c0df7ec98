//! Test events of any size: a roll, and a closed box full of encrypted ballots
//! with re-votes and bad ballots of every kind, together with the *truth* — what
//! the count must find — computed independently of [`crate::tally`].
//!
//! For rehearsals, tests and benchmarks only. The randomness (votes and
//! encryption alike) comes from a seeded generator so a run can be repeated; a
//! real voting client uses the operating system's generator.

use crate::crypto::random_scalar;
use std::collections::BTreeMap;
use std::path::Path;

use curve25519_dalek::scalar::Scalar;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

use crate::ballot::{self, Ballot, BallotContext};
use crate::ballot_box::intake::{state_path, BoxLock, BoxWriter, IntakeError};
use crate::ballot_box::{BallotRecord, BoxError, BoxHeader, BoxSigningKey, RecordKind, BOX_FORMAT};
use crate::credentials::{CredentialCode, CredentialSignature};
use crate::crypto::encoding::{Digest32, Elem, PubScalar, Transcript};
use crate::event::{EvotePolicy, Manifest};
use crate::keys::ElectionKey;
use crate::tally::Rejection;

/// What to simulate.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Entitled voters per referendum, in manifest order.
    pub entitled: Vec<u64>,
    /// Share of the roll that casts an e-vote (0..=1).
    pub turnout: f64,
    /// Share of e-voters who cast a second ballot later (0..=1).
    pub revote: f64,
    /// How many ballots of each bad kind per referendum: not in roll, outside
    /// the window, invalid proof, copied ciphertexts.
    pub bad_each: u64,
    pub seed: u64,
    /// Per referendum (manifest order): fix the split of the counted votes
    /// between its options, as weights (e.g. 50, 30, 20). The counted votes
    /// are then exactly proportional (largest remainders); `None`, or a
    /// missing entry, draws each choice uniformly.
    pub split: Vec<Option<Vec<f64>>>,
}

/// `total` split in proportion to `weights` by largest remainders: the
/// parts add up to `total` exactly.
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    reason = "each part lies in 0..=total"
)]
pub fn apportion(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().map(|w| w.max(0.0)).sum();
    if weights.is_empty() || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights
        .iter()
        .map(|w| total as f64 * w.max(0.0) / sum)
        .collect();
    let mut parts: Vec<u64> = exact.iter().map(|x| x.floor() as u64).collect();
    let mut left = total.saturating_sub(parts.iter().sum());
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    for &i in order.iter().cycle() {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    parts
}

/// What a count of the simulated box must find, per referendum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthReferendum {
    pub id: String,
    pub entitled: u64,
    pub received: u64,
    pub counted: u64,
    pub superseded: u64,
    pub rejected: BTreeMap<String, u64>,
    /// Votes per option, in manifest order.
    pub votes: Vec<u64>,
}

/// The simulation's record of what it cast (`urne-simulation/1`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truth {
    pub format: String,
    pub seed: u64,
    pub policy: EvotePolicy,
    pub ballots: u64,
    pub referendums: Vec<TruthReferendum>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Good,
    NotInRoll,
    Outside,
    BadProof,
    /// A ballot stuffed by whoever runs the box: well formed, but signed
    /// with a credential that is not the voter's (events with credentials).
    BadCredential,
    /// A copy of the ciphertexts of plan `u32`.
    Copy(u32),
}

/// Who casts a planned ballot: the `n`th voter on the referendum's roll
/// (1-based), or the `n`th voter who is not on it. A number, not an id, so
/// that four million plans take 24 bytes each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Voter {
    OnRoll(u64),
    NotOnRoll(u64),
}

#[derive(Clone, Debug)]
struct Plan {
    referendum: u16,
    choice: u16,
    kind: Kind,
    voter: Voter,
}

impl Plan {
    fn referendum(&self) -> usize {
        usize::from(self.referendum)
    }

    fn choice(&self) -> usize {
        usize::from(self.choice)
    }

    fn voter_id(&self, manifest: &Manifest) -> String {
        let r = &manifest.referendums()[self.referendum()].id;
        match self.voter {
            Voter::OnRoll(n) => voter_id(r, n),
            Voter::NotOnRoll(b) => format!("{r}-not-on-roll-{b}"),
        }
    }
}

/// The voter id of the `n`th voter (1-based) on referendum `id`'s roll.
pub fn voter_id(referendum: &str, n: u64) -> String {
    format!("{referendum}-{n:06}")
}

/// The roll entries `(voter, referendum)` for a spec, one at a time.
pub fn roll_entries<'a>(
    manifest: &'a Manifest,
    spec: &'a Spec,
) -> impl Iterator<Item = (String, String)> + 'a {
    manifest
        .referendums()
        .iter()
        .zip(&spec.entitled)
        .flat_map(|(r, &n)| (1..=n).map(move |i| (voter_id(&r.id, i), r.id.clone())))
}

/// `round(n · fraction)` for a fraction clamped to 0..=1.
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "the product lies in 0..=n after clamping"
)]
fn share_of(n: u64, fraction: f64) -> u64 {
    ((n as f64) * fraction.clamp(0.0, 1.0)).round() as u64
}

/// Plans every ballot of the box, in box order. (Referendums and options are
/// numbered in 16 bits, far above what a manifest holds; a copy's source in
/// 32 bits.)
fn plans(manifest: &Manifest, spec: &Spec, signed: bool, rng: &mut StdRng) -> Vec<Plan> {
    let mut firsts = Vec::new();
    let mut revotes = Vec::new();
    let mut bad = Vec::new();
    for (ri, (r, &n)) in manifest
        .referendums()
        .iter()
        .zip(&spec.entitled)
        .enumerate()
    {
        let referendum = u16::try_from(ri).unwrap_or(u16::MAX);
        let k = r.options.len();
        // Drawn as a usize, as before plans were packed, so that a seed gives
        // the same box as it did.
        let choose = |rng: &mut StdRng| u16::try_from(rng.gen_range(0..k)).unwrap_or(0);
        let voters = share_of(n, spec.turnout);
        // Voters beyond those who vote well cast the bad ballots that need a
        // voter on the roll, so each bad kind is the voter's only ballot.
        let reserved = if signed { 4 } else { 3 } * spec.bad_each;
        let voters = voters.min(n.saturating_sub(reserved));
        let plan = |voter, choice, kind| Plan {
            referendum,
            choice,
            kind,
            voter,
        };
        match spec.split.get(ri).and_then(Option::as_ref) {
            None => {
                for v in 1..=voters {
                    firsts.push(plan(Voter::OnRoll(v), choose(rng), Kind::Good));
                    if rng.gen_bool(spec.revote.clamp(0.0, 1.0)) {
                        revotes.push(plan(Voter::OnRoll(v), choose(rng), Kind::Good));
                    }
                }
            }
            Some(weights) => {
                // The counted choice of each voter, in exact proportions,
                // shuffled; a re-vote's other ballot is drawn freely and put
                // where the policy does not count it.
                use rand::seq::SliceRandom;
                let mut finals: Vec<u16> = apportion(voters, weights)
                    .iter()
                    .enumerate()
                    .flat_map(|(c, &n)| {
                        std::iter::repeat_n(
                            u16::try_from(c).unwrap_or(0),
                            usize::try_from(n).unwrap_or(0),
                        )
                    })
                    .collect();
                finals.shuffle(rng);
                for (v, &fin) in (1..=voters).zip(&finals) {
                    if rng.gen_bool(spec.revote.clamp(0.0, 1.0)) {
                        let other = choose(rng);
                        let (first, second) = match manifest.evote_policy {
                            EvotePolicy::Single => (fin, other),
                            EvotePolicy::LastCounts => (other, fin),
                        };
                        firsts.push(plan(Voter::OnRoll(v), first, Kind::Good));
                        revotes.push(plan(Voter::OnRoll(v), second, Kind::Good));
                    } else {
                        firsts.push(plan(Voter::OnRoll(v), fin, Kind::Good));
                    }
                }
            }
        }
        for b in 0..spec.bad_each {
            let per = if signed { 4 } else { 3 };
            let spare = |j: u64| Voter::OnRoll(voters + 1 + per * b + j);
            bad.push(plan(Voter::NotOnRoll(b), 0, Kind::NotInRoll));
            bad.push(plan(spare(0), 0, Kind::Outside));
            bad.push(plan(spare(1), 0, Kind::BadProof));
            // The source index is fixed below, once positions are known.
            bad.push(plan(spare(2), 0, Kind::Copy(u32::MAX)));
            if signed {
                bad.push(plan(spare(3), 0, Kind::BadCredential));
            }
        }
    }
    let mut all = firsts;
    let n_first = all.len();
    all.extend(revotes);
    // Copies copy a first ballot of the same referendum.
    for p in &mut bad {
        if let Kind::Copy(_) = p.kind {
            let src = all[..n_first]
                .iter()
                .position(|q| q.referendum == p.referendum)
                .and_then(|i| u32::try_from(i).ok());
            match src {
                Some(i) => {
                    p.kind = Kind::Copy(i);
                    p.choice = all[i as usize].choice;
                }
                None => p.kind = Kind::BadProof,
            }
        }
    }
    all.extend(bad);
    all
}

fn truth(manifest: &Manifest, spec: &Spec, plans: &[Plan]) -> Truth {
    let policy = manifest.evote_policy;
    let mut out: Vec<TruthReferendum> = manifest
        .referendums()
        .iter()
        .zip(&spec.entitled)
        .map(|(r, &n)| TruthReferendum {
            id: r.id.clone(),
            entitled: n,
            received: 0,
            counted: 0,
            superseded: 0,
            rejected: Rejection::ALL
                .iter()
                .map(|x| (x.as_str().to_string(), 0))
                .collect(),
            votes: vec![0; r.options.len()],
        })
        .collect();
    // The final good ballot's choice per voter under the policy, per
    // referendum, indexed by the voter's number on the roll.
    const NONE: u16 = u16::MAX;
    let mut final_choice: Vec<Vec<u16>> = spec
        .entitled
        .iter()
        .map(|&n| vec![NONE; usize::try_from(n).unwrap_or(0) + 1])
        .collect();
    for p in plans {
        let t = &mut out[p.referendum()];
        t.received += 1;
        let reject = |t: &mut TruthReferendum, r: Rejection| {
            *t.rejected.entry(r.as_str().into()).or_default() += 1;
        };
        match (p.kind, p.voter) {
            (Kind::NotInRoll, _) => reject(t, Rejection::NotInRoll),
            (Kind::Outside, _) => reject(t, Rejection::OutsideWindow),
            (Kind::BadProof, _) => reject(t, Rejection::InvalidProof),
            (Kind::BadCredential, _) => reject(t, Rejection::BadCredential),
            (Kind::Copy(_), _) => reject(t, Rejection::CopiedBallot),
            (Kind::Good, Voter::NotOnRoll(_)) => reject(t, Rejection::NotInRoll),
            (Kind::Good, Voter::OnRoll(v)) => {
                let slot = &mut final_choice[p.referendum()][usize::try_from(v).unwrap_or(0)];
                match (policy, *slot != NONE) {
                    (EvotePolicy::Single, true) => reject(t, Rejection::AlreadyVotedElectronically),
                    (EvotePolicy::LastCounts, true) => {
                        t.superseded += 1;
                        *slot = p.choice;
                    }
                    (_, false) => {
                        t.counted += 1;
                        *slot = p.choice;
                    }
                }
            }
        }
    }
    for (r, choices) in final_choice.iter().enumerate() {
        for &c in choices.iter().filter(|&&c| c != NONE) {
            out[r].votes[usize::from(c)] += 1;
        }
    }
    Truth {
        format: "urne-simulation/1".into(),
        seed: spec.seed,
        policy,
        ballots: plans.len() as u64,
        referendums: out,
    }
}

fn ballot_rng(seed: u64, index: usize) -> StdRng {
    let mut t = Transcript::sha256("urne/v1/simulation-ballot");
    t.u64(seed).u64(index as u64);
    StdRng::from_seed(t.finish32())
}

fn make_ballot(
    key: &ElectionKey,
    manifest: &Manifest,
    plans: &[Plan],
    i: usize,
    seed: u64,
    signed: bool,
) -> (Ballot, Option<CredentialSignature>) {
    let p = &plans[i];
    let r = &manifest.referendums()[p.referendum()];
    let k = r.options.len();
    // A copy reuses its source's randomness: the same ciphertexts, re-proved
    // for the copier's voter id, so the proofs verify.
    let src = match p.kind {
        Kind::Copy(s) => s as usize,
        _ => i,
    };
    let voter = p.voter_id(manifest);
    let mut rng = ballot_rng(seed, src);
    let randomness: Vec<Zeroizing<Scalar>> = (0..ballot::Encoding::for_options(k).randomness(k))
        .map(|_| Zeroizing::new(random_scalar(&mut rng)))
        .collect();
    let ctx = BallotContext {
        fingerprint: &key.fingerprint,
        referendum: &r.id,
        voter: &voter,
    };
    let mut proof_rng = ballot_rng(seed ^ 0x5eed, i);
    let mut b =
        ballot::encrypt_with_randomness(&key.key, &ctx, k, p.choice(), &randomness, &mut proof_rng)
            .unwrap_or_else(|_| unreachable_ballot());
    if p.kind == Kind::BadProof {
        match &mut b {
            Ballot::Packed(x) => x.proof.s[0] = PubScalar(x.proof.s[0].0 + Scalar::ONE),
            Ballot::OneHot(x) => {
                x.options[0].proof.s0 = PubScalar(x.options[0].proof.s0.0 + Scalar::ONE);
            }
        }
    }
    if !signed {
        return (b, None);
    }
    // The voting client signs with the voter's credential; a stuffed ballot
    // with a code the box operator made up.
    let code = match p.kind {
        Kind::BadCredential => credential_code(seed ^ 0x57_0ff, &voter),
        _ => credential_code(seed, &voter),
    };
    let sig = code
        .key(&key.fingerprint, &voter)
        .sign(&ctx, &b, &mut proof_rng);
    (b, Some(sig))
}

/// The credential code the simulation gives `voter` (derived from the seed,
/// so that a run can be repeated; a real credential authority draws codes
/// from the operating system, `urne credentials issue`).
pub fn credential_code(seed: u64, voter: &str) -> CredentialCode {
    let mut t = Transcript::sha256("urne/v1/simulation-credential");
    t.u64(seed).str(voter);
    CredentialCode::generate(&mut StdRng::from_seed(t.finish32()))
}

/// The public credential list of a simulated roll: every voter on it with
/// the key of [`credential_code`], in byte order of voter ids.
pub fn credential_list(
    manifest: &Manifest,
    spec: &Spec,
    fingerprint: &[u8; 32],
) -> Vec<(String, Elem)> {
    let mut voters: Vec<String> = roll_entries(manifest, spec).map(|(v, _)| v).collect();
    voters.sort_unstable();
    voters.dedup();
    voters
        .into_par_iter()
        .map(|v| {
            let key = credential_code(spec.seed, &v).key(fingerprint, &v).public();
            (v, key)
        })
        .collect()
}

// encrypt_with_randomness only fails for a choice out of range, which the
// planner never makes; an empty ballot would be rejected by the count anyway.
fn unreachable_ballot() -> Ballot {
    use crate::crypto::encoding::Elem;
    use crate::crypto::proofs::DleqProof;
    let e = Elem::from_point(&curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT);
    Ballot::OneHot(ballot::OneHotBallot {
        options: Vec::new(),
        sum_proof: DleqProof {
            a: e,
            b: e,
            s: PubScalar(Scalar::ZERO),
        },
    })
}

fn fmt_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// Writes a closed box of simulated ballots at `path` and returns the truth.
/// With `credentials` (the SHA-256 of the list [`credential_list`] gives,
/// written by the caller), the box header names it, every ballot is signed
/// with its voter's credential and `bad_each` stuffed ballots a referendum
/// are signed with a wrong one. `progress` is called with the number of
/// ballots written so far.
pub fn write_box(
    manifest: &Manifest,
    key: &ElectionKey,
    spec: &Spec,
    credentials: Option<Digest32>,
    path: &Path,
    force: bool,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Truth, BoxError> {
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let signed = credentials.is_some();
    let plans = plans(manifest, spec, signed, &mut rng);
    let truth = truth(manifest, spec, &plans);
    let (box_key, _) = BoxSigningKey::generate()?;
    let opens = manifest.voting_opens;
    let closes = manifest.voting_closes;
    let header = BoxHeader {
        record: RecordKind::Header,
        format: BOX_FORMAT.into(),
        event: key.file.event.clone(),
        fingerprint: Digest32(key.fingerprint),
        box_key: box_key.public_b64(),
        created_at: fmt_time(opens - Duration::hours(1)),
        credentials_sha256: credentials,
    };
    // Through the box's own append path (one writer, one write and one
    // fdatasync per group), as `box cast --batch` and `box serve` append.
    let _lock = BoxLock::take(path).map_err(|e| match e {
        IntakeError::Box(b) => b,
        other => BoxError::Io {
            file: path.display().to_string(),
            source: std::io::Error::other(other.to_string()),
        },
    })?;
    let _ = std::fs::remove_file(state_path(path));
    let mut w = BoxWriter::create(path, &header, force)?;
    let total = plans.len();
    let span = (closes - opens).whole_seconds().max(1);
    const CHUNK: usize = 2048;
    for start in (0..total).step_by(CHUNK) {
        let end = (start + CHUNK).min(total);
        let ballots: Vec<(Ballot, Option<CredentialSignature>)> = (start..end)
            .into_par_iter()
            .map(|i| make_ballot(key, manifest, &plans, i, spec.seed, signed))
            .collect();
        let records = (start..end).zip(ballots).map(|(i, (b, credential))| {
            let p = &plans[i];
            let at = if p.kind == Kind::Outside {
                closes + Duration::minutes(5)
            } else {
                // Spread over the window in plan order; i < total.
                let frac = i64::try_from(i).unwrap_or(0) * span / i64::try_from(total).unwrap_or(1);
                opens + Duration::seconds(frac)
            };
            BallotRecord {
                record: RecordKind::Ballot,
                seq: 0,
                prev: Digest32::default(),
                voter: p.voter_id(manifest),
                referendum: manifest.referendums()[p.referendum()].id.clone(),
                cast_at: fmt_time(at),
                ballot: b,
                credential,
            }
        });
        w.append_records(records)?;
        progress(end as u64, total as u64);
    }
    w.seal(&header, &box_key, &fmt_time(closes + Duration::minutes(1)))?;
    Ok(truth)
}

/// What the postal part of a simulation sent and what its count must find.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostalTruth {
    pub id: String,
    pub received: u64,
    pub approved: u64,
    /// Every reason, zero included.
    pub rejected: BTreeMap<String, u64>,
    /// The postal count's categories ([`crate::postal::categories`]).
    pub categories: Vec<String>,
    /// The approved ballots per category.
    pub figures: Vec<u64>,
}

/// A simulated postal vote: the envelope file, the count entries (round 1's
/// pair disagrees once and recounts; round 2 agrees), and the truth.
#[derive(Clone, Debug)]
pub struct PostalSim {
    pub envelopes_csv: String,
    pub entries_csv: String,
    pub truth: Vec<PostalTruth>,
}

/// Simulates postal votes: `share` of each referendum's voters without a
/// counted e-vote send an envelope on time, and `bad_each` envelopes of each
/// rejection reason are added (a voter with an e-vote, a voter not in the
/// roll, no voter id, a second envelope from a postal voter, a late one).
pub fn postal(
    manifest: &Manifest,
    roll: &[(String, String)],
    marked: &crate::postal::MarkedRoll,
    share: f64,
    bad_each: u64,
    seed: u64,
) -> PostalSim {
    use crate::postal::{categories, PostalReason};
    use rand::seq::SliceRandom;
    let mut rng = StdRng::seed_from_u64(seed ^ 0x706f_7374_616c);
    let deadline = manifest.postal_deadline;
    let mut rows: Vec<(OffsetDateTime, String, String)> = Vec::new(); // (at, voter, referendum)
    let mut truth = Vec::new();
    let mut entries = String::from("referendum,round,attempt,pair,member,option,figure\n");
    for r in manifest.referendums() {
        let cats = categories(r);
        let mut rejected: BTreeMap<String, u64> = PostalReason::ALL
            .iter()
            .map(|x| (x.as_str().to_string(), 0))
            .collect();
        let voters: Vec<&String> = roll
            .iter()
            .filter(|(_, rr)| *rr == r.id)
            .map(|(v, _)| v)
            .collect();
        let (mut with_e, mut without): (Vec<&String>, Vec<&String>) =
            voters.iter().partition(|v| marked.contains(&r.id, v));
        without.shuffle(&mut rng);
        with_e.shuffle(&mut rng);
        let k = usize::try_from(share_of(without.len() as u64, share)).unwrap_or(0);
        let late_pool = without.split_off(k.min(without.len()));
        let postal_voters = without;
        let on_time =
            |rng: &mut StdRng| deadline - Duration::seconds(rng.gen_range(86_400..20 * 86_400));
        let mut figures = vec![0u64; cats.len()];
        let invalid = cats.len() - 1;
        let mut firsts = Vec::new();
        for v in &postal_voters {
            let at = on_time(&mut rng);
            rows.push((at, (*v).clone(), r.id.clone()));
            firsts.push(at);
            // Most ballots are for an option; a few are blank or invalid.
            let c = if rng.gen_bool(0.01) {
                invalid
            } else if rng.gen_bool(0.01) {
                cats.len() - 2
            } else {
                rng.gen_range(0..r.options.len())
            };
            figures[c] += 1;
        }
        let bad = usize::try_from(bad_each).unwrap_or(0);
        let mut add = |reason: PostalReason, at: OffsetDateTime, voter: String| {
            rows.push((at, voter, r.id.clone()));
            *rejected.entry(reason.as_str().to_string()).or_default() += 1;
        };
        for v in with_e.iter().take(bad) {
            add(
                PostalReason::HasElectronicVote,
                on_time(&mut rng),
                (*v).clone(),
            );
        }
        for j in 0..bad {
            add(
                PostalReason::NotInRoll,
                on_time(&mut rng),
                format!("{}-unknown-{j}", r.id),
            );
            add(
                PostalReason::Unidentifiable,
                on_time(&mut rng),
                String::new(),
            );
        }
        for (v, at) in postal_voters.iter().zip(&firsts).take(bad) {
            add(
                PostalReason::AlreadyVoted,
                *at + Duration::hours(1),
                (*v).clone(),
            );
        }
        for v in late_pool.iter().take(bad) {
            let at = deadline + Duration::seconds(rng.gen_range(60..2 * 86_400));
            add(PostalReason::Late, at, (*v).clone());
        }
        let approved = postal_voters.len() as u64;
        truth.push(PostalTruth {
            id: r.id.clone(),
            received: approved + rejected.values().sum::<u64>(),
            approved,
            rejected,
            categories: cats.clone(),
            figures: figures.clone(),
        });
        // Round 1: the pair's second member miscounts once, then they recount.
        let mut slip = figures.clone();
        if slip.len() >= 2 && slip[0] > 0 {
            slip[0] -= 1;
            slip[1] += 1;
        }
        let mut put = |round: u32, attempt: u32, pair: &str, member: &str, f: &[u64]| {
            for (c, v) in cats.iter().zip(f) {
                entries.push_str(&format!(
                    "{},{round},{attempt},{pair},{member},{c},{v}\n",
                    r.id
                ));
            }
        };
        if approved > 0 {
            put(1, 1, "Pair 1", "Liv Dahl", &figures);
            put(1, 1, "Pair 1", "Tor Moen", &slip);
            put(1, 2, "Pair 1", "Liv Dahl", &figures);
            put(1, 2, "Pair 1", "Tor Moen", &figures);
            put(2, 1, "Pair 2", "Eva Lund", &figures);
            put(2, 1, "Pair 2", "Nils Berg", &figures);
        }
    }
    rows.sort();
    let mut envelopes_csv = String::from("envelope_id,voter_id,received_at,referendum\n");
    for (n, (at, v, r)) in rows.iter().enumerate() {
        envelopes_csv.push_str(&format!(
            "E{:06},{v},{},{r}\n",
            n + 1,
            at.format(&Rfc3339).unwrap_or_default()
        ));
    }
    PostalSim {
        envelopes_csv,
        entries_csv: entries,
        truth,
    }
}
