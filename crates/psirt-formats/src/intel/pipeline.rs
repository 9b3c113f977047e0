//! The feed reader's pipeline: one thread decompresses and splits documents into batches ([`Batcher`]), worker
//! threads parse them ([`parse_batch`]), and the calling thread puts the results back in input order for the
//! callback (see the `container` module doc).

use std::collections::BTreeMap;
use std::ops::{ControlFlow, Range};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use super::container::{parse_document, FeedKind, Run, Sink};
use super::error::{Locator, RecordError};
use super::IntelRecord;
use crate::ParseOptions;

/// A batch is sent to a worker when it holds this many documents or this many bytes.
const BATCH_DOCS: usize = 128;
const BATCH_BYTES: usize = 1 << 20;

impl Run<'_> {
    /// The pipeline: `produce` on a reader thread filling batches, `threads` workers parsing them, this thread
    /// putting the results back in order and handing them to the callback. As many workers as threads: the reader
    /// (when decompression is the bottleneck) and this thread mostly wait, and with fewer workers than cores a
    /// 2-core machine would parse on one core only.
    pub(super) fn pipeline(&mut self, produce: impl FnOnce(&mut dyn Sink) -> u64 + Send) -> u64 {
        let workers = self.threads;
        let (kind, options) = (self.kind, self.options);
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let (work_tx, work_rx) = sync_channel::<Batch>(workers * 2);
            let (done_tx, done_rx) = sync_channel::<Parsed>(workers * 2);
            // Parsed batches' buffers go back to the reader: no large allocation per batch.
            let (recycle_tx, recycle_rx) = channel::<Batch>();
            let stop = &stop;
            let reader = scope.spawn(move || {
                let mut sink = Batcher {
                    tx: work_tx,
                    recycled: recycle_rx,
                    stop,
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
                        let _ = recycle_tx.send(batch);
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
                }
            }
            stop.store(true, Ordering::Relaxed);
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
    results: Vec<(Result<IntelRecord, RecordError>, u64)>,
}

/// Fills batches on the reader thread and sends them to the workers.
struct Batcher<'s> {
    tx: SyncSender<Batch>,
    /// Emptied batches back from the workers.
    recycled: Receiver<Batch>,
    stop: &'s AtomicBool,
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
        results,
    }
}
