//! The key ceremony: the election key split into keyholder shares, sealed share
//! files, and the key test.

pub mod passphrase;
pub mod seal;
