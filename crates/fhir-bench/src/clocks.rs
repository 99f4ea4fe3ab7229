//! The clocks of the benchmarks: the wall clock, and the CPU time of the measuring thread.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// The time one measurement took, on two clocks: the wall clock, and the CPU time of this
/// thread, which leaves out the time other processes hold the CPU on a busy machine.
#[derive(Clone, Copy)]
pub struct Times {
    pub wall: Duration,
    pub cpu: Duration,
}

pub fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec, and the clock id is a constant of Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Runs `f` and times it on both clocks.
pub fn timed<T>(f: impl FnOnce() -> T) -> (Times, T) {
    let (wall, cpu) = (Instant::now(), thread_cpu_time());
    let out = black_box(f());
    let times = Times {
        cpu: thread_cpu_time().saturating_sub(cpu),
        wall: wall.elapsed(),
    };
    (times, out)
}

/// The one-minute load average, printed beside the figures it may have moved.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}
