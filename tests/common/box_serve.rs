//! `urne box serve` for tests: a simulated event with an open, empty box,
//! the service started on a free port and stopped as Ctrl-C would, and
//! plain HTTP/1.1 requests to it.

use super::cli::{assert_ok, root, urne, BIN};
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use curve25519_dalek::scalar::Scalar;
use rand::rngs::OsRng;
use zeroize::Zeroizing;

use urne::ballot::{self, BallotContext};
use urne::keys::ElectionKey;

pub const TOKEN: &str = "rehearsal-token-0123456789abcdefghijklmnop";

/// A simulated event (the example manifest, `voters` per referendum, none
/// voted) with a new, open, empty box and `serve.toml` holding `config`
/// besides the token file and a rehearsal clock inside the voting window.
pub fn event(voters: u64, config: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let manifest = root().join("examples/event/manifest.toml");
    let key = root().join("keys-example/election-key.json");
    assert_ok(&urne(
        dir,
        &[
            "simulate",
            "--manifest",
            manifest.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
            "--voters",
            &voters.to_string(),
            "--turnout",
            "0",
            "--bad",
            "0",
        ],
    ));
    fs::write(dir.join("box-pass.txt"), "box operator passphrase\n").unwrap();
    assert_ok(&urne(
        dir,
        &[
            "box",
            "init",
            "--force",
            "--insecure-fast-kdf",
            "--passphrase-file",
            dir.join("box-pass.txt").to_str().unwrap(),
        ],
    ));
    fs::write(dir.join("token.txt"), format!("{TOKEN}\n")).unwrap();
    fs::write(
        dir.join("serve.toml"),
        format!("token_file = \"token.txt\"\n{config}\nrehearsal_clock = \"2027-01-25T10:00:00+01:00\"\n"),
    )
    .unwrap();
    tmp
}

/// The roll's voter ids for a referendum.
pub fn voters(dir: &Path, referendum: &str) -> Vec<String> {
    fs::read_to_string(dir.join("roll.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| l.ends_with(&format!(",{referendum}")))
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

/// The example election key.
pub fn key() -> ElectionKey {
    let p = root().join("keys-example/election-key.json");
    ElectionKey::from_json(&fs::read_to_string(&p).unwrap(), "election-key.json").unwrap()
}

/// A request body for `voter`'s ballot for option `choice` (of three),
/// signed with the voter's credential (the example event uses them).
pub fn request(k: &ElectionKey, voter: &str, referendum: &str, choice: usize) -> String {
    request_with(k, voter, referendum, choice, None)
}

/// [`request`], with `randomness` for the ciphertexts if given.
pub fn request_with(
    k: &ElectionKey,
    voter: &str,
    referendum: &str,
    choice: usize,
    randomness: Option<&[Zeroizing<Scalar>]>,
) -> String {
    let b = ballot_json(k, voter, referendum, choice, randomness);
    super::credentials::request(voter, referendum, &b).to_string()
}

/// `voter`'s ballot, unsigned (`urne encrypt` output before signing); with
/// `randomness`, those ciphertexts.
pub fn ballot_json(
    k: &ElectionKey,
    voter: &str,
    referendum: &str,
    choice: usize,
    randomness: Option<&[Zeroizing<Scalar>]>,
) -> String {
    let ctx = BallotContext {
        fingerprint: &k.fingerprint,
        referendum,
        voter,
    };
    let b = match randomness {
        Some(r) => ballot::encrypt_with_randomness(&k.key, &ctx, 3, choice, r, &mut OsRng),
        None => ballot::encrypt(&k.key, &ctx, 3, choice, &mut OsRng),
    }
    .unwrap();
    serde_json::to_string(&b).unwrap()
}

pub struct Service {
    pub child: Child,
    pub addr: SocketAddr,
}

/// Starts `urne box serve` with `serve.toml` on a free port.
pub fn start(dir: &Path) -> Service {
    start_with(dir, None)
}

/// [`start`], through `sh -c PREFIX` if given (a `ulimit`, say).
pub fn start_with(dir: &Path, prefix: Option<&str>) -> Service {
    let cfg = dir.join("serve.toml");
    let args = [
        "-d",
        dir.to_str().unwrap(),
        "box",
        "serve",
        "--config",
        cfg.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ];
    let mut cmd = match prefix {
        Some(p) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("{p}; exec \"$0\" \"$@\""))
                .arg(BIN)
                .args(args);
            c
        }
        None => {
            let mut c = Command::new(BIN);
            c.args(args);
            c
        }
    };
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_else(|| {
            let mut err = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut err);
            panic!("the service did not start: {line}\n{err}")
        })
        .parse()
        .unwrap();
    Service { child, addr }
}

/// Stops the service as Ctrl-C would (SIGTERM) and waits for it.
pub fn stop(mut s: Service) -> Output {
    let pid = s.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = s.child.wait().unwrap();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let _ = s.child.stdout.take().unwrap().read_to_end(&mut out);
    let _ = s.child.stderr.take().unwrap().read_to_end(&mut err);
    Output {
        status,
        stdout: out,
        stderr: err,
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    /// The status line and headers, as sent.
    pub headers: String,
    pub body: serde_json::Value,
}

impl Resp {
    /// The value of a header (name in any case), if sent.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }

    /// The error code of an error answer.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

/// The head of a request (with its blank line) for a body of `len` bytes.
fn request_head(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    len: usize,
) -> String {
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n"
    );
    if let Some(t) = token {
        req.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    req.push_str("\r\n");
    req
}

/// Sends a whole request on a new connection and leaves it to be read.
pub fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
) -> TcpStream {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let req = request_head(addr, method, path, token, body.len());
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    s.write_all(&bytes).unwrap();
    s
}

/// Reads the answer to a request sent with [`send`], to the connection's end.
pub fn answer(mut s: TcpStream) -> Resp {
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    Resp {
        status,
        body: serde_json::from_slice(&buf[split + 4..]).unwrap_or(serde_json::Value::Null),
        headers: head,
    }
}

/// One request, answered.
pub fn http(addr: SocketAddr, method: &str, path: &str, token: Option<&str>, body: &[u8]) -> Resp {
    answer(send(addr, method, path, token, body))
}

/// One request, answered, or the I/O error (a service killed under the
/// test). A body the service answers before reading all of it (413) may be
/// cut off by its closing the connection; what it answered is still read.
pub fn try_http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
) -> std::io::Result<Resp> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let req = request_head(addr, method, path, token, body.len());
    s.write_all(req.as_bytes())?;
    let _ = s.write_all(body);
    // A server that answered without reading the whole body may reset the
    // connection after its answer.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if buf.is_empty() => return Err(e),
            Err(_) => break,
        }
    }
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    Ok(Resp {
        status,
        body: serde_json::from_slice(&buf[split + 4..]).unwrap_or(serde_json::Value::Null),
        headers: head,
    })
}
