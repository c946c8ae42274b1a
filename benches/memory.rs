//! Memory per user record and per friend edge direction, measured with a counting global
//! allocator (it wraps `std::alloc::System`; the engine itself stays free of `unsafe`).
//!
//! Live bytes are the bytes requested from the allocator and not yet freed (allocator
//! rounding and bookkeeping are not included). A histogram of live allocations by size shows
//! what each user costs.
//!
//! Run: `cargo bench --bench memory` (not a criterion bench: it prints its figures).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI64, Ordering};

use common::*;

/// Net live allocations per requested size, for sizes below `SIZES`; larger ones share the
/// last slot.
const SIZES: usize = 4097;

struct Counting;

static LIVE_BYTES: AtomicI64 = AtomicI64::new(0);
static LIVE_BY_SIZE: [AtomicI64; SIZES] = [const { AtomicI64::new(0) }; SIZES];

fn note(size: usize, sign: i64) {
    LIVE_BYTES.fetch_add(sign * size as i64, Ordering::Relaxed);
    LIVE_BY_SIZE[size.min(SIZES - 1)].fetch_add(sign, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; the counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            note(l.size(), 1);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            note(l.size(), 1);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: `p` was allocated by `System` with layout `l`.
        unsafe { System.dealloc(p, l) };
        note(l.size(), -1);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            note(l.size(), -1);
            note(new, 1);
        }
        q
    }
}

#[global_allocator]
static A: Counting = Counting;

fn live() -> i64 {
    LIVE_BYTES.load(Ordering::Relaxed)
}

fn by_size() -> Vec<i64> {
    LIVE_BY_SIZE
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .collect()
}

/// Sizes whose live count grew by at least `n / 2` between two histograms, with the growth.
fn grown(before: &[i64], after: &[i64], n: usize) -> Vec<(usize, i64)> {
    before
        .iter()
        .zip(after)
        .enumerate()
        .filter(|(_, (b, a))| *a - *b >= n as i64 / 2)
        .map(|(size, (b, a))| (size, a - b))
        .collect()
}

fn main() {
    let n = USERS;
    // Run it twice: the second pass shows the figures do not depend on allocator warm-up.
    for pass in 1..=2 {
        let app = new_app(&format!("mem{pass}"));
        let h0 = by_size();
        let b0 = live();
        register(&app, n);
        let b1 = live();
        let h1 = by_size();
        let dist = friend_distances(n);
        befriend(&app, n, &dist);
        let b2 = live();
        let h2 = by_size();
        let per_user = (b1 - b0) as f64 / n as f64;
        let dirs = (n * FRIENDS) as f64;
        let per_dir = (b2 - b1) as f64 / dirs;
        println!("pass {pass}: {n} users");
        println!(
            "  registered users: {} bytes live, {per_user:.1} bytes per user (record, strings and indexes)",
            b1 - b0
        );
        for (size, count) in grown(&h0, &h1, n) {
            println!(
                "    {count:>7} live allocations of {size:>4} bytes ({:.1} per user)",
                count as f64 / n as f64
            );
        }
        println!(
            "  + {FRIENDS} friends each: {} bytes live, {per_dir:.1} bytes per friend edge direction",
            b2 - b1
        );
        for (size, count) in grown(&h1, &h2, n) {
            println!(
                "    {count:>+8} live allocations of {size:>4} bytes ({:+.2} per user)",
                count as f64 / n as f64
            );
        }
        imcore::invariants::check(&app).expect("invariants");
        drop(app);
    }
}
