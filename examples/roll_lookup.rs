//! The roll lookup alone (`Roll::slot`), as the count does it for each
//! ballot: a roll of N voters of one referendum, looked up in random order,
//! every voter once a round (found) and as many ids that are not on it.
//! Prints nanoseconds a lookup, and the SHA-256 of the same ids alone
//! (which `slot` computes first), so that the difference is the search.
//!
//! ```text
//! roll_lookup N [ROUNDS]
//! ```

use std::time::Instant;

use rand::rngs::OsRng;
use rand::seq::SliceRandom;

use urne::crypto::encoding::sha256;
use urne::event::{Manifest, Roll};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(n), rounds) = (
        args.get(1).and_then(|a| a.parse::<usize>().ok()),
        args.get(2)
            .and_then(|a| a.parse::<usize>().ok())
            .unwrap_or(3),
    ) else {
        eprintln!("usage: roll_lookup N [ROUNDS]");
        std::process::exit(2)
    };
    let manifest = Manifest::parse(
        include_str!("event/manifest.toml"),
        "examples/event/manifest.toml",
    )
    .expect("the example manifest parses");
    let ids: Vec<String> = (0..n).map(|i| format!("V{i:08}")).collect();
    let roll = Roll::from_entries(&manifest, ids.iter().map(|v| (v.clone(), "sogne".into())))
        .expect("the roll builds");
    let mut on: Vec<&str> = ids.iter().map(String::as_str).collect();
    let off: Vec<String> = (0..n).map(|i| format!("X{i:08}")).collect();
    let mut off: Vec<&str> = off.iter().map(String::as_str).collect();

    let (mut t_on, mut t_off, mut t_sha) = (0u128, 0u128, 0u128);
    let mut found = 0usize;
    for _ in 0..rounds {
        on.shuffle(&mut OsRng);
        off.shuffle(&mut OsRng);
        let t = Instant::now();
        for v in &on {
            found += usize::from(roll.slot(0, v).is_some());
        }
        t_on += t.elapsed().as_nanos();
        let t = Instant::now();
        for v in &off {
            found += usize::from(roll.slot(0, v).is_some());
        }
        t_off += t.elapsed().as_nanos();
        let t = Instant::now();
        let mut x = 0u8;
        for v in &on {
            x ^= sha256(v.as_bytes())[0];
        }
        t_sha += t.elapsed().as_nanos();
        std::hint::black_box(x);
    }
    assert_eq!(
        found,
        n * rounds,
        "every voter on the roll is found, no other"
    );
    let per = |t: u128| t as f64 / (n * rounds) as f64;
    println!(
        "roll of {n}: slot {:.1} ns (on the roll), {:.1} ns (not on it); SHA-256 alone {:.1} ns",
        per(t_on),
        per(t_off),
        per(t_sha)
    );
}
