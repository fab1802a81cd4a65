//! The `medsec` binary: a thin front end over the library (see `medsec::cli`).
#![forbid(unsafe_code)]

/// mimalloc instead of the system allocator: imports and exports make millions of small,
/// short-lived allocations, and glibc's allocator spent about a third of a 65,536-host scan
/// import searching its free lists (measured with `perf`; see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(medsec::cli::main());
}
