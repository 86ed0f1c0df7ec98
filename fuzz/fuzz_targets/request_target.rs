//! HTTP request targets as `urne serve` routes them: the bytes of a
//! request-target, parsed as hyper parses one (`http::Uri`), then routed.
//!
//! Invariants: routing is total; a name it serves is a simple name the store
//! allows (no `/`, no `..`, no leading `.`): the request path never names a
//! file outside the publication; an object route is exactly
//! `/objects/<64 lowercase hex>[.sig]` of the digest it returns.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne::publish::store::check_name;
use urne::serve::{route, Route};

fn check(path: &str) {
    match route(path) {
        Route::Named(name) => {
            assert_eq!(Some(name), path.strip_prefix('/'));
            assert!(check_name(name).is_ok());
            assert!(!name.contains('/') && !name.contains("..") && !name.starts_with('.'));
        }
        Route::Object { sha, signature } => {
            let suffix = if signature { ".sig" } else { "" };
            assert_eq!(path, format!("/objects/{}{suffix}", sha.hex()));
        }
        Route::Health => assert_eq!(path, "/health"),
        Route::Manifest => assert_eq!(path, "/manifest.json"),
        Route::ManifestSignature => assert_eq!(path, "/manifest.json.sig"),
        Route::Index => assert_eq!(path, "/"),
        Route::NotFound => {}
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(uri) = http::Uri::try_from(data) {
        check(uri.path());
    }
    if let Ok(path) = std::str::from_utf8(data) {
        check(path);
    }
});
