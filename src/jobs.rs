//! Long work (simulations, sweeps) on worker threads, so the user keeps editing while it runs.
//!
//! [`spawn`] starts a closure on its own thread and returns a [`JobHandle`]. The closure gets a
//! [`Progress`] through which it reports how far it is and asks whether it should stop; the handle
//! receives [`JobEvent`]s over a bounded channel (progress reports are dropped when the channel is
//! full, the final `Done` never is) and can cancel the job. Every event calls a plain waker
//! (`Fn() + Send + Sync`), which a GUI points at its repaint request. A panic in the worker comes back
//! as [`JobError::Panicked`], never as a crash of the caller. Dropping the handle cancels the job.
//!
//! [`spawn_background`] does the same at the lowest normal scheduling priority (on Linux the worker
//! thread alone gets niceness 19; other threads of the process keep theirs), so a long run does not
//! take the CPU from a user interface drawn on the same cores. Lowering the priority never fails
//! the job: where the OS refuses, the job runs at normal priority.
//!
//! Must not depend on egui, eframe or anything GUI: the CLI and tests drive the same type.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError, sync_channel};

/// Called after every event, from the worker thread.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Why a job produced no result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JobError {
    /// Cancelled by the user (or because its handle was dropped).
    #[error("cancelled")]
    Cancelled,
    /// The work itself failed.
    #[error("{0}")]
    Failed(String),
    /// The worker panicked: a bug, reported instead of crashing the caller.
    #[error("the worker stopped unexpectedly: {0}")]
    Panicked(String),
}

/// What a job tells its owner.
#[derive(Debug)]
pub enum JobEvent<T> {
    /// How far the job is.
    Progress {
        /// Fraction done, 0..1.
        frac: f64,
        /// Short words on what is happening (e.g. "cycle 3, 1.2 h simulated").
        message: String,
    },
    /// The job ended.
    Done(Result<T, JobError>),
}

/// The worker's side: report progress, check for cancellation.
pub struct Progress<T> {
    tx: SyncSender<JobEvent<T>>,
    cancel: Arc<AtomicBool>,
    waker: Waker,
}

impl<T> Progress<T> {
    /// Reports progress; dropped silently if the owner has not caught up (a later report supersedes it).
    pub fn report(&self, frac: f64, message: impl Into<String>) {
        let event = JobEvent::Progress {
            frac: frac.clamp(0.0, 1.0),
            message: message.into(),
        };
        match self.tx.try_send(event) {
            Ok(()) => (self.waker)(),
            // A full channel means the owner is behind; this report is stale by the next one anyway.
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {}
        }
    }

    /// True once the owner asked the job to stop; the work should return `Err(JobError::Cancelled)`.
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// A shareable flag that turns true on cancellation (for engines that poll an `AtomicBool`).
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.cancel)
    }
}

/// The owner's side of a running job.
pub struct JobHandle<T> {
    rx: Receiver<JobEvent<T>>,
    cancel: Arc<AtomicBool>,
    finished: bool,
    last_frac: f64,
    last_message: String,
}

impl<T> JobHandle<T> {
    /// Asks the job to stop at its next check.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// True when cancellation was asked.
    pub fn is_cancelling(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Latest progress fraction seen by [`Self::poll`].
    pub fn frac(&self) -> f64 {
        self.last_frac
    }

    /// Latest progress message seen by [`Self::poll`].
    pub fn message(&self) -> &str {
        &self.last_message
    }

    /// Drains pending events without blocking; returns the result once the job is done.
    pub fn poll(&mut self) -> Option<Result<T, JobError>> {
        if self.finished {
            return None;
        }
        loop {
            match self.rx.try_recv() {
                Ok(JobEvent::Progress { frac, message }) => {
                    self.last_frac = frac;
                    self.last_message = message;
                }
                Ok(JobEvent::Done(result)) => {
                    self.finished = true;
                    self.last_frac = 1.0;
                    return Some(result);
                }
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Disconnected) => {
                    self.finished = true;
                    return Some(Err(JobError::Panicked(
                        "the worker ended without a result".to_owned(),
                    )));
                }
            }
        }
    }

    /// Blocks until the job ends (for the CLI and tests).
    pub fn wait(mut self) -> Result<T, JobError> {
        loop {
            match self.rx.recv() {
                Ok(JobEvent::Progress { .. }) => {}
                Ok(JobEvent::Done(result)) => {
                    self.finished = true;
                    return result;
                }
                Err(_) => {
                    self.finished = true;
                    return Err(JobError::Panicked(
                        "the worker ended without a result".to_owned(),
                    ));
                }
            }
        }
    }
}

impl<T> Drop for JobHandle<T> {
    fn drop(&mut self) {
        if !self.finished {
            self.cancel();
        }
    }
}

/// Progress reports that may wait in the channel before older ones are dropped.
const CHANNEL_CAPACITY: usize = 64;

/// How the worker thread is scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// The priority of the thread that spawns it (what a new thread gets by default).
    Normal,
    /// The lowest normal (non-real-time, non-idle) priority: niceness 19 on Linux, for the worker
    /// thread only. The worker still runs whenever a core is free.
    Background,
}

/// Starts `work` on a new thread at normal priority.
pub fn spawn<T, F>(name: &str, waker: Waker, work: F) -> Result<JobHandle<T>, JobError>
where
    T: Send + 'static,
    F: FnOnce(&Progress<T>) -> Result<T, JobError> + Send + 'static,
{
    spawn_with(name, Priority::Normal, waker, work)
}

