//! Opens arbitrary bytes as a PST/OST and walks everything: folders, messages, recipients,
//! attachments (embedded ones too) and orphans; then runs the structural validator over them.
//! Any panic, hang or runaway allocation is a bug. Inputs whose B-trees are unusable (most of
//! them) are carved; inputs whose last byte is odd are carved even when their B-trees work, so
//! carving sees every input shape too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pstkit::{Carving, Message, Store};

fuzz_target!(|data: &[u8]| {
    let _ = pstkit::check::check_bytes(data.to_vec());
    let carving = match data.last() {
        Some(b) if b & 1 == 1 => Carving::Force,
        _ => Carving::Auto,
    };
    let Ok(store) = Store::from_bytes_with(data.to_vec(), carving) else {
        return;
    };
    let _ = (store.carving(), store.carved_folders().len());
    let mut listed = std::collections::HashSet::new();
    store.for_each_message(&mut |_, nid, m| {
        listed.insert(nid);
        if let Ok(m) = m {
            touch(&m);
        }
    });
    for nid in store.orphans(&listed) {
        let _ = store.recorded_folder(nid);
        if let Ok(m) = store.message(nid) {
            touch(&m);
        }
    }
});

fn touch(m: &Message) {
    let _ = (m.class(), m.subject(), m.recipients.len());
    for a in &m.attachments {
        let _ = a.data().map(<[u8]>::len);
        if let Some(e) = &a.embedded {
            touch(e);
        }
    }
}
