//! `urne`: the command-line shell over the library. It parses, prompts, prints
//! and calls [`urne`]; it holds no election logic of its own.
#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
