//! `gui::app::keep_freed_heap`: after it, memory freed at the top of the C heap is kept for reuse
//! instead of being handed back to the OS and faulted in again (the studio's software renderer
//! allocates and frees a few hundred kB per draw call, ~20 times a frame).
//!
//! Its own test binary on purpose: the allocator's thresholds are process-wide and only ever rise,
//! so the check needs a process in which nothing has raised them yet (one test, nothing else).
//! Measured by the calling thread's minor page faults (`/proc/thread-self/stat`), so Linux with
//! glibc only (other allocators keep or return memory by their own rules).
#![cfg(all(feature = "gui", target_os = "linux", target_env = "gnu"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// Minor page faults of the calling thread so far (field 10 of `/proc/thread-self/stat`).
fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
    // The command name (field 2) may hold spaces; fields after it are plain numbers.
    let after_name = &stat[stat.rfind(')').unwrap() + 1..];
    after_name
        .split_whitespace()
        .nth(7)
        .unwrap()
        .parse()
        .unwrap()
}

/// Bytes of each block: below glibc's initial mmap threshold (128 kB), so served from the heap.
const BLOCK_BYTES: usize = 100_000;
/// Blocks alive at once: together 400 kB, above the initial trim threshold (128 kB).
const BLOCKS: usize = 4;
/// Rounds of allocating, touching and freeing them.
const ROUNDS: usize = 50;

/// Minor page faults taken over [`ROUNDS`] rounds of allocating [`BLOCKS`] blocks, writing every
/// byte and freeing them all.
fn faults_over_rounds() -> u64 {
    let before = minor_faults();
    for _ in 0..ROUNDS {
        let blocks: Vec<Vec<u8>> = (0..BLOCKS)
            .map(|_| std::hint::black_box(vec![1u8; BLOCK_BYTES]))
            .collect();
        std::hint::black_box(&blocks);
    }
    minor_faults() - before
}

#[test]
fn freed_heap_is_reused_after_keep_freed_heap() {
    // 4 KiB pages: one round touches 4 × 100 kB ≈ 98 pages.
    let pages_per_round = (BLOCKS * BLOCK_BYTES).div_ceil(4096) as u64;
    // In a fresh thread, so its arena holds nothing but these blocks.
    let (before, after) = std::thread::spawn(|| {
        let before = faults_over_rounds();
        packwright::gui::app::keep_freed_heap();
        (before, faults_over_rounds())
    })
    .join()
    .unwrap();
    // Precondition (the allocator's default): the 400 kB freed at the top exceeds the trim
    // threshold, so every round gives its pages back and faults them in again: ~50 × 98 faults.
    // At least a fifth of that must show, or the process started with raised thresholds and the
    // check below would prove nothing.
    assert!(
        before >= ROUNDS as u64 * pages_per_round / 5,
        "without keep_freed_heap, {before} faults over {ROUNDS} rounds (expected ~{})",
        ROUNDS as u64 * pages_per_round
    );
    // After it, the first round may still fault its pages in; later rounds reuse them. Two rounds'
    // worth leaves room for the allocator's own bookkeeping pages.
    assert!(
        after <= 2 * pages_per_round,
        "after keep_freed_heap, {after} faults over {ROUNDS} rounds (at most {} expected; \
         {before} before it)",
        2 * pages_per_round
    );
}
