//! What several test files share. Each test crate uses only some of it.
#![allow(dead_code)]

pub mod box_serve;
pub mod cli;
pub mod crash;
pub mod credentials;
pub mod demo;
pub mod library;
pub mod tmux;
