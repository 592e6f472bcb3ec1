//! Helpers shared by integration tests: a Unicode PST to write items into, with its IPM
//! subtree, and the files a conversion wrote.
#![allow(dead_code)]

use std::fs::File;
use std::path::{Path, PathBuf};

use pstkit::write::{FolderId, NdbWriter, SpecialFolder, StoreOptions, StoreWriter};
use pstkit::{Client, CryptMethod, Layout};

/// A Unicode, permute-encrypted PST at `path` named "Personal Folders", and its "Top of
/// Personal Folders" (the IPM subtree), to add folders and items to; finish it with
/// `store.finish()` and the NDB writer's `finish()`.
pub fn unicode_pst(path: &Path) -> (StoreWriter<NdbWriter<File>>, FolderId) {
    let ndb = NdbWriter::new(
        File::create(path).unwrap(),
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
    (store, top)
}

/// Every file below `dir`.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
