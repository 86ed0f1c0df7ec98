//! Publishing: the result files for media and the public ([`results`]), and
//! the content-addressed, signed publication store that `urne serve` serves
//! and `urne fetch` mirrors ([`store`], docs/publication.md), with a detached
//! signature beside each file ([`filesig`]); and the check of a newsroom's
//! mirror against the signed protocols ([`check`]); and the ballot tracker
//! page ([`tracker_page`]).

pub mod check;
pub mod filesig;
pub mod page;
pub mod results;
pub mod store;
pub mod tracker_page;
