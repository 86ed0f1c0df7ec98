//! Publishing results: the content-addressed, signed publication store that
//! `urne serve` serves and `urne fetch` mirrors (docs/publication.md).

pub mod store;