/// Starts `work` on a new thread at [`Priority::Background`] (for long runs while a UI draws).
pub fn spawn_background<T, F>(name: &str, waker: Waker, work: F) -> Result<JobHandle<T>, JobError>
where
    T: Send + 'static,
    F: FnOnce(&Progress<T>) -> Result<T, JobError> + Send + 'static,
{
    spawn_with(name, Priority::Background, waker, work)
}

/// Lowers the calling thread's priority as far as normal scheduling goes. On Linux this is
/// `setpriority` on the thread's own id, so only this thread is affected. False when the OS refused
/// (the thread then keeps its priority; raising niceness needs no privilege on Linux, so this is rare).
fn lower_current_thread_priority() -> bool {
    thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min).is_ok()
}

/// Starts `work` on a new thread at the given priority.
pub fn spawn_with<T, F>(
    name: &str,
    priority: Priority,
    waker: Waker,
    work: F,
) -> Result<JobHandle<T>, JobError>
where
    T: Send + 'static,
    F: FnOnce(&Progress<T>) -> Result<T, JobError> + Send + 'static,
{
    let (tx, rx) = sync_channel(CHANNEL_CAPACITY);
    let cancel = Arc::new(AtomicBool::new(false));
    let progress = Progress {
        tx,
        cancel: Arc::clone(&cancel),
        waker,
    };
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            if priority == Priority::Background {
                // A refusal leaves the job at normal priority: slower UI, same result.
                let _ = lower_current_thread_priority();
            }
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&progress)));
            let result = match outcome {
                Ok(r) => r,
                Err(payload) => {
                    let text = payload
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".to_owned());
                    Err(JobError::Panicked(text))
                }
            };
            // `Done` must arrive: a blocking send waits for room in the channel. If the owner is
            // gone, nobody wants the result and the error is meaningless.
            let _ = progress.tx.send(JobEvent::Done(result));
            (progress.waker)();
        })
        .map_err(|e| JobError::Failed(format!("cannot start a worker thread: {e}")))?;
    Ok(JobHandle {
        rx,
        cancel,
        finished: false,
        last_frac: 0.0,
        last_message: String::new(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly on purpose.
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn counting_waker() -> (Waker, Arc<AtomicUsize>) {
        let n = Arc::new(AtomicUsize::new(0));
        let m = Arc::clone(&n);
        (
            Arc::new(move || {
                m.fetch_add(1, Ordering::Relaxed);
            }),
            n,
        )
    }

    #[test]
    fn result_arrives_and_waker_runs() {
        let (waker, wakes) = counting_waker();
        let job = spawn("t", waker, |p| {
            // Sum 1..=100 as the "work": 5050 by Gauss.
            let mut s = 0u64;
            for k in 1..=100u64 {
                s += k;
                if k % 10 == 0 {
                    p.report(k as f64 / 100.0, format!("{k}"));
                }
            }
            Ok(s)
        })
        .unwrap();
        assert_eq!(job.wait(), Ok(5050));
        assert!(wakes.load(Ordering::Relaxed) >= 1);
    }

    #[test]
    fn cancel_stops_the_work() {
        let (waker, _) = counting_waker();
        let job = spawn("t", waker, |p: &Progress<u32>| {
            while !p.cancelled() {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Err(JobError::Cancelled)
        })
        .unwrap();
        job.cancel();
        assert_eq!(job.wait(), Err(JobError::Cancelled));
    }

    #[test]
    fn panic_becomes_an_error() {
        let (waker, _) = counting_waker();
        let job = spawn("t", waker, |_p: &Progress<u32>| -> Result<u32, JobError> {
            panic!("boom")
        })
        .unwrap();
        assert_eq!(job.wait(), Err(JobError::Panicked("boom".to_owned())));
    }

    /// The calling thread's own nice value, field 19 of `/proc/thread-self/stat` (after the
    /// parenthesised command name, which may hold spaces, it is the 17th field).
    #[cfg(target_os = "linux")]
    fn own_nice() -> i32 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        let after_name = &stat[stat.rfind(')').unwrap() + 1..];
        after_name
            .split_whitespace()
            .nth(16)
            .unwrap()
            .parse()
            .unwrap()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn background_job_runs_at_niceness_19_and_normal_job_does_not() {
        let (waker, _) = counting_waker();
        let spawner = own_nice();
        let background = spawn_background("t", waker.clone(), |_p: &Progress<i32>| Ok(own_nice()))
            .unwrap()
            .wait()
            .unwrap();
        let normal = spawn("t", waker, |_p: &Progress<i32>| Ok(own_nice()))
            .unwrap()
            .wait()
            .unwrap();
        // Raising one's own niceness needs no privilege on Linux, so 19 is expected exactly (19 is
        // the largest value Linux allows).
        assert_eq!(background, 19, "spawner at {spawner}");
        // A normal job inherits the spawner's niceness: lowering one worker must not touch the
        // process or the spawning thread.
        assert_eq!(normal, spawner);
        assert_eq!(own_nice(), spawner);
    }

    #[test]
    fn background_job_delivers_its_result() {
        let (waker, _) = counting_waker();
        // Sum of squares 1..=10 = 10·11·21/6 = 385.
        let job = spawn_background("t", waker, |_p| Ok((1..=10u64).map(|k| k * k).sum::<u64>()));
        assert_eq!(job.unwrap().wait(), Ok(385));
    }
}
