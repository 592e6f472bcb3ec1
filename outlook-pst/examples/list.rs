//! Lists every message of a PST or OST with its folder, subject and attachments.
// outlook-pst/examples/list.rs: cargo run -p pstkit --example list -- mailbox.ost
use pstkit::messaging::pid;
use pstkit::Store;

fn main() -> Result<(), pstkit::Error> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "mailbox.ost".into());
    let store = Store::open(path)?;
    println!(
        "{:?} {}",
        store.header().layout,
        store.display_name().unwrap_or("")
    );
    for folder in store.folders().folders {
        for nid in store.contents(folder.nid)? {
            let msg = store.message(nid)?; // properties, recipients, attachments, embedded messages
            println!(
                "{}: {} [{}]",
                folder.path.join("/"),
                msg.subject(),
                msg.class()
            );
            // Any property, tagged or named:
            let _sent = msg.props.time(pid::CLIENT_SUBMIT_TIME);
            let _recurrence = msg.props.binary(&pid::LID_APPOINTMENT_RECUR);
            for a in &msg.attachments {
                println!(
                    "  {:?} {} bytes",
                    a.filename(),
                    a.data().map_or(0, <[u8]>::len)
                );
            }
        }
    }
    for w in store.warnings() {
        eprintln!("tolerated: {w}"); // bad CRCs, damaged pages: where (node, block, offset) and what
    }
    Ok(())
}
