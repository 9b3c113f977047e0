//! The feed reader's pipeline: one thread decompresses and splits documents into batches ([`Batcher`]), worker
//! threads parse them ([`parse_batch`]), and the calling thread puts the results back in input order for the
//! callback (see the `container` module doc).

use std::collections::BTreeMap;
use std::ops::{ControlFlow, Range};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::container::{parse_document, FeedKind, Run, Sink};
use super::error::{Locator, RecordError};
use super::IntelRecord;
use crate::ParseOptions;

/// A batch is sent to a worker when it holds this many documents or this many bytes.
const BATCH_DOCS: usize = 128;
const BATCH_BYTES: usize = 1 << 20;
/// Input bytes sent to the workers and not yet handed to the callback. The reader waits above this (unless nothing
/// is in flight): a feed of huge documents (up to `MAX_DOCUMENT_BYTES` each) must not have ~3 × threads of them in
/// memory at once.
const BYTES_IN_FLIGHT: usize = 64 << 20;
/// A parsed batch's buffer goes back to the reader only up to this size; a larger one (a huge document) is freed.
const KEEP_BUFFER: usize = 4 * BATCH_BYTES;

impl Run<'_> {
    /// The pipeline: `produce` on a reader thread filling batches, `threads` workers parsing them, this thread
    /// putting the results back in order and handing them to the callback. As many workers as threads: the reader
    /// (when decompression is the bottleneck) and this thread mostly wait, and with fewer workers than cores a
    /// 2-core machine would parse on one core only.
    pub(super) fn pipeline(&mut self, produce: impl FnOnce(&mut dyn Sink) -> u64 + Send) -> u64 {
        let workers = self.threads;
        let (kind, options) = (self.kind, self.options);
        let stop = AtomicBool::new(false);
        let budget = Budget::default();
        std::thread::scope(|scope| {
            let (work_tx, work_rx) = sync_channel::<Batch>(workers * 2);
            let (done_tx, done_rx) = sync_channel::<Parsed>(workers * 2);
            // Parsed batches' buffers go back to the reader: no large allocation per batch.
            let (recycle_tx, recycle_rx) = channel::<Batch>();
            let (stop, budget) = (&stop, &budget);
            let reader = scope.spawn(move || {
                let mut sink = Batcher {
                    tx: work_tx,
                    recycled: recycle_rx,
                    stop,
                    budget,
                    batch: Batch::default(),
                    seq: 0,
                };
                let documents = produce(&mut sink);
                // The last partial batch (not wanted when stopping).
                if !stop.load(Ordering::Relaxed) {
                    let _ = sink.flush();
                }
                documents
            });
            let work_rx = Arc::new(Mutex::new(work_rx));
            for _ in 0..workers {
                let work_rx = Arc::clone(&work_rx);
                let done_tx = done_tx.clone();
                let recycle_tx = recycle_tx.clone();
                scope.spawn(move || {
                    let mut scratch = Vec::new();
                    loop {
                        // The lock is held while waiting: the others wait for the lock instead.
                        let batch = match work_rx.lock() {
                            Ok(rx) => match rx.recv() {
                                Ok(b) => b,
                                Err(_) => break,
                            },
                            Err(_) => break,
                        };
                        let mut batch = batch;
                        let parsed = parse_batch(kind, options, &mut batch, &mut scratch);
                        // The reader may be gone (end of file): then the buffer is simply freed.
                        if batch.data.capacity() <= KEEP_BUFFER {
                            let _ = recycle_tx.send(batch);
                        }
                        if done_tx.send(parsed).is_err() {
                            break;
                        }
                    }
                });
            }
            // Only the workers hold these now: when they are gone, the reader's sends fail and it ends.
            drop(work_rx);
            drop(done_tx);
            drop(recycle_tx);
            let mut pending: BTreeMap<u64, Parsed> = BTreeMap::new();
            let mut next = 0u64;
            'receive: while let Ok(parsed) = done_rx.recv() {
                pending.insert(parsed.seq, parsed);
                while let Some(parsed) = pending.remove(&next) {
                    next += 1;
                    for (r, at) in parsed.results {
                        self.emit(r);
                        self.tick(at);
                        if self.stopped {
                            break 'receive;
                        }
                    }
                    budget.release(parsed.bytes);
                }
            }
            stop.store(true, Ordering::Relaxed);
            budget.freed.notify_all();
            // Workers blocked on sending see the channel closed and end; then the reader's sends fail.
            drop(done_rx);
            drop(pending);
            // A panic in the reader (a bug) is passed on, as the scope does for the workers'.
            match reader.join() {
                Ok(documents) => documents,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    }
}

/// Documents (their bytes one after the other in `data`) and errors, in input order.
#[derive(Default)]
struct Batch {
    seq: u64,
    data: Vec<u8>,
    items: Vec<(Item, u64)>,
}

enum Item {
    Document(Range<usize>, Locator),
    Error(RecordError),
}

/// A parsed batch: every record or error with its progress position.
struct Parsed {
    seq: u64,
    /// The batch's input bytes, released from the [`Budget`] once handed on.
    bytes: usize,
    results: Vec<(Result<IntelRecord, RecordError>, u64)>,
}

/// Fills batches on the reader thread and sends them to the workers.
struct Batcher<'s> {
    tx: SyncSender<Batch>,
    /// Emptied batches back from the workers.
    recycled: Receiver<Batch>,
    stop: &'s AtomicBool,
    budget: &'s Budget,
    batch: Batch,
    seq: u64,
}

