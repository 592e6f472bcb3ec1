//! `upload` against real servers (Dovecot for IMAP, Radicale for CalDAV/CardDAV; see
//! `servers/mod.rs`): what arrives is what `convert` writes, in the right folders, with the
//! source's flags and delivery times; a re-run sends nothing; dropped connections and
//! `--dedupe server` leave every message there exactly once; XOAUTH2 works and an expired
//! token is refused with a clear error; `convert` writes files and uploads in one pass;
//! messages over Dovecot's size limit (refused with `[LIMIT]`, or advertised as
//! APPENDLIMIT) are reported and the run goes on; `[THROTTLED]` APPENDs and DAV 429s with
//! `Retry-After`, injected by relays in front of the real servers, are waited out and sent
//! again, nothing twice.

mod servers;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use ost_extract::convert::InputReport;
use ost_extract::convert::{self, NoProgress};
use ost_extract::mail;
use ost_extract::upload::{self, dav, imap, Special, Targets, Upload, UploadError};
use pstkit::Store;
use servers::servers;

fn demo(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/demo")
        .join(name)
}

fn corpus(name: &str) -> PathBuf {
    let dir = match std::env::var_os("OST_EXTRACT_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"),
    };
    let p = dir.join("corpus").join(name);
    assert!(p.exists(), "corpus file {} missing", p.display());
    p
}

/// A server message as the tests compare it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Arrived {
    body: Vec<u8>,
    flags: Vec<String>,
    date: Option<i64>,
}

/// Every mailbox of `user` with its messages (bodies sorted).
fn mailbox_contents(user: &str) -> BTreeMap<String, Vec<Arrived>> {
    let mut s = servers().session(user);
    let mut out = BTreeMap::new();
    for m in s.list().unwrap() {
        if m.no_select {
            continue;
        }
        let mut msgs: Vec<Arrived> = s
            .fetch_all(&m.name)
            .unwrap()
            .into_iter()
            .map(|f| {
                let mut flags: Vec<String> =
                    f.flags.into_iter().filter(|x| x != "\\Recent").collect();
                flags.sort();
                Arrived {
                    body: f.body,
                    flags,
                    date: f.internal_date.map(|d| d.timestamp()),
                }
            })
            .collect();
        msgs.sort();
        out.insert(m.name, msgs);
    }
    s.logout();
    out
}

