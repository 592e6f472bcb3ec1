//! Opens arbitrary bytes as a PST/OST and walks everything: folders, messages, recipients,
//! attachments (embedded ones too) and orphans; then runs the structural validator over them.
//! Any panic, hang or runaway allocation is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pstkit::{Message, Store};

fuzz_target!(|data: &[u8]| {
    let _ = pstkit::check::check_bytes(data.to_vec());
    let Ok(store) = Store::from_bytes(data.to_vec()) else { return };
    let mut listed = std::collections::HashSet::new();
    store.for_each_message(&mut |_, nid, m| {
        listed.insert(nid);
        if let Ok(m) = m {
            touch(&m);
        }
    });
    for nid in store.orphans(&listed) {
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
