//! Writes a synthetic nmap `-oX` sweep for the benchmarks and `benches/peers/`:
//! `cargo run --release --example nmap_scan -- HOSTS OUT.xml` (see `benches/support/nmap_scan.rs`
//! for what a host holds).

#[path = "../benches/support/nmap_scan.rs"]
mod nmap_scan;

use std::io::{BufWriter, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(hosts), Some(out)) = (
        args.first().and_then(|h| h.parse::<usize>().ok()),
        args.get(1),
    ) else {
        eprintln!("usage: nmap_scan HOSTS OUT.xml");
        return ExitCode::from(2);
    };
    let written = std::fs::File::create(out).and_then(|f| {
        let mut w = BufWriter::new(f);
        nmap_scan::write_scan(&mut w, hosts, 2026)?;
        w.flush()
    });
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nmap_scan: {out}: {e}");
            ExitCode::FAILURE
        }
    }
}