impl Batcher<'_> {
    fn push(&mut self, item: Item, at: u64) -> ControlFlow<()> {
        if self.stop.load(Ordering::Relaxed) {
            return ControlFlow::Break(());
        }
        self.batch.items.push((item, at));
        if self.batch.items.len() >= BATCH_DOCS || self.batch.data.len() >= BATCH_BYTES {
            self.flush()
        } else {
            ControlFlow::Continue(())
        }
    }

    fn flush(&mut self) -> ControlFlow<()> {
        if self.batch.items.is_empty() {
            return ControlFlow::Continue(());
        }
        let mut fresh = self.recycled.try_recv().unwrap_or_default();
        fresh.seq = self.seq + 1;
        fresh.data.clear();
        fresh.items.clear();
        if !self.budget.acquire(self.batch.data.len(), self.stop) {
            return ControlFlow::Break(());
        }
        let batch = std::mem::replace(&mut self.batch, fresh);
        self.seq += 1;
        match self.tx.send(batch) {
            Ok(()) => ControlFlow::Continue(()),
            Err(_) => ControlFlow::Break(()),
        }
    }
}

impl Sink for Batcher<'_> {
    fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.batch.data
    }

    fn commit(&mut self, start: usize, loc: Locator, at: u64) -> ControlFlow<()> {
        let range = start..self.batch.data.len();
        self.push(Item::Document(range, loc), at)
    }

    fn error(&mut self, error: RecordError, at: u64) -> ControlFlow<()> {
        self.push(Item::Error(error), at)
    }
}

/// A worker's job: every document of the batch parsed, in order.
fn parse_batch(
    kind: FeedKind,
    options: &ParseOptions,
    batch: &mut Batch,
    scratch: &mut Vec<Result<IntelRecord, RecordError>>,
) -> Parsed {
    let bytes = batch.data.len();
    let mut results = Vec::with_capacity(batch.items.len());
    for (item, at) in batch.items.drain(..) {
        match item {
            Item::Document(range, loc) => {
                let bytes = batch.data.get(range).unwrap_or_default();
                parse_document(kind, options, bytes, loc, scratch);
                results.extend(scratch.drain(..).map(|r| (r, at)));
            }
            Item::Error(e) => results.push((Err(e), at)),
        }
    }
    Parsed {
        seq: batch.seq,
        bytes,
        results,
    }
}

/// Input bytes in flight between the reader and the callback (see [`BYTES_IN_FLIGHT`]).
#[derive(Default)]
struct Budget {
    in_flight: Mutex<usize>,
    freed: Condvar,
}

impl Budget {
    /// Waits until `bytes` more fit — at once when nothing is in flight, so one document larger than the budget still
    /// passes; `false` when the pipeline is stopping. Cannot deadlock: whatever is in flight was sent, in order, and
    /// the calling thread releases it once handed on.
    fn acquire(&self, bytes: usize, stop: &AtomicBool) -> bool {
        let Ok(mut n) = self.in_flight.lock() else {
            return false;
        };
        while *n > 0 && *n + bytes > BYTES_IN_FLIGHT {
            if stop.load(Ordering::Relaxed) {
                return false;
            }
            // Woken by a release or the stop; the timeout only guards against a missed wake-up.
            n = match self.freed.wait_timeout(n, Duration::from_millis(50)) {
                Ok((guard, _)) => guard,
                Err(_) => return false,
            };
        }
        *n += bytes;
        true
    }

    fn release(&self, bytes: usize) {
        if let Ok(mut n) = self.in_flight.lock() {
            *n = n.saturating_sub(bytes);
        }
        self.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_admits_one_oversized_batch_then_waits_for_its_release() {
        let budget = Budget::default();
        let stop = AtomicBool::new(false);
        assert!(
            budget.acquire(3 * BYTES_IN_FLIGHT, &stop),
            "nothing in flight: passes"
        );
        std::thread::scope(|s| {
            let waiter = s.spawn(|| budget.acquire(10, &stop));
            std::thread::sleep(Duration::from_millis(100));
            assert!(!waiter.is_finished(), "over the budget: waits");
            budget.release(3 * BYTES_IN_FLIGHT);
            assert!(waiter.join().unwrap_or(false), "admitted after the release");
        });
        assert!(
            budget.acquire(BYTES_IN_FLIGHT - 10, &stop),
            "fits beside the 10 bytes"
        );
    }

    #[test]
    fn budget_gives_up_when_stopping() {
        let budget = Budget::default();
        let stop = AtomicBool::new(false);
        assert!(budget.acquire(BYTES_IN_FLIGHT, &stop));
        std::thread::scope(|s| {
            let waiter = s.spawn(|| budget.acquire(1, &stop));
            std::thread::sleep(Duration::from_millis(50));
            stop.store(true, Ordering::Relaxed);
            budget.freed.notify_all();
            assert!(!waiter.join().unwrap_or(true));
        });
    }
}
