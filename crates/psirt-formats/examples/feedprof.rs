#![allow(clippy::unwrap_used)]
use std::ops::ControlFlow;
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
fn main() {
    let mut files: Vec<_> = std::fs::read_dir("/work/shared/data/feeds/osv")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".jsonl.gz"))
        .collect();
    files.sort();
    psirt_formats::warm_up_intel().unwrap();
    let validate = std::env::var("NOVAL").is_err();
    let threads: usize = std::env::var("THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(2);
    for _ in 0..8 {
        let t = std::time::Instant::now();
        let mut n = 0;
        for p in &files {
            psirt_formats::intel::read_feed_threads(
                psirt_formats::FeedKind::Osv,
                p,
                &psirt_formats::ParseOptions { validate },
                threads,
                &mut |r| {
                    if r.is_ok() {
                        n += 1
                    };
                    ControlFlow::Continue(())
                },
                &mut |_| {},
            )
            .unwrap();
        }
        eprintln!("{n} {:?}", t.elapsed());
    }
}
