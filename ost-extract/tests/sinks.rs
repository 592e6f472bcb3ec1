//! The output pipeline is open to new outputs: a sink written here, outside the crate, plugs
//! in beside the built-in ones without changing them, gets every item of the kinds it takes
//! with its folder, and its outcomes reach the report; EML is rendered only when some sink
//! needs it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use ost_extract::convert::{
    convert_store, convert_store_with, FolderRole, FolderSink, Item, Kind, Log, NoProgress,
    Options, PlannedFolder, Sink, StoreCtx, WriteError,
};
use pstkit::Store;

const DEMO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../fixtures/demo/demo-unicode.pst"
);

/// What the tally saw, shared with the test.
#[derive(Default)]
struct Seen {
    planned: Vec<(Vec<String>, Option<FolderRole>)>,
    items: BTreeMap<(String, Kind), u64>,
    rendered: u64,
}

/// A store-wide output, as a PST writer or an uploader would be: one state behind a lock,
/// the folder tree received up front, items forwarded by per-folder handles. With `picky`,
/// mail items alternately get each outcome.
#[derive(Default, Clone)]
struct Tally {
    seen: Arc<Mutex<Seen>>,
    picky: bool,
}

impl Sink for Tally {
    fn name(&self) -> &'static str {
        "tally"
    }
    fn takes(&self, _kind: Kind) -> bool {
        true
    }
    fn start(&mut self, ctx: &StoreCtx<'_>) -> Result<(), WriteError> {
        self.seen.lock().unwrap().planned = ctx
            .plan
            .folders
            .iter()
            .map(|f| (f.source_path.clone(), f.role))
            .collect();
        Ok(())
    }
    fn folder<'s>(&'s self, folder: &'s PlannedFolder) -> Box<dyn FolderSink + 's> {
        Box::new(TallyFolder {
            tally: self,
            folder,
            n: 0,
        })
    }
}

struct TallyFolder<'s> {
    tally: &'s Tally,
    folder: &'s PlannedFolder,
    n: usize,
}

impl FolderSink for TallyFolder<'_> {
    fn items(&mut self, items: &[Item<'_>], log: &mut Log) -> Result<(), WriteError> {
        let mut seen = self.tally.seen.lock().unwrap();
        for item in items {
            *seen
                .items
                .entry((self.folder.label.clone(), item.kind))
                .or_default() += 1;
            seen.rendered += u64::from(item.rendered.is_some());
            self.n += 1;
            match (self.tally.picky && item.kind == Kind::Mail, self.n % 3) {
                (true, 0) => log.failed(item.index, item.message, "refused"),
                (true, 1) => log.skipped(item.index, "already there"),
                // Reports nothing: the pipeline counts the item as failed.
                (true, _) if self.n == 2 => {}
                _ => log.written(item.index),
            }
        }
        Ok(())
    }
    fn finish(self: Box<Self>, _log: &mut Log) -> Result<(), WriteError> {
        Ok(())
    }
}

fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(
                    files(&p)
                        .into_iter()
                        .map(|f| format!("{}/{f}", e.file_name().to_string_lossy())),
                );
            } else {
                out.push(e.file_name().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_sink_alone_gets_every_item_and_nothing_is_rendered() {
    let store = Store::open(DEMO).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(format!("{DEMO}.json")).unwrap()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let tally = Tally::default();
    let report = convert_store_with(
        &store,
        Path::new(DEMO),
        out.path(),
        &Options::default(),
        vec![Box::new(tally.clone())],
        &NoProgress,
    )
    .unwrap();
    assert_eq!(files(out.path()), vec!["report.json"]);
    let t = report.totals();
    assert_eq!(t.found, manifest["totals"]["messages"].as_u64().unwrap());
    assert_eq!((t.written, t.failed), (t.found, 0));

    let seen = tally.seen.lock().unwrap();
    assert_eq!(seen.rendered, 0, "no sink asked for a rendering");
    assert_eq!(seen.items.values().sum::<u64>(), t.found);
    for kind in [Kind::Mail, Kind::Appointment, Kind::Task, Kind::Contact] {
        assert!(seen.items.keys().any(|(_, k)| *k == kind), "{kind:?}");
    }
    // The whole tree came up front, empty folders included, with the special folders named.
    let deleted = seen
        .planned
        .iter()
        .find(|(_, role)| *role == Some(FolderRole::DeletedItems))
        .expect("Deleted Items found by its entry id");
    assert_eq!(deleted.0.last().map(String::as_str), Some("Deleted Items"));
    assert!(seen
        .planned
        .iter()
        .any(|(p, _)| p.last().map(String::as_str) == Some("Journal")));
}

#[test]
fn a_sink_beside_the_others_changes_none_of_their_output() {
    let store = Store::open(DEMO).unwrap();
    let opts = Options {
        mail: ost_extract::convert::MailFormat::Both,
        ..Options::default()
    };
    let plain = tempfile::tempdir().unwrap();
    let reference =
        convert_store(&store, Path::new(DEMO), plain.path(), &opts, &NoProgress).unwrap();
    let with = tempfile::tempdir().unwrap();
    let tally = Tally {
        picky: true,
        ..Tally::default()
    };
    let mut sinks = opts.sinks(with.path());
    sinks.push(Box::new(tally.clone()));
    let report = convert_store_with(
        &store,
        Path::new(DEMO),
        with.path(),
        &opts,
        sinks,
        &NoProgress,
    )
    .unwrap();

    let listed = files(plain.path());
    assert!(listed.iter().any(|f| f.ends_with(".eml")));
    assert_eq!(files(with.path()), listed);
    for f in listed.iter().filter(|f| *f != "report.json") {
        assert_eq!(
            std::fs::read(plain.path().join(f)).unwrap(),
            std::fs::read(with.path().join(f)).unwrap(),
            "{f}"
        );
    }
    // Every mail item reached the tally with the renderings the EML and mbox sinks asked for.
    let seen = tally.seen.lock().unwrap();
    let mail = reference.counts[&Kind::Mail];
    assert_eq!(seen.rendered, mail.found);
    // The tally's outcomes: its failures and silent items fail the item, its skips do not.
    let ours = report.counts[&Kind::Mail];
    assert_eq!(ours.found, mail.found);
    assert!(ours.failed > 0);
    assert_eq!(ours.written + ours.failed, ours.found);
    assert_eq!(report.failures.len() as u64, ours.failed);
    assert!(report.failures.iter().any(|f| f.reason == "tally: refused"));
    assert!(report
        .failures
        .iter()
        .any(|f| f.reason == "not written by tally"));
    assert!(!report.skipped.is_empty());
    assert!(report
        .skipped
        .iter()
        .all(|s| s.output == "tally" && s.reason == "already there"));
    for kind in [Kind::Appointment, Kind::Task, Kind::Contact] {
        assert_eq!(report.counts[&kind], reference.counts[&kind]);
    }
}