/// What each mailbox should hold: the mail of the folders the report says went there, as
/// rendered from the source, with its flags and delivery time.
fn expected_contents(store: &Store, report: &InputReport) -> BTreeMap<String, Vec<Arrived>> {
    let book = ost_extract::addressbook::AddressBook::from_store(store);
    let plan = convert::plan::plan(store, &store.folders().folders, false);
    let plans = upload::mail_folders(store, &plan);
    let mut out: BTreeMap<String, Vec<Arrived>> = BTreeMap::new();
    for placed in &report.upload.as_ref().unwrap().folders {
        let Some(mb) = &placed.mailbox else { continue };
        let entry = out.entry(mb.clone()).or_default();
        let i = plans.iter().position(|p| p.label == placed.source).unwrap();
        let planned = &plan.folders[i];
        let plan = &plans[i];
        for &nid in &planned.items {
            let Ok(mut msg) = store.message(nid) else {
                continue;
            };
            book.enrich(&mut msg);
            if convert::Kind::of_class(msg.class()) != convert::Kind::Mail
                || !mail::is_mail_like(msg.class())
            {
                continue;
            }
            let mut flags: Vec<String> =
                upload::message_flags(&msg, plan.special == Some(Special::Drafts))
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
            flags.sort();
            let date = upload::delivery_time(&msg)
                .filter(|d| imap::internal_date(*d).is_some())
                .map(|d| d.timestamp());
            entry.push(Arrived {
                body: mail::message_to_eml_with(&msg, &book, &mut Vec::new()),
                flags,
                date,
            });
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

/// With only an IMAP target, the calendar items, tasks, contacts and lists of every folder
/// are skipped with the target that would take them (none is counted as found and left
/// unwritten), as many as the store holds.
fn assert_untaken_kinds_skipped(store: &Store, report: &InputReport) {
    let plan = convert::plan::plan(store, &store.folders().folders, false);
    let mut held: BTreeMap<&'static str, u64> = BTreeMap::new();
    for folder in &plan.folders {
        for &nid in &folder.items {
            let Ok(msg) = store.message(nid) else {
                continue;
            };
            let why = match convert::Kind::of_class(msg.class()) {
                convert::Kind::Appointment | convert::Kind::Task => {
                    "no output for calendar items and tasks (upload: --caldav)"
                }
                convert::Kind::Contact | convert::Kind::DistributionList => {
                    "no output for contacts and lists (upload: --carddav)"
                }
                _ => continue,
            };
            *held.entry(why).or_default() += 1;
        }
    }
    assert!(
        held.len() == 2,
        "the store holds no calendar or contact: {held:?}"
    );
    let mut skipped: BTreeMap<&'static str, u64> = BTreeMap::new();
    for f in &report.folders {
        for (kind, c) in &f.counts {
            assert!(
                *kind == convert::Kind::Mail || c.found == 0,
                "{}: {kind:?} counted as found with no output for it: {c:?}",
                f.folder
            );
        }
        for (why, n) in &f.skipped {
            if let Some(k) = held.keys().find(|k| **k == why.as_str()) {
                *skipped.entry(k).or_default() += n;
            }
        }
    }
    assert_eq!(skipped, held);
}

/// Every file under `dir` whose name ends with `ext`, skipping the subtrees named in `skip`
/// at the top.
fn files(dir: &Path, ext: &str, skip: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            if !skip.contains(&name.as_str()) {
                out.extend(files(&p, ext, &[]));
            }
        } else if name.ends_with(ext) && !skip.iter().any(|s| name == format!("{s}{ext}")) {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The unfolded content lines of an iCalendar or vCard text, each prefixed with the
/// components it is in, sorted: equal for texts that differ only in property order within a
/// component, folding and line ends.
fn content_lines(text: &str) -> Vec<String> {
    let mut logical: Vec<String> = Vec::new();
    for raw in text.split('\n') {
        let line = raw.trim_end_matches('\r');
        if (line.starts_with(' ') || line.starts_with('\t')) && !logical.is_empty() {
            if let Some(l) = logical.last_mut() {
                l.push_str(&line[1..]);
            }
        } else if !line.is_empty() {
            logical.push(line.to_owned());
        }
    }
    let mut path: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for l in logical {
        let upper = l.to_ascii_uppercase();
        if let Some(c) = upper.strip_prefix("BEGIN:") {
            path.push(c.to_owned());
        } else if upper.starts_with("END:") {
            path.pop();
        } else {
            out.push(format!("{}|{}", path.join("/"), merge_params(&l)));
        }
    }
    out.sort();
    out
}

/// A content line with repeated parameters merged (`TYPE=a;TYPE=b` as `TYPE=a,b`, which
/// vCard and iCalendar take as the same).
fn merge_params(line: &str) -> String {
    let Some((head, value)) = line.split_once(':') else {
        return line.to_owned();
    };
    let mut parts = head.split(';');
    let name = parts.next().unwrap_or("");
    let mut params: Vec<(String, Vec<String>)> = Vec::new();
    for p in parts {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        let k = k.to_ascii_uppercase();
        match params.iter_mut().find(|(n, _)| *n == k) {
            Some((_, vs)) => vs.push(v.to_owned()),
            None => params.push((k, vec![v.to_owned()])),
        }
    }
    let mut out = name.to_owned();
    for (k, vs) in params {
        out.push_str(&format!(";{k}={}", vs.join(",")));
    }
    format!("{out}:{value}")
}

struct Checked {
    /// How many messages carry each flag ("unread": no \Seen).
    flags: BTreeMap<String, usize>,
    messages: usize,
    mailboxes: usize,
    dav_resources: usize,
}

/// The upload of `targets` with `options`.
fn up(targets: &Targets, options: &upload::Options) -> Upload {
    Upload {
        targets: targets.clone(),
        options: options.clone(),
    }
}

/// Messages (and DAV resources) uploaded by the run of `report`.
fn uploaded(report: &InputReport) -> u64 {
    report.upload.as_ref().map_or(0, |u| u.uploaded())
}

/// Uploads `input` as `user` (and to DAV as `dav_user`), checks everything that arrived
/// against `convert`'s output and the source, runs again and checks nothing more is sent.
fn upload_and_check(input: &Path, user: &str, dav_user: Option<&str>) -> Checked {
    let srv = servers();
    let ledgers = tempfile::tempdir().unwrap();
    let targets = Targets {
        imap: Some(srv.imaps(user)),
        caldav: dav_user.map(|u| srv.dav(u)),
        carddav: dav_user.map(|u| srv.dav(u)),
    };
    let opts = srv.options(ledgers.path());
    let store = Store::open(input).unwrap();
    let report = upload::upload_store(&store, input, &up(&targets, &opts), &NoProgress).unwrap();
    assert!(report.complete);
    assert!(
        report.failures.is_empty(),
        "{}: {:#?}",
        input.display(),
        report.failures
    );

    // Per mailbox: exactly the folder's mail, byte for byte, with its flags and dates.
    let arrived = mailbox_contents(user);
    let expected = expected_contents(&store, &report);
    for (mb, want) in &expected {
        let got = arrived
            .get(mb)
            .unwrap_or_else(|| panic!("mailbox {mb} missing"));
        assert_eq!(
            got.len(),
            want.len(),
            "{}: message count in {mb}",
            input.display()
        );
        assert!(
            got == want,
            "{}: messages, flags or dates in {mb} differ",
            input.display()
        );
    }
    let total: usize = arrived.values().map(Vec::len).sum();
    let mut flags: BTreeMap<String, usize> = BTreeMap::new();
    for a in arrived.values().flatten() {
        for f in &a.flags {
            *flags.entry(f.clone()).or_default() += 1;
        }
        if !a.flags.contains(&"\\Seen".to_owned()) {
            *flags.entry("unread".into()).or_default() += 1;
        }
    }
    assert_eq!(
        total,
        expected.values().map(Vec::len).sum::<usize>(),
        "messages outside the planned mailboxes"
    );

    // The same bytes as the EML files `convert` writes (outside Other/ and Sync Issues/).
    let out = tempfile::tempdir().unwrap();
    convert::convert_file(input, out.path(), &convert::Options::default(), &NoProgress).unwrap();
    let mut eml: Vec<Vec<u8>> = files(
        &out.path().join("Mail"),
        ".eml",
        &[
            "Other",
            "Sync Issues",
            "Conflicts",
            "Local Failures",
            "Server Failures",
        ],
    )
    .iter()
    .map(|p| std::fs::read(p).unwrap())
    .collect();
    eml.sort();
    let mut all: Vec<Vec<u8>> = arrived.values().flatten().map(|a| a.body.clone()).collect();
    all.sort();
    assert!(
        all == eml,
        "{}: uploaded messages differ from convert's EML files",
        input.display()
    );

    // Every mail folder is there; special folders went to the server's special-use ones,
    // found by their SPECIAL-USE attribute (the test server's \\Junk mailbox is named
    // "Unwanted", a name nothing would guess).
    let plan = convert::plan::plan(&store, &store.folders().folders, false);
    let plans = upload::mail_folders(&store, &plan);
    let special_use: BTreeMap<&str, String> = {
        let mut s = srv.session(user);
        let list = s.list().unwrap();
        s.logout();
        list.into_iter()
            .filter_map(|m| Some((m.special_use?, m.name)))
            .collect()
    };
    assert_eq!(special_use["\\Junk"], "Unwanted");
    let placed_folders = &report.upload.as_ref().unwrap().folders;
    for p in &plans {
        let placed = placed_folders.iter().find(|f| f.source == p.label);
        if p.skip.is_none() && p.mail_folder && !p.rel.is_empty() {
            let mb = placed
                .and_then(|f| f.mailbox.as_ref())
                .unwrap_or_else(|| panic!("{} has no mailbox", p.label));
            assert!(arrived.contains_key(mb), "{mb} not on the server");
            if let Some(s) = p.special {
                let want = match s {
                    Special::Inbox => "INBOX".to_owned(),
                    Special::Sent => special_use["\\Sent"].clone(),
                    Special::Drafts => special_use["\\Drafts"].clone(),
                    Special::Trash => special_use["\\Trash"].clone(),
                    Special::Junk => special_use["\\Junk"].clone(),
                    Special::Archive => special_use["\\Archive"].clone(),
                };
                assert_eq!(
                    mb, &want,
                    "{} should go to the special-use mailbox",
                    p.label
                );
            }
        }
    }
    for clash in ["Sent Items", "Deleted Items", "Inbox", "Junk E-mail"] {
        assert!(
            !arrived.contains_key(clash),
            "{clash} created beside the special-use mailbox"
        );
    }

    // DAV: every resource equals the ICS / vCard convert writes, split by UID.
    let mut dav_resources = 0;
    if let Some(du) = dav_user {
        let mut want: Vec<String> = Vec::new();
        for p in files(&out.path().join("Calendar"), ".ics", &["Other"])
            .into_iter()
            .chain(files(&out.path().join("Tasks"), ".ics", &["Other"]))
        {
            want.extend(
                dav::split_calendar(&std::fs::read_to_string(p).unwrap())
                    .into_iter()
                    .map(|r| r.text),
            );
        }
        for p in files(&out.path().join("Contacts"), ".vcf", &["Other"]) {
            want.extend(
                dav::split_vcards(&std::fs::read_to_string(p).unwrap())
                    .into_iter()
                    .map(|r| r.text),
            );
        }
        want.sort();
        let tls = upload::tls_config(Some(&srv.ca_file)).unwrap();
        let client = dav::DavClient::new(du, srv.password(), tls);
        let mut got = Vec::new();
        for c in placed_folders.iter().flat_map(|f| f.collections.iter()) {
            for href in client.list(c).unwrap() {
                got.push(String::from_utf8(client.get(&href).unwrap().unwrap()).unwrap());
            }
        }
        got.sort();
        got.dedup();
        assert_eq!(got.len(), want.len(), "{}: DAV resources", input.display());
        // Radicale stores what it parsed (vobject): properties may come back in another
        // order and folded elsewhere. Compared as content lines per component.
        let mut got: Vec<Vec<String>> = got.iter().map(|t| content_lines(t)).collect();
        let mut want: Vec<Vec<String>> = want.iter().map(|t| content_lines(t)).collect();
        got.sort();
        want.sort();
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(
                g,
                w,
                "{}: a DAV resource differs from convert's",
                input.display()
            );
        }
        dav_resources = got.len();
    }

    // A second run sends nothing.
    let again = upload::upload_store(&store, input, &up(&targets, &opts), &NoProgress).unwrap();
    assert_eq!(
        uploaded(&again),
        0,
        "{}: re-run uploaded {:?}",
        input.display(),
        again.upload
    );
    assert!(again.failures.is_empty(), "{:#?}", again.failures);
    assert_eq!(
        mailbox_contents(user),
        arrived,
        "re-run changed the mailboxes"
    );
    Checked {
        flags,
        messages: total,
        mailboxes: expected.len(),
        dav_resources,
    }
}

#[test]
fn demo_files_upload_with_folders_flags_dates_and_dav() {
    let mut seen = Vec::new();
    for (i, f) in [
        "demo-2013.ost",
        "demo-unicode.ost",
        "demo-unicode.pst",
        "demo-ansi.pst",
    ]
    .iter()
    .enumerate()
    {
        let user = format!("demo{i}@example.test");
        let dav_user = format!("dav{}@example.test", i + 1);
        let c = upload_and_check(&demo(f), &user, Some(&dav_user));
        seen.push((f, c.messages, c.mailboxes, c.dav_resources));
    }
    // The demo caches hold mail in several folders, events, tasks and contacts.
    for (f, messages, mailboxes, dav) in &seen {
        assert!(
            *messages >= 15 && *mailboxes >= 5 && *dav >= 8,
            "{f}: {messages} {mailboxes} {dav}"
        );
    }
    // The draft of the 2013 demo cache is in Drafts, flagged \\Draft; the rest is read mail.
    let boxes = mailbox_contents("demo0@example.test");
    assert_eq!(boxes["Drafts"].len(), 1);
    assert!(boxes["Drafts"][0].flags.contains(&"\\Draft".to_owned()));
    assert!(boxes["INBOX"].len() >= 10);
}

#[test]
fn corpus_files_upload_completely() {
    let files = [
        "aranetic__flags_jane_doe.pst",
        "aranetic__four_nesting_levels.pst",
        "aranetic__unsent_email.pst",
        "aquasync__msgInMsg.pst",
        "aspose-email__SampleContacts.pst",
        "aspose-email__TaskPST.pst",
        "aspose-email__SampleOstFile.ost",
    ];
    let mut total = 0;
    for (i, f) in files.iter().enumerate() {
        let user = format!("corpus{i}@example.test");
        let dav_user = format!("dav{}@example.test", 5 + i % 3);
        // DAV users are shared by several files here; each file's collections are named by
        // its folders, so they are checked with IMAP only except one file per DAV user.
        let dav = (i < 3).then_some(dav_user.as_str());
        let c = upload_and_check(&corpus(f), &user, dav);
        total += c.messages;
        // The flags sample holds unread, flagged and replied-to mail; the OST forwarded mail.
        if f.contains("flags_jane_doe") {
            for flag in ["unread", "\\Seen", "\\Flagged", "\\Answered"] {
                assert!(
                    c.flags.get(flag).is_some_and(|n| *n > 0),
                    "{f}: no {flag} in {:?}",
                    c.flags
                );
            }
        }
        if f.contains("SampleOstFile") {
            assert!(
                c.flags.get("$Forwarded").is_some_and(|n| *n > 0),
                "{f}: {:?}",
                c.flags
            );
        }
        if f.contains("unsent_email") {
            assert!(
                c.flags.get("\\Draft").is_some_and(|n| *n > 0),
                "{f}: {:?}",
                c.flags
            );
        }
    }
    assert!(total > 20, "{total} messages");
}

/// A TCP relay that cuts each of the first `cuts.len()` connections once the client has sent
/// that many bytes through it: the client sees the server drop the connection mid-command.
fn cutting_proxy(target: u16, cuts: Vec<usize>) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let cut_count = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&cut_count);
    thread::spawn(move || {
        for (i, conn) in listener.incoming().enumerate() {
            let Ok(client) = conn else { return };
            let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                return;
            };
            let limit = cuts.get(i).copied();
            let counter = Arc::clone(&counter);
            let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            thread::spawn(move || pump(s2, c2, None, &AtomicBool::new(false)));
            thread::spawn(move || {
                let cut = AtomicBool::new(false);
                pump(client, server, limit, &cut);
                if cut.load(Ordering::SeqCst) {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    });
    (port, cut_count)
}

fn pump(mut from: TcpStream, mut to: TcpStream, limit: Option<usize>, cut: &AtomicBool) {
    let mut buf = [0u8; 16384];
    let mut sent = 0usize;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if limit.is_some_and(|l| sent + n > l) {
            cut.store(true, Ordering::SeqCst);
            break;
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
        sent += n;
    }
    let _ = from.shutdown(std::net::Shutdown::Both);
    let _ = to.shutdown(std::net::Shutdown::Both);
}

/// A writer-built OST with a few hundred messages over several folders.
fn built_ost(dir: &Path) -> PathBuf {
    use pstkit::{Client, Layout};
    let path = dir.join("built.ost");
    let mut o = pst_fixtures::BuildOptions::new(
        Layout::Unicode4k,
        Client::Ost,
        pstkit::ndb::CryptMethod::Permute,
    );
    o.size = Some(6 << 20);
    pst_fixtures::build_file(&path, &o).unwrap();
    path
}

#[test]
fn dropped_connections_resume_with_nothing_missing_and_nothing_twice() {
    let srv = servers();
    let dir = tempfile::tempdir().unwrap();
    let input = built_ost(dir.path());
    let store = Store::open(&input).unwrap();
    // Connections are cut after 40 KB, 300 KB, 1 MB, 2 MB and 3 MB sent: in the middle of
    // logins, APPENDs and literals.
    let (port, cuts) = cutting_proxy(
        srv.imaps_port,
        vec![40_000, 300_000, 1_000_000, 2_000_000, 3_000_000],
    );
    let user = "drops@example.test";
    let url = imap::ImapUrl::parse(&format!("imaps://{user}@localhost:{port}")).unwrap();
    let targets = Targets {
        imap: Some(url),
        ..Targets::default()
    };
    let mut opts = srv.options(dir.path());
    opts.connections = 2;
    let report = upload::upload_store(&store, &input, &up(&targets, &opts), &NoProgress).unwrap();
    assert!(
        cuts.load(Ordering::SeqCst) >= 3,
        "only {} connections were cut",
        cuts.load(Ordering::SeqCst)
    );
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    assert_untaken_kinds_skipped(&store, &report);
    let arrived = mailbox_contents(user);
    let expected = expected_contents(&store, &report);
    let strip = |m: &BTreeMap<String, Vec<Arrived>>| -> BTreeMap<String, Vec<Vec<u8>>> {
        m.iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.clone(), v.iter().map(|a| a.body.clone()).collect()))
            .collect()
    };
    let got = strip(&arrived);
    let want = strip(&expected);
    let count = |m: &BTreeMap<String, Vec<Vec<u8>>>| m.values().map(Vec::len).sum::<usize>();
    assert!(count(&want) > 100, "{} messages", count(&want));
    assert_eq!(count(&got), count(&want), "messages missing or twice");
    assert!(got == want, "the mailboxes differ from the source");
    // Kicked from the server side while a second run looks: nothing more is sent.
    srv.kick(user);
    let again = upload::upload_store(&store, &input, &up(&targets, &opts), &NoProgress).unwrap();
    assert_eq!(uploaded(&again), 0);
}

#[test]
fn dedupe_server_skips_messages_that_came_another_way() {
    let srv = servers();
    let input = demo("demo-2013.ost");
    let store = Store::open(&input).unwrap();
    let user = "dedupe@example.test";
    // Three Inbox messages arrive first by another route.
    let plan = convert::plan::plan(&store, &store.folders().folders, false);
    let plans = upload::mail_folders(&store, &plan);
    let inbox = plans
        .iter()
        .position(|p| p.special == Some(Special::Inbox))
        .unwrap();
    let mut s = srv.session(user);
    let mut early = Vec::new();
    for &nid in plan.folders[inbox].items.iter().take(3) {
        let eml = mail::message_to_eml(&store.message(nid).unwrap(), &mut Vec::new());
        let r = s
            .append(
                "INBOX",
                &[imap::Appendable {
                    flags: &[],
                    date: None,
                    bytes: &eml,
                }],
            )
            .unwrap();
        assert!(r.is_ok());
        early.push(eml);
    }
    s.logout();
    let dir = tempfile::tempdir().unwrap();
    let mut opts = srv.options(dir.path());
    opts.dedupe_server = true;
    let targets = Targets {
        imap: Some(srv.imaps(user)),
        ..Targets::default()
    };
    let report = upload::upload_store(&store, &input, &up(&targets, &opts), &NoProgress).unwrap();
    let deduped: Vec<_> = report
        .skipped
        .iter()
        .filter(|s| s.reason.contains("--dedupe server"))
        .collect();
    assert_eq!(deduped.len(), 3, "{:#?}", report.skipped);
    let arrived = mailbox_contents(user);
    let inbox_bodies: Vec<&Vec<u8>> = arrived["INBOX"].iter().map(|a| &a.body).collect();
    for e in &early {
        assert_eq!(
            inbox_bodies.iter().filter(|b| **b == e).count(),
            1,
            "a message is there twice"
        );
    }
    let mut want: Vec<Vec<u8>> = expected_contents(&store, &report)["INBOX"]
        .iter()
        .map(|a| a.body.clone())
        .collect();
    let mut got: Vec<Vec<u8>> = inbox_bodies.into_iter().cloned().collect();
    want.sort();
    got.sort();
    assert!(got == want);
}

#[test]
fn xoauth2_token_is_accepted_and_an_expired_one_refused_clearly() {
    let srv = servers();
    let dir = tempfile::tempdir().unwrap();
    let input = demo("demo-unicode.pst");
    let store = Store::open(&input).unwrap();
    let user = "oauth@example.test";
    let now = chrono::Utc::now().timestamp();
    let targets = Targets {
        // STARTTLS on the plain port, too.
        imap: Some(srv.starttls(user)),
        ..Targets::default()
    };
    let mut opts = srv.options(dir.path());
    opts.auth = srv.token_command(dir.path(), user, now + 3600);
    let report = upload::upload_store(&store, &input, &up(&targets, &opts), &NoProgress).unwrap();
    assert!(uploaded(&report) > 10);
    let arrived: usize = mailbox_contents(user).values().map(Vec::len).sum();
    assert_eq!(arrived as u64, uploaded(&report));

    opts.auth = srv.token_command(dir.path(), user, now - 3600);
    let err = upload::upload_store(&store, &input, &up(&targets, &opts), &NoProgress).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, UploadError::Auth(_)), "{text}");
    assert!(
        text.contains("OAuth 2.0 token") && text.contains("expired"),
        "{text}"
    );
    // The token itself is not in the message.
    let token = std::fs::read_to_string(dir.path().join(format!("token-{}", now - 3600))).unwrap();
    assert!(!text.contains(token.trim()));
}

