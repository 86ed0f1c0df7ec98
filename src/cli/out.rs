//! Standard output that ends quietly when its reader goes away
//! (`urne encrypt … | head`): a closed pipe is the reader saying it has read
//! enough, not a failure to show with a backtrace.

use std::io::Write;

/// Writes to standard output. A closed pipe ends the process quietly with
/// exit status 0; any other failure to write is one error line and exit 1.
pub fn write_stdout(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        stdout_failed(&e);
    }
}

fn stdout_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    // Not through `eprintln!`: a closed standard error must not panic either.
    let _ = writeln!(
        std::io::stderr(),
        "urne: error[E-STDOUT]: standard output could not be written: {e}"
    );
    std::process::exit(1);
}

/// `println!` through [`write_stdout`].
macro_rules! outln {
    () => {
        $crate::cli::out::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::out::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` through [`write_stdout`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::out::write_stdout(format_args!($($arg)*))
    };
}

pub(crate) use {out, outln};

/// A safety net under the commands that still print with `println!`: the
/// standard library panics when standard output is a closed pipe ("failed
/// printing to stdout: Broken pipe"); that one panic ends the process
/// quietly, as [`write_stdout`] does. Every other panic is shown as before.
pub fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        // EPIPE as the OS words it ("Broken pipe (os error 32)").
        if payload.starts_with("failed printing to stdout") && payload.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}
