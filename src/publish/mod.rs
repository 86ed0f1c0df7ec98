//! Publishing: the result files for media and the public ([`results`]).
pub mod results;
