//! Where a slow benchmark's time goes: each sample records how long its phases took (taking an
//! `Instant` between phases costs nanoseconds), and [`print`], called after `divan::main()`,
//! prints the median (the upper one of an even count), fastest and slowest of each phase.
//! Divan itself only sees the whole.
#![allow(dead_code)]

use std::cell::RefCell;
use std::time::{Duration, Instant};

/// One phase's name and the time it took in each sample.
type Phase = (String, Vec<Duration>);

thread_local! {
    /// Per benchmark (in first-recorded order): its phases in order, each with its samples.
    static RECORDED: RefCell<Vec<(String, Vec<Phase>)>> = const { RefCell::new(Vec::new()) };
}

/// Times the phases of one sample: call [`Clock::phase`] at the end of each phase, then
/// [`Clock::record`].
pub struct Clock {
    last: Instant,
    phases: Vec<(String, Duration)>,
}

impl Clock {
    /// Starts timing the first phase now.
    pub fn start() -> Clock {
        Clock {
            last: Instant::now(),
            phases: Vec::new(),
        }
    }

    /// Ends the phase `name` (started at the previous call, or at [`Clock::start`]).
    pub fn phase(&mut self, name: &str) {
        let now = Instant::now();
        self.phases.push((name.to_string(), now - self.last));
        self.last = now;
    }

    /// Stores the sample's phases under `bench`.
    pub fn record(self, bench: &str) {
        RECORDED.with(|r| {
            let mut all = r.borrow_mut();
            let pos = match all.iter().position(|(b, _)| b == bench) {
                Some(p) => p,
                None => {
                    all.push((bench.to_string(), Vec::new()));
                    all.len() - 1
                }
            };
            let phases = &mut all[pos].1;
            for (name, took) in self.phases {
                match phases.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, samples)) => samples.push(took),
                    None => phases.push((name, vec![took])),
                }
            }
        });
    }
}

/// Prints every benchmark's phases: median, fastest and slowest of the samples recorded.
pub fn print() {
    RECORDED.with(|r| {
        let all = r.borrow();
        if all.is_empty() {
            return;
        }
        println!("\nphases (median [fastest … slowest] of the samples):");
        for (bench, phases) in all.iter() {
            println!("{bench}");
            for (name, samples) in phases {
                let mut s = samples.clone();
                s.sort();
                let median = s[s.len() / 2];
                println!(
                    "  {name:<44} {:>10.3?}  [{:.3?} … {:.3?}]  ({} samples)",
                    median,
                    s[0],
                    s[s.len() - 1],
                    s.len()
                );
            }
        }
    });
}