#[test]
fn a_wrong_password_is_an_authentication_error() {
    let srv = servers();
    let dir = tempfile::tempdir().unwrap();
    let input = demo("demo-ansi.pst");
    let store = Store::open(&input).unwrap();
    let mut opts = srv.options(dir.path());
    opts.auth = upload::Auth::Password(upload::Secret::new("not the password"));
    let targets = Targets {
        imap: Some(srv.imaps("wrong@example.test")),
        ..Targets::default()
    };
    let err = upload::upload_store(&store, &input, &up(&targets, &opts), &NoProgress).unwrap_err();
    assert!(matches!(err, UploadError::Auth(_)), "{err}");
    assert!(!err.to_string().contains("not the password"));
}

#[test]
fn convert_writes_files_and_uploads_in_one_pass() {
    let srv = servers();
    let input = demo("demo-2013.ost");
    let store = Store::open(&input).unwrap();
    let user = "onepass@example.test";
    let dav_user = "dav8@example.test";
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let targets = Targets {
        imap: Some(srv.imaps(user)),
        caldav: Some(srv.dav(dav_user)),
        carddav: Some(srv.dav(dav_user)),
    };
    let opts = convert::Options {
        upload: Some(up(&targets, &srv.options(&dir.path().join("ledger")))),
        ..convert::Options::default()
    };
    let report = convert::convert_file(&input, &out, &opts, &NoProgress).unwrap();
    assert!(report.complete, "{:#?}", report.failures);
    // The files are those of a plain conversion.
    let plain = dir.path().join("plain");
    convert::convert_file(&input, &plain, &convert::Options::default(), &NoProgress).unwrap();
    let mut ours = files(&out.join("Mail"), ".eml", &[]);
    let mut theirs = files(&plain.join("Mail"), ".eml", &[]);
    ours.sort();
    theirs.sort();
    assert_eq!(ours.len(), theirs.len());
    assert!(ours.len() > 15);
    for (a, b) in ours.iter().zip(&theirs) {
        assert_eq!(std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    }
    for sub in ["Calendar", "Tasks", "Contacts"] {
        assert!(out.join(sub).is_dir(), "{sub} not written");
    }
    // The mailboxes hold what the report says went there, and report.json says so too.
    let arrived = mailbox_contents(user);
    let expected = expected_contents(&store, &report);
    for (mb, want) in &expected {
        assert!(arrived.get(mb) == Some(want), "{mb} differs");
    }
    let on_disk: InputReport =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let summary = on_disk.upload.unwrap();
    let mail: usize = arrived.values().map(Vec::len).sum();
    assert_eq!(mail, expected.values().map(Vec::len).sum::<usize>());
    let dav: u64 = summary
        .folders
        .iter()
        .filter(|f| !f.collections.is_empty())
        .map(|f| f.uploaded)
        .sum();
    assert!(dav >= 8, "{summary:#?}");
    assert_eq!(summary.uploaded(), mail as u64 + dav);
    // Counted once per item: written by every output that took it.
    assert_eq!(report.counts, {
        let r = convert::convert_file(&input, &plain, &convert::Options::default(), &NoProgress)
            .unwrap();
        r.counts
    });
}

/// Uploads demo-2013.ost as `user` (one of the test server's users with a 20 KiB limit) and
/// checks that exactly the messages over the limit failed, with `reason` in their failure,
/// and every other message arrived.
fn upload_with_size_limit(user: &str, reason: &str) {
    let srv = servers();
    let dir = tempfile::tempdir().unwrap();
    let input = demo("demo-2013.ost");
    let store = Store::open(&input).unwrap();
    let targets = Targets {
        imap: Some(srv.imaps(user)),
        ..Targets::default()
    };
    let report = upload::upload_store(
        &store,
        &input,
        &up(&targets, &srv.options(dir.path())),
        &NoProgress,
    )
    .unwrap();
    let expected = expected_contents(&store, &report);
    let (big, small): (Vec<_>, Vec<_>) = expected
        .iter()
        .flat_map(|(mb, v)| v.iter().map(move |a| (mb.clone(), a)))
        .partition(|(_, a)| a.body.len() > 20 * 1024);
    assert!(!big.is_empty() && small.len() > 10);
    assert_eq!(report.failures.len(), big.len(), "{:#?}", report.failures);
    for f in &report.failures {
        assert!(f.reason.contains(reason), "{user}: {}", f.reason);
    }
    // The run went on: everything else is there.
    let arrived = mailbox_contents(user);
    let mut got: Vec<&Arrived> = arrived.values().flatten().collect();
    let mut want: Vec<&Arrived> = small.iter().map(|(_, a)| *a).collect();
    got.sort();
    want.sort();
    assert!(got == want, "{user}: the messages under the limit differ");
    assert_eq!(report.totals().failed, big.len() as u64);
}

#[test]
fn an_item_over_the_size_limit_is_reported_and_the_run_goes_on() {
    // small@: Dovecot's quota_max_mail_size refuses it ("NO [LIMIT]"), not to be retried.
    upload_with_size_limit("small@example.test", "[LIMIT]");
    // capped@: the server advertises APPENDLIMIT=20480; it is not even sent.
    upload_with_size_limit("capped@example.test", "APPENDLIMIT=20480");
}

/// A relay between a plain IMAP client and Dovecot's plain port (which takes logins from
/// 127.0.0.1): it hides STARTTLS, and answers the first `throttle` APPEND commands itself
/// with `NO [THROTTLED]`, swallowing their (LITERAL+) messages, as a busy server does.
fn throttling_imap_relay(target: u16, throttle: usize) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let injected = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&injected);
    thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(client) = conn else { return };
            let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                return;
            };
            let to_client = Arc::new(std::sync::Mutex::new(client.try_clone().unwrap()));
            let (s2, c2) = (server.try_clone().unwrap(), Arc::clone(&to_client));
            // Server to client, without STARTTLS.
            thread::spawn(move || {
                let mut from = s2;
                let mut buf = [0u8; 16384];
                loop {
                    let n = match from.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let text = buf[..n].to_vec();
                    let text = String::from_utf8_lossy(&text).replace(" STARTTLS", "");
                    if c2.lock().unwrap().write_all(text.as_bytes()).is_err() {
                        break;
                    }
                }
                let _ = c2.lock().unwrap().shutdown(std::net::Shutdown::Both);
            });
            let count = Arc::clone(&count);
            thread::spawn(move || {
                let mut reader = std::io::BufReader::new(client);
                let mut server = server;
                loop {
                    let mut line = Vec::new();
                    match std::io::BufRead::read_until(&mut reader, b'\n', &mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                    let text = String::from_utf8_lossy(&line).into_owned();
                    let mut words = text.split(' ');
                    let tag = words.next().unwrap_or("").to_owned();
                    let append = words
                        .next()
                        .is_some_and(|w| w.eq_ignore_ascii_case("APPEND"));
                    let throttled = append && count.load(Ordering::SeqCst) < throttle;
                    // The command goes on for as long as its lines end with a literal.
                    loop {
                        if !throttled && server.write_all(&line).is_err() {
                            return;
                        }
                        let t = String::from_utf8_lossy(&line);
                        let t = t.trim_end();
                        let Some(n) = t
                            .strip_suffix('}')
                            .and_then(|x| x.rsplit_once('{'))
                            .and_then(|(_, n)| n.trim_end_matches('+').parse::<usize>().ok())
                        else {
                            break;
                        };
                        let mut lit = vec![0u8; n];
                        if std::io::Read::read_exact(&mut reader, &mut lit).is_err() {
                            return;
                        }
                        if !throttled && server.write_all(&lit).is_err() {
                            return;
                        }
                        line = Vec::new();
                        if std::io::BufRead::read_until(&mut reader, b'\n', &mut line).is_err() {
                            return;
                        }
                    }
                    if throttled {
                        count.fetch_add(1, Ordering::SeqCst);
                        let reply =
                            format!("{tag} NO [THROTTLED] Too many commands, slow down\r\n");
                        if to_client
                            .lock()
                            .unwrap()
                            .write_all(reply.as_bytes())
                            .is_err()
                        {
                            return;
                        }
                    }
                }
                let _ = server.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    (port, injected)
}

#[test]
fn throttled_appends_are_retried_after_a_wait() {
    let srv = servers();
    let dir = tempfile::tempdir().unwrap();
    let input = demo("demo-unicode.ost");
    let store = Store::open(&input).unwrap();
    let (port, injected) = throttling_imap_relay(srv.imap_port, 3);
    let user = "throttled@example.test";
    let targets = Targets {
        imap: Some(imap::ImapUrl::parse(&format!("imap://{user}@127.0.0.1:{port}")).unwrap()),
        ..Targets::default()
    };
    let mut opts = srv.options(dir.path());
    opts.allow_plaintext = true;
    let report = upload::upload_store(&store, &input, &up(&targets, &opts), &NoProgress).unwrap();
    assert_eq!(injected.load(Ordering::SeqCst), 3, "APPENDs throttled");
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    // Every message there once, as sent by an unthrottled upload.
    let arrived = mailbox_contents(user);
    let expected = expected_contents(&store, &report);
    for (mb, want) in &expected {
        assert!(arrived.get(mb) == Some(want), "{mb} differs");
    }
    assert_eq!(
        arrived.values().map(Vec::len).sum::<usize>(),
        expected.values().map(Vec::len).sum::<usize>()
    );
}

/// PUTs through the DAV relay: refused (429) or passed on, when, and to which path.
type DavLog = Arc<std::sync::Mutex<Vec<(bool, std::time::Instant, String)>>>;

/// A relay between a plain-HTTP DAV client and Radicale (over TLS): it answers the first
/// `throttle` PUTs itself with `429 Too Many Requests` and `Retry-After: 1`, and passes the
/// rest on, one request per connection to Radicale. Records when each 429 was sent and when
/// each PUT arrived.
fn throttling_dav_relay(target: &str, ca: &Path, throttle: usize) -> (u16, DavLog) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hostport = target
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_owned();
    let tls = upload::tls_config(Some(ca)).unwrap();
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log2 = Arc::clone(&log);
    thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(client) = conn else { return };
            let (tls, hostport, log) = (Arc::clone(&tls), hostport.clone(), Arc::clone(&log2));
            thread::spawn(move || {
                let mut reader = std::io::BufReader::new(client.try_clone().unwrap());
                let mut client = client;
                loop {
                    // One request: its head, then Content-Length bytes.
                    let mut head = Vec::new();
                    loop {
                        let mut line = Vec::new();
                        match std::io::BufRead::read_until(&mut reader, b'\n', &mut line) {
                            Ok(0) | Err(_) => return,
                            Ok(_) => {}
                        }
                        let end = line == b"\r\n";
                        head.push(String::from_utf8_lossy(&line).into_owned());
                        if end {
                            break;
                        }
                    }
                    let len: usize = head
                        .iter()
                        .find_map(|h| {
                            let (k, v) = h.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse().ok())?
                        })
                        .unwrap_or(0);
                    let mut body = vec![0u8; len];
                    if std::io::Read::read_exact(&mut reader, &mut body).is_err() {
                        return;
                    }
                    let put = head[0].starts_with("PUT ");
                    let path = head[0].split(' ').nth(1).unwrap_or("").to_owned();
                    if put {
                        let mut l = log.lock().unwrap();
                        let refused = l.iter().filter(|(r, _, _)| *r).count();
                        if refused < throttle {
                            l.push((true, std::time::Instant::now(), path));
                            drop(l);
                            let r = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n";
                            if client.write_all(r.as_bytes()).is_err() {
                                return;
                            }
                            continue;
                        }
                        l.push((false, std::time::Instant::now(), path));
                    }
                    // Passed on over TLS, asking Radicale to close after answering.
                    let mut req: Vec<u8> = Vec::new();
                    for h in &head {
                        let name = h.split(':').next().unwrap_or("").to_ascii_lowercase();
                        if name == "connection" || name == "host" {
                            continue;
                        }
                        if h == "\r\n" {
                            req.extend_from_slice(
                                format!("Host: {hostport}\r\nConnection: close\r\n\r\n").as_bytes(),
                            );
                        } else {
                            req.extend_from_slice(h.as_bytes());
                        }
                    }
                    req.extend_from_slice(&body);
                    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
                    let conn = rustls::ClientConnection::new(Arc::clone(&tls), name).unwrap();
                    let sock = TcpStream::connect(&hostport).unwrap();
                    let mut s = rustls::StreamOwned::new(conn, sock);
                    s.write_all(&req).unwrap();
                    let mut resp = Vec::new();
                    let mut buf = [0u8; 16384];
                    loop {
                        match s.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => resp.extend_from_slice(&buf[..n]),
                        }
                    }
                    if client.write_all(&resp).is_err() {
                        return;
                    }
                    // Radicale said Connection: close; the client opens a new one.
                    let _ = client.shutdown(std::net::Shutdown::Both);
                    return;
                }
            });
        }
    });
    (port, log)
}

