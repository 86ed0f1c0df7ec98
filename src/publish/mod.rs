//! Publishing: the result files for media and the public ([`results`]), and
//! the content-addressed, signed publication store that `urne serve` serves
//! and `urne fetch` mirrors ([`store`], docs/publication.md).

pub mod results;
pub mod store;
