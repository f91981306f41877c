//! For the unit tests only: an allocator that looks at every block as it is freed and counts the ones that still
//! hold a watched marker. That is how a test sees that a type wiped the bytes it held (a secret, a token, an
//! answer's body) before they went back to the allocator, instead of only seeing that a string is empty.
//!
//! A test takes a [`Watch`] on a marker it builds into the value under test (only by moving it: every copy the
//! test itself makes and drops would count), drops the value, and asserts `watch.leaks() == 0`. Growing a string
//! or vector copies it and frees the old block, so growth is caught too. Markers are long and unique per test, so
//! tests running in parallel do not see each other's.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};

const SLOTS: usize = 16;
const MAX_MARKER: usize = 64;

static CLAIMED: [AtomicBool; SLOTS] = [const { AtomicBool::new(false) }; SLOTS];
static ARMED: [AtomicBool; SLOTS] = [const { AtomicBool::new(false) }; SLOTS];
static LENGTHS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
static MARKERS: [[AtomicU8; MAX_MARKER]; SLOTS] =
    [const { [const { AtomicU8::new(0) }; MAX_MARKER] }; SLOTS];
static SEEN: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
static WATCHING: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, watching freed blocks while any [`Watch`] is armed.
pub struct Watching;

fn look(block: &[u8]) {
    for slot in 0..SLOTS {
        if !ARMED[slot].load(Ordering::Acquire) {
            continue;
        }
        let len = LENGTHS[slot].load(Ordering::Relaxed);
        let mut marker = [0u8; MAX_MARKER];
        for (byte, stored) in marker.iter_mut().zip(&MARKERS[slot]).take(len) {
            *byte = stored.load(Ordering::Relaxed);
        }
        let marker = &marker[..len];
        if len > 0 && block.windows(len).any(|window| window == marker) {
            SEEN[slot].fetch_add(1, Ordering::Relaxed);
        }
    }
}

// SAFETY: every call is passed to the system allocator unchanged; `dealloc` only reads the block it is handed,
// which is still allocated at that point. Bytes past a value's length may never have been written; they are read
// as plain bytes and only compared.
unsafe impl GlobalAlloc for Watching {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if WATCHING.load(Ordering::Acquire) > 0 && layout.size() > 0 {
            // SAFETY: the block is allocated and `layout.size()` bytes long until the call below frees it.
            look(unsafe { std::slice::from_raw_parts(ptr, layout.size()) });
        }
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) }
    }
    // `realloc` is left to the default, which allocates, copies and frees through the two above: the old block of
    // a growing buffer is looked at like any other.
}

/// Watches freed memory for markers until dropped.
pub struct Watch {
    slots: Vec<usize>,
}

impl Watch {
    /// Starts watching for each marker (8 to 64 bytes).
    pub fn new(markers: &[&[u8]]) -> Watch {
        let mut slots = Vec::with_capacity(markers.len());
        for marker in markers {
            assert!(
                (8..=MAX_MARKER).contains(&marker.len()),
                "markers are 8 to 64 bytes"
            );
            let slot = loop {
                if let Some(free) = (0..SLOTS).find(|&s| {
                    CLAIMED[s]
                        .compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed)
                        .is_ok()
                }) {
                    break free;
                }
                std::thread::yield_now();
            };
            for (stored, byte) in MARKERS[slot].iter().zip(marker.iter()) {
                stored.store(*byte, Ordering::Relaxed);
            }
            LENGTHS[slot].store(marker.len(), Ordering::Relaxed);
            SEEN[slot].store(0, Ordering::Relaxed);
            ARMED[slot].store(true, Ordering::Release);
            WATCHING.fetch_add(1, Ordering::AcqRel);
            slots.push(slot);
        }
        Watch { slots }
    }

    /// How many freed blocks still held a marker since the watch began.
    pub fn leaks(&self) -> usize {
        self.slots
            .iter()
            .map(|&slot| SEEN[slot].load(Ordering::Relaxed))
            .sum()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        for &slot in &self.slots {
            ARMED[slot].store(false, Ordering::Release);
            WATCHING.fetch_sub(1, Ordering::AcqRel);
            CLAIMED[slot].store(false, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_string_is_seen_and_a_wiped_one_is_not() {
        let watch = Watch::new(&[b"MARKER-plain-string-0001"]);
        drop(String::from("x MARKER-plain-string-0001 y"));
        assert_eq!(watch.leaks(), 1);
        let watch = Watch::new(&[b"MARKER-wiped-string-0002"]);
        let mut text = String::from("x MARKER-wiped-string-0002 y");
        crate::check::base::secret::wipe(&mut text);
        drop(text);
        assert_eq!(watch.leaks(), 0);
    }

    #[test]
    fn growth_leaves_the_old_block_behind() {
        let watch = Watch::new(&[b"MARKER-growing-string-03"]);
        let mut text = String::with_capacity(24);
        text.push_str("MARKER-growing-string-03");
        text.push_str(" and more, which moves it");
        crate::check::base::secret::wipe(&mut text);
        drop(text);
        assert_eq!(watch.leaks(), 1, "the first block was freed unwiped");
    }
}
