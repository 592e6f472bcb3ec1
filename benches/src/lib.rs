//! Benchmarks live in `benches/` (criterion) and `src/bin/scale.rs`.
