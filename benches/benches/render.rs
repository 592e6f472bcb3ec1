//! The converters' hot paths on the messages of a 32 MB OST: EML building, mbox entries,
//! base64 and quoted-printable, and ICS building of a calendar folder.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ost_extract::calendar::calendar_to_ics;
use ost_extract::mail::{self, mime};
use ost_extract_benches::fixture;
use pstkit::messaging::Message;
use pstkit::ndb::CryptMethod;
use pstkit::Store;
use pstkit::{Client, Layout};

#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn messages() -> (Vec<Message>, Vec<Message>) {
    let store = Store::open(fixture(
        Layout::Unicode4k,
        Client::Ost,
        CryptMethod::None,
        32 << 20,
    ))
    .unwrap();
    let mut mail = Vec::new();
    let mut events = Vec::new();
    for f in store.folders().folders {
        for nid in store.contents(f.nid).unwrap_or_default() {
            let Ok(m) = store.message(nid) else { continue };
            if ost_extract::calendar::is_appointment(m.class()) {
                events.push(m);
            } else if mail::is_mail_like(m.class()) {
                mail.push(m);
            }
        }
    }
    (mail, events)
}

fn bench_render(c: &mut Criterion) {
    let (mail_items, events) = messages();
    let emls: Vec<Vec<u8>> = mail_items
        .iter()
        .map(|m| mail::message_to_eml(m, &mut Vec::new()))
        .collect();
    let eml_bytes: u64 = emls.iter().map(|e| e.len() as u64).sum();

    let mut g = c.benchmark_group("render");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(eml_bytes));
    g.bench_function("eml", |b| {
        b.iter(|| {
            mail_items
                .iter()
                .map(|m| mail::message_to_eml(m, &mut Vec::new()).len())
                .sum::<usize>()
        })
    });
    g.bench_function("mbox_entry", |b| {
        b.iter(|| {
            mail_items
                .iter()
                .zip(&emls)
                .map(|(m, e)| mail::mbox_entry(m, e).len())
                .sum::<usize>()
        })
    });
    // What `convert --mail mbox` does: straight into the entry, no EML in between.
    g.bench_function("mbox_direct", |b| {
        b.iter(|| {
            mail_items
                .iter()
                .map(|m| mail::message_to_mbox_entry(m, &mut Vec::new()).len())
                .sum::<usize>()
        })
    });
    g.throughput(Throughput::Elements(events.len() as u64));
    g.bench_function("ics_calendar", |b| {
        b.iter(|| calendar_to_ics(&events, &mut Vec::new()).len())
    });
    g.finish();

    let data: Vec<u8> = (0..4u32 << 20)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let text = "The quick brown fox jumps over the lazy dog, naïvely = café. ".repeat(60_000);
    let mut g = c.benchmark_group("encode");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("base64_4MiB", |b| {
        let mut out = Vec::with_capacity(6 << 20);
        b.iter(|| {
            out.clear();
            mime::base64_mime(&data, &mut out, mime::Eol::Crlf);
            out.len()
        })
    });
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("quoted_printable_text", |b| {
        let mut out = Vec::with_capacity(text.len() * 2);
        b.iter(|| {
            out.clear();
            mime::quoted_printable_body(text.as_bytes(), &mut out);
            out.len()
        })
    });
    g.bench_function("body_encoding_text", |b| {
        b.iter(|| mime::body_encoding(text.as_bytes()))
    });
    g.finish();
}

criterion_group!(benches, bench_render);
criterion_main!(benches);
