//! The hot path does not allocate: after the decoder is made, decoding real feeds line by line
//! — framing, tag blocks, Gatehouse headers, reassembly, every message type — makes no heap
//! allocation at all. Counted with a counting global allocator (this file's own process).

#![allow(unsafe_code)] // a global allocator is an `unsafe impl`; it only counts and delegates
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: forwards the caller's layout to the system allocator unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the pointer came from `alloc` above, which is the system allocator's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: as above; the system allocator made `ptr`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn decoding_a_feed_makes_no_allocation() {
    let dir = common::ais_data();
    let mut input = common::read(&dir.join("real/dma-aisabnormal/ais-sample.txt.gz"));
    input.extend(common::read(&dir.join("gpsd/sample-shared.aivdm")));
    input.extend(common::read(&dir.join("libais/test.aivdm")));
    input.extend(common::read(&dir.join("libais/tagblock.nmea")));
    let lines: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
    let mut decoder = hamnvakt_ais::Decoder::new();
    let mut messages = 0u64;
    let mut positions = 0.0f64;
    COUNTING.store(true, Ordering::SeqCst);
    for line in &lines {
        if let hamnvakt_ais::Feed::Message(m, _) = decoder.feed(line) {
            messages += 1;
            if let Some((lat, _)) = m.position() {
                positions += lat;
            }
        }
    }
    COUNTING.store(false, Ordering::SeqCst);
    assert!(messages > 26_000, "{messages}");
    assert!(positions != 0.0);
    assert_eq!(
        ALLOCATIONS.load(Ordering::SeqCst),
        0,
        "allocations while decoding {} lines",
        lines.len()
    );
}
