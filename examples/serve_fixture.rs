//! Writes a publication of realistic size for bench/serve.sh: a ~20 kB JSON,
//! a ~40 kB XML and a ~10 kB HTML file, signed with a throwaway key.
//!
//! `cargo run --release --example serve_fixture -- PUBDIR`

use std::process::ExitCode;

use urne::error::Explain;
use urne::publish::store::{publish, PublicationMeta, PublishedFile, PublisherKey, Status};

/// Repeats `unit(i)` until the text reaches `size` bytes.
fn grow(head: &str, tail: &str, size: usize, unit: impl Fn(usize) -> String) -> Vec<u8> {
    let mut s = head.to_string();
    let mut i = 0;
    while s.len() + tail.len() < size {
        s.push_str(&unit(i));
        i += 1;
    }
    s.push_str(tail);
    s.into_bytes()
}

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: serve_fixture PUBDIR");
        return ExitCode::from(2);
    };
    let json = grow("{\"Contests\": [", "{}]}\n", 20_000, |i| {
        format!(
            "{{\"@id\": \"c{i}\", \"Name\": \"Søgne og Songdalen {i}\", \"Ja\": {}, \"Nei\": {}, \"Blank\": {}}},\n",
            4000 + i * 7,
            3000 + i * 5,
            40 + i
        )
    });
    let xml = grow("<ElectionReport>\n", "</ElectionReport>\n", 40_000, |i| {
        format!(
            "  <VoteCounts><GpUnitId>gp{i}</GpUnitId><Type>other</Type><OtherType>electronic</OtherType><Count>{}</Count></VoteCounts>\n",
            1000 + i * 3
        )
    });
    let html = grow(
        "<!doctype html><html><body><table>\n",
        "</table></body></html>\n",
        10_000,
        |i| {
            format!(
                "<tr><td>Krets {i}</td><td>{}</td><td>{}</td></tr>\n",
                500 + i,
                400 + i
            )
        },
    );
    let file = |name: &str, content_type: &str, bytes: Vec<u8>| PublishedFile {
        name: name.into(),
        bytes,
        content_type: content_type.into(),
    };
    let files = [
        file("results.json", "application/json", json),
        file("results.xml", "application/xml", xml),
        file("index.html", "text/html; charset=utf-8", html),
    ];
    let meta = PublicationMeta {
        event: "bench".into(),
        authority: "Valgstyret i Søgne og Songdalen".into(),
        source: "Source: Valgstyret i Søgne og Songdalen".into(),
        sequence: 1,
        published_at: "2025-02-03T21:15:00+01:00".into(),
        status: Status::Partial,
        is_test: true,
    };
    let outcome = PublisherKey::generate()
        .and_then(|(key, _)| publish(std::path::Path::new(&dir), meta, &files, &key));
    match outcome {
        Ok(m) => {
            println!("publisher_key {}", m.publisher_key);
            for f in &m.files {
                println!("{} {} {}", f.name, f.size, f.sha256);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("serve_fixture: error[{}]: {e}", e.code());
            ExitCode::from(1)
        }
    }
}
