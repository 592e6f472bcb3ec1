//! Deleted items still in the file come back with `--recover-deleted`, and only then.

use std::borrow::Cow;
use std::fs::File;

use ost_extract::convert::{convert_file, Kind, NoProgress, Options};
use pstkit::ltp::PropValue;
use pstkit::messaging::{pid, Message};
use pstkit::write::NdbWriter;
use pstkit::write::{SpecialFolder, StoreOptions, StoreWriter};
use pstkit::CryptMethod;
use pstkit::{Client, Layout};

fn mail(subject: &str) -> Message {
    let mut m = Message::default();
    m.props.insert(
        pid::MESSAGE_CLASS,
        PropValue::String(Cow::Borrowed("IPM.Note")),
    );
    m.props.insert(
        pid::SUBJECT,
        PropValue::String(Cow::Owned(subject.to_owned())),
    );
    m.props.insert(
        pid::BODY,
        PropValue::String(Cow::Owned(format!("Body of {subject}"))),
    );
    m
}

#[test]
fn deleted_items_are_recovered_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("deleted.pst");
    let ndb = NdbWriter::new(
        File::create(&path).unwrap(),
        Layout::Unicode,
        Client::Pst,
        CryptMethod::Permute,
    )
    .unwrap();
    let mut store = StoreWriter::new(
        ndb,
        StoreOptions {
            display_name: "Personal Folders".into(),
            omit_ipm_subtree_entry_id: false,
            record_key: [7; 16],
            ansi_encoding: None,
            ansi_codepage: 1252,
        },
    );
    let top = store.add_folder(store.root(), "Top of Personal Folders", None);
    store.set_special(SpecialFolder::IpmSubtree, top);
    let inbox = store.add_folder(top, "Inbox", Some("IPF.Note"));
    store.add_message(inbox, &mail("Kept")).unwrap();
    let gone = store
        .add_deleted_message(inbox, &mail("Deleted but not purged"))
        .unwrap();
    let (ndb, _) = store.finish().unwrap();
    ndb.finish().unwrap();

    let reader = pstkit::Store::open(&path).unwrap();
    let listed = reader
        .contents(reader.folders().folders[2].nid)
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(
        reader.orphans(&listed),
        vec![gone],
        "the deleted item is an orphan"
    );

    let plain = tmp.path().join("plain");
    let r = convert_file(&path, &plain, &Options::default(), &NoProgress).unwrap();
    assert_eq!(r.counts[&Kind::Mail].written, 1);
    assert!(!plain.join("Recovered items").exists());

    let opts = Options {
        recover_deleted: true,
        ..Options::default()
    };
    let recovered = tmp.path().join("recovered");
    let r = convert_file(&path, &recovered, &opts, &NoProgress).unwrap();
    assert_eq!(r.counts[&Kind::Mail].written, 2);
    let files: Vec<String> = std::fs::read_dir(recovered.join("Mail/Recovered items"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 1);
    assert!(files[0].contains("Deleted but not purged"), "{files:?}");
    let eml =
        std::fs::read_to_string(recovered.join("Mail/Recovered items").join(&files[0])).unwrap();
    assert!(eml.contains("Body of Deleted but not purged"));
}
