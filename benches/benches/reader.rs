//! The reader's hot paths on a 32 MB Outlook 2013+ OST and a Unicode PST (permute-encoded):
//! block reads (CRC, inflate, decrypt), raw inflation, B-tree lookups, table reads and
//! property decoding of whole messages.

use std::io::Read;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ost_extract_benches::fixture;
use pstkit::ndb::{BlockEntry, CryptMethod, Ndb};
use pstkit::{Client, Layout};
use pstkit::{NodeId, Store};

#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

const SIZE: u64 = 32 << 20;

fn blocks(ndb: &Ndb) -> Vec<BlockEntry> {
    let mut out = Vec::new();
    ndb.for_each_block(&mut |b| out.push(b));
    out
}

fn bench_blocks(c: &mut Criterion) {
    let mut g = c.benchmark_group("block");
    for (name, layout, client, crypt) in [
        ("ost2013", Layout::Unicode4k, Client::Ost, CryptMethod::None),
        (
            "pst-permute",
            Layout::Unicode,
            Client::Pst,
            CryptMethod::Permute,
        ),
    ] {
        let ndb = Ndb::open(&fixture(layout, client, crypt, SIZE)).unwrap();
        let all = blocks(&ndb);
        let stored: u64 = all.iter().map(|b| u64::from(b.size)).sum();
        g.throughput(Throughput::Bytes(stored));
        g.sample_size(10);
        g.bench_function(format!("read_all/{name}"), |b| {
            b.iter(|| {
                all.iter()
                    .map(|e| ndb.read_block(e.bref.bid).map_or(0, |d| d.len()))
                    .sum::<usize>()
            })
        });
        // B-tree lookups only: every block id and every node id, from the root each time.
        let mut nodes = Vec::new();
        ndb.for_each_node(&mut |n| nodes.push(n.nid));
        g.throughput(Throughput::Elements((all.len() + nodes.len()) as u64));
        g.bench_function(format!("btree_lookups/{name}"), |b| {
            b.iter(|| {
                let mut found = 0usize;
                for e in &all {
                    found += usize::from(ndb.block_entry(e.bref.bid).is_ok());
                }
                for n in &nodes {
                    found += usize::from(ndb.node(*n).is_ok());
                }
                found
            })
        });
    }
    g.finish();
}

fn bench_inflate(c: &mut Criterion) {
    // The compressed blocks of the OST, inflated with no B-tree or CRC work around them.
    let ndb = Ndb::open(&fixture(
        Layout::Unicode4k,
        Client::Ost,
        CryptMethod::None,
        SIZE,
    ))
    .unwrap();
    let compressed: Vec<(&[u8], usize)> = blocks(&ndb)
        .into_iter()
        .filter(|b| b.size != b.inflated_size)
        .filter_map(|b| {
            let start = usize::try_from(b.bref.ib).ok()?;
            let bytes = ndb.bytes().get(start..start + usize::from(b.size))?;
            Some((bytes, usize::from(b.inflated_size)))
        })
        .collect();
    let out: u64 = compressed.iter().map(|(_, n)| *n as u64).sum();
    let mut g = c.benchmark_group("inflate");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(out));
    g.bench_function("zlib_blocks", |b| {
        b.iter(|| {
            let mut buf = Vec::with_capacity(1 << 16);
            let mut total = 0;
            for (data, want) in &compressed {
                buf.clear();
                let mut z = flate2::read::ZlibDecoder::new(*data).take(*want as u64 + 1);
                total += z.read_to_end(&mut buf).unwrap_or(0);
            }
            total
        })
    });
    g.finish();
}

fn bench_messages(c: &mut Criterion) {
    let store = Store::open(fixture(
        Layout::Unicode4k,
        Client::Ost,
        CryptMethod::None,
        SIZE,
    ))
    .unwrap();
    let folders = store.folders().folders;
    let mut g = c.benchmark_group("ltp");
    g.sample_size(10);
    // Table reads: every folder's contents table (row ids).
    g.bench_function("contents_tables", |b| {
        b.iter(|| {
            folders
                .iter()
                .map(|f| store.contents(f.nid).map_or(0, |v| v.len()))
                .sum::<usize>()
        })
    });
    let nids: Vec<NodeId> = folders
        .iter()
        .flat_map(|f| store.contents(f.nid).unwrap_or_default())
        .collect();
    g.throughput(Throughput::Elements(nids.len() as u64));
    // Property decoding: whole messages (PC, recipients, attachments) into owned bags.
    g.bench_function("load_messages", |b| {
        b.iter(|| {
            nids.iter()
                .filter_map(|n| store.message(*n).ok())
                .map(|m| m.props.len())
                .sum::<usize>()
        })
    });
    g.bench_function("folder_tree", |b| {
        b.iter_batched(
            || (),
            |_| store.folders().folders.len(),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench_blocks, bench_inflate, bench_messages);
criterion_main!(benches);
