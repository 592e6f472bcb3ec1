//! The coverage of every corpus file: each folder's item count is its contents table's, the
//! totals add up, oldest is never after newest, and the Exchange 2010 cache's folders show
//! the dates its items carry.
//!
//! The corpus lives beside the repository (`OST_EXTRACT_CORPUS` overrides the path). This test
//! fails, never skips, when it is missing.

use std::path::PathBuf;

use ost_extract::coverage::coverage;
use pstkit::Store;

fn corpus_dir() -> PathBuf {
    match std::env::var_os("OST_EXTRACT_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"),
    }
    .join("corpus")
}

#[test]
fn every_corpus_file_has_a_coverage_that_adds_up() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() > 100);
    let (mut stores, mut items) = (0, 0);
    for f in &files {
        let Ok(store) = Store::open(f) else { continue };
        let c = coverage(&store);
        let mut listed = 0u64;
        for folder in store.folders().folders {
            listed += store.contents(folder.nid).map_or(0, |n| n.len() as u64);
        }
        assert_eq!(c.items, listed, "{}", f.display());
        assert_eq!(c.items, c.folders.iter().map(|f| f.items).sum::<u64>());
        for fc in &c.folders {
            assert!(fc.items > 0);
            assert!(fc.headers_only <= fc.items);
            if let (Some(a), Some(b)) = (&fc.oldest, &fc.newest) {
                assert!(a <= b, "{}: {fc:?}", f.display());
            }
        }
        stores += 1;
        items += c.items;
    }
    println!("coverage: {stores} stores, {items} items");
    assert!(stores > 100);

    let store = Store::open(corpus_dir().join("aspose-email__SampleOstFile.ost")).unwrap();
    let c = coverage(&store);
    let inbox = c
        .folders
        .iter()
        .find(|f| f.folder == "Root - Mailbox/IPM_SUBTREE/Inbox")
        .unwrap();
    assert_eq!(inbox.items, 12);
    assert_eq!(
        inbox.oldest.as_deref().map(|d| &d[..10]),
        Some("2011-04-28")
    );
    assert_eq!(
        inbox.newest.as_deref().map(|d| &d[..10]),
        Some("2011-09-20")
    );
    assert_eq!(c.items, 92);
}
