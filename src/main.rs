//! The `medsec` binary: a thin front end over the library (see `medsec::cli`).
#![forbid(unsafe_code)]

fn main() {
    std::process::exit(medsec::cli::main());
}