#[test]
fn dav_429_with_retry_after_is_waited_out() {
    let srv = servers();
    let dir = tempfile::tempdir().unwrap();
    let input = demo("demo-ansi.pst");
    let store = Store::open(&input).unwrap();
    let (port, log) = throttling_dav_relay(&srv.dav_url, &srv.ca_file, 3);
    let user = "ana@example.test";
    let url = format!("http://{user}@127.0.0.1:{port}/");
    let targets = Targets {
        caldav: Some(dav::DavUrl::parse(&url, "--caldav", true).unwrap()),
        carddav: Some(dav::DavUrl::parse(&url, "--carddav", true).unwrap()),
        ..Targets::default()
    };
    let mut opts = srv.options(dir.path());
    opts.allow_plaintext = true;
    let report = upload::upload_store(&store, &input, &up(&targets, &opts), &NoProgress).unwrap();
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    let log = log.lock().unwrap().clone();
    let refused: Vec<_> = log.iter().filter(|(r, _, _)| *r).collect();
    assert_eq!(refused.len(), 3);
    // Each refused PUT was sent again, the Retry-After second later or more.
    for (_, at, path) in &refused {
        let again = log
            .iter()
            .find(|(r, t, p)| !r && t > at && p == path)
            .unwrap_or_else(|| panic!("{path} not sent again"));
        assert!(again.1.duration_since(*at) >= std::time::Duration::from_secs(1));
    }
    // Every resource is there once: as many on the server as PUT and reported uploaded.
    let summary = report.upload.as_ref().unwrap();
    let tls = upload::tls_config(Some(&srv.ca_file)).unwrap();
    let client = dav::DavClient::new(user, srv.password(), tls);
    let mut on_server = 0;
    for c in summary.folders.iter().flat_map(|f| f.collections.iter()) {
        let direct = c.replace(&format!("http://127.0.0.1:{port}/"), &srv.dav_url);
        on_server += client.list(&direct).unwrap().len();
    }
    let stored = log.iter().filter(|(r, _, _)| !r).count();
    assert!(stored >= 8, "{stored} PUTs");
    assert_eq!(on_server, stored);
    assert_eq!(summary.uploaded(), stored as u64);
}
