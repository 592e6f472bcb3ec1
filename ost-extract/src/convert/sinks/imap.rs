//! Mail into an IMAP account ([`crate::upload`]): a store-wide output. `start` logs in once,
//! maps convert's folder plan to the server's mailboxes ([`upload::mail_folders`],
//! [`ServerLayout`]) and creates them, then starts `--connections` workers. Each folder's
//! [`FolderSink`] turns the rendered EML of its messages into APPEND jobs, sends them to
//! the workers in batches (MULTIAPPEND where offered) and, before it finishes, collects
//! every job's outcome into the folder's [`Log`]. The ledger records each message as
//! pending before it is sent and done once the server has it, so a killed run resumes and
//! a re-run sends nothing ([`Sink::already_has`] spares the pipeline rendering those).

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use chrono::{DateTime, Utc};
use pstkit::messaging::Message;
use pstkit::NodeId;
use rustls::ClientConfig;

use crate::convert::fs::WriteError;
use crate::convert::plan::PlannedFolder;
use crate::convert::render::Needs;
use crate::convert::report::{InputReport, ItemWarning, Kind};
use crate::convert::sink::{FolderSink, Item, Log, Sink, StoreCtx};
use crate::mail;
use crate::upload::imap::{self, Appendable, ImapUrl, Session};
use crate::upload::ledger::{Entry, Ledger, State};
use crate::upload::{
    self, delivery_time, eml_message_id, message_flags, tls_config, to_write_error, MailFolder,
    Options, ServerLayout, Special, Upload, UploadError, UploadSummary,
};

/// Messages per batch and bytes per batch (a larger message goes alone).
const BATCH_MESSAGES: usize = 16;
const BATCH_BYTES: usize = 8 << 20;

/// Mail to an IMAP account; see the module documentation.
pub struct ImapUpload {
    url: ImapUrl,
    opts: Options,
    run: Option<Running>,
}

/// What exists once [`Sink::start`] has logged in.
struct Running {
    shared: Arc<Shared>,
    tx: Mutex<Option<SyncSender<Batch>>>,
    workers: Vec<JoinHandle<Result<(), UploadError>>>,
    /// Each planned folder (by node id and label) with its mailbox, when it has one yet.
    folders: HashMap<(Option<NodeId>, String), (MailFolder, Option<String>)>,
    /// The keys of `folders` in the plan's order.
    order: Vec<(Option<NodeId>, String)>,
    all: Vec<MailFolder>,
    layout: Mutex<ServerLayout>,
    placed: Mutex<UploadSummary>,
    ledger_path: PathBuf,
}

/// What the workers and the folder sinks share.
struct Shared {
    url: ImapUrl,
    opts: Options,
    tls: Arc<ClientConfig>,
    ledger: Mutex<Ledger>,
    append_limit: Option<usize>,
    abort: AtomicBool,
    fatal: Mutex<Option<UploadError>>,
}

impl Shared {
    fn record(&self, e: &Entry) -> Result<(), UploadError> {
        let mut l = self.ledger.lock().unwrap_or_else(|p| p.into_inner());
        let path = l.path().to_owned();
        l.record(e)
            .map_err(|source| UploadError::Ledger { path, source })
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What happened to one job.
enum Outcome {
    Written,
    Skipped(String),
    Failed(String),
}

/// One message for the workers.
struct Job {
    index: usize,
    nid: u32,
    message_id: String,
    flags: Vec<&'static str>,
    date: Option<DateTime<Utc>>,
    eml: Vec<u8>,
    /// An earlier run may have sent it: look before sending.
    check_first: bool,
    reply: Sender<(usize, Outcome)>,
}

impl Job {
    fn answer(&self, o: Outcome) {
        // The folder sink waits for every answer; it is gone only when the run stopped.
        let _ = self.reply.send((self.index, o));
    }
}

/// Messages for one mailbox, sent together (MULTIAPPEND) where the server allows.
struct Batch {
    mailbox: String,
    jobs: Vec<Job>,
}

impl ImapUpload {
    /// The IMAP output of `upload`, when it names an IMAP target.
    pub fn new(upload: &Upload) -> Option<Self> {
        Some(Self {
            url: upload.targets.imap.clone()?,
            opts: upload.options.clone(),
            run: None,
        })
    }
}

fn connect_login(
    url: &ImapUrl,
    opts: &Options,
    tls: &Arc<ClientConfig>,
) -> Result<Session, UploadError> {
    let mut s = Session::connect(url, tls, opts.allow_plaintext)?;
    s.login(url, &opts.auth)?;
    Ok(s)
}

/// Creates `mb` and its ancestors where the server lacks them.
fn create_all(
    s: &mut Session,
    layout: &mut ServerLayout,
    mb: &str,
    ancestors: &[String],
) -> Result<(), UploadError> {
    for a in ancestors
        .iter()
        .map(String::as_str)
        .chain(std::iter::once(mb))
    {
        if !layout.existing.contains(a) {
            s.create(a)?;
            layout.existing.insert(a.to_owned());
        }
    }
    Ok(())
}

impl Sink for ImapUpload {
    fn name(&self) -> &'static str {
        "imap"
    }

    fn takes(&self, kind: Kind) -> bool {
        kind == Kind::Mail
    }

    fn needs(&self) -> Needs {
        Needs::EML
    }

    fn start(&mut self, ctx: &StoreCtx<'_>) -> Result<(), WriteError> {
        let target = self.url.display();
        let fail = |e| to_write_error(&target, e);
        let tls = tls_config(self.opts.ca_file.as_deref()).map_err(fail)?;
        let ledger = Ledger::open(&self.opts.ledger_dir, &target, ctx.input).map_err(|source| {
            fail(UploadError::Ledger {
                path: self.opts.ledger_dir.clone(),
                source,
            })
        })?;
        let ledger_path = ledger.path().to_owned();
        let mut control = connect_login(&self.url, &self.opts, &tls).map_err(fail)?;
        let list = control.list().map_err(fail)?;
        let delim = control.delimiter().map_err(fail)?;
        let mut layout = ServerLayout::new(&list, delim);
        let append_limit = control
            .cap_value("APPENDLIMIT")
            .and_then(|v| v.parse::<usize>().ok());
        let all = upload::mail_folders(ctx.store, ctx.plan);
        let mut folders = HashMap::new();
        let mut order = Vec::new();
        // Every mail folder is created, empty ones too, so the tree is mirrored.
        for (m, f) in all.iter().zip(&ctx.plan.folders) {
            let mut mailbox = None;
            if m.skip.is_none() && m.mail_folder && (!m.rel.is_empty() || m.has_items) {
                let (mb, ancestors) = layout.mailbox_for(&all, m);
                create_all(&mut control, &mut layout, &mb, &ancestors).map_err(fail)?;
                mailbox = Some(mb);
            }
            folders.insert((f.nid, f.label.clone()), (m.clone(), mailbox));
            order.push((f.nid, f.label.clone()));
        }
        control.logout();
        let shared = Arc::new(Shared {
            url: self.url.clone(),
            opts: self.opts.clone(),
            tls,
            ledger: Mutex::new(ledger),
            append_limit,
            abort: AtomicBool::new(false),
            fatal: Mutex::new(None),
        });
        let connections = self.opts.connections.max(1);
        let (tx, rx) = sync_channel::<Batch>(connections * 2);
        let rx = Arc::new(Mutex::new(rx));
        let workers = (0..connections)
            .map(|_| {
                let shared = Arc::clone(&shared);
                let rx = Arc::clone(&rx);
                thread::spawn(move || worker(&shared, &rx))
            })
            .collect();
        self.run = Some(Running {
            shared,
            tx: Mutex::new(Some(tx)),
            workers,
            folders,
            order,
            all,
            layout: Mutex::new(layout),
            placed: Mutex::new(UploadSummary::default()),
            ledger_path,
        });
        Ok(())
    }

    fn already_has(&self, nid: NodeId) -> bool {
        self.run
            .as_ref()
            .is_some_and(|r| r.shared.ledger().is_done("imap", nid.0))
    }

    fn folder<'s>(&'s self, folder: &'s PlannedFolder) -> Box<dyn FolderSink + 's> {
        let (reply, replies) = channel();
        let entry = self
            .run
            .as_ref()
            .and_then(|r| r.folders.get(&(folder.nid, folder.label.clone())));
        Box::new(ImapFolder {
            sink: self,
            folder,
            mail: entry.map(|(m, _)| m.clone()),
            mailbox: entry.and_then(|(_, mb)| mb.clone()),
            tx: self
                .run
                .as_ref()
                .and_then(|r| r.tx.lock().ok().and_then(|t| t.clone())),
            batch: Vec::new(),
            batch_bytes: 0,
            waiting: HashMap::new(),
            reply: Some(reply),
            replies,
            uploaded: 0,
            skipped: 0,
        })
    }

    fn finish(&mut self, _notes: &mut Vec<ItemWarning>) -> Result<(), WriteError> {
        let Some(run) = self.run.as_mut() else {
            return Ok(());
        };
        run.tx.lock().unwrap_or_else(|p| p.into_inner()).take();
        let mut first: Option<UploadError> = None;
        for w in run.workers.drain(..) {
            match w.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    first.get_or_insert(e);
                }
                Err(_) => {
                    first.get_or_insert(UploadError::Protocol("an upload thread panicked".into()));
                }
            }
        }
        let fatal = run
            .shared
            .fatal
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        match fatal.or(first) {
            Some(e) => Err(to_write_error(&self.url.display(), e)),
            None => Ok(()),
        }
    }

    fn annotate(&self, report: &mut InputReport) {
        let Some(run) = &self.run else { return };
        let placed = run.placed.lock().unwrap_or_else(|p| p.into_inner());
        let summary = report.upload.get_or_insert_with(UploadSummary::default);
        summary.add_target(&self.url.display(), &run.ledger_path);
        // Every folder given a mailbox, empty ones too, in the plan's order.
        for key in &run.order {
            if let Some((_, Some(mb))) = run.folders.get(key) {
                summary.folder(&key.1).mailbox = Some(mb.clone());
            }
        }
        for p in &placed.folders {
            let s = summary.folder(&p.source);
            if p.mailbox.is_some() {
                s.mailbox = p.mailbox.clone();
            }
            s.uploaded += p.uploaded;
            s.skipped += p.skipped;
        }
    }
}

/// One folder's messages on their way to its mailbox.
struct ImapFolder<'s> {
    sink: &'s ImapUpload,
    folder: &'s PlannedFolder,
    mail: Option<MailFolder>,
    mailbox: Option<String>,
    tx: Option<SyncSender<Batch>>,
    batch: Vec<Job>,
    batch_bytes: usize,
    /// Jobs sent and not yet answered, with their message (for the log).
    waiting: HashMap<usize, Arc<Message>>,
    reply: Option<Sender<(usize, Outcome)>>,
    replies: Receiver<(usize, Outcome)>,
    uploaded: u64,
    skipped: u64,
}

impl ImapFolder<'_> {
    fn run(&self) -> Result<&Running, WriteError> {
        self.sink.run.as_ref().ok_or_else(|| {
            to_write_error(
                &self.sink.url.display(),
                UploadError::Protocol("the IMAP output was not started".into()),
            )
        })
    }

    /// The error that stopped the workers, if they stopped.
    fn stopped(&self) -> Option<WriteError> {
        let run = self.sink.run.as_ref()?;
        if !run.shared.abort.load(Ordering::Relaxed) {
            return None;
        }
        let e = run
            .shared
            .fatal
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .unwrap_or_else(|| UploadError::Protocol("the upload stopped".into()));
        Some(to_write_error(&self.sink.url.display(), e))
    }

    /// The mailbox of a folder that is not a mail folder but holds mail (made on first use).
    fn mailbox(&mut self) -> Result<String, WriteError> {
        if let Some(mb) = &self.mailbox {
            return Ok(mb.clone());
        }
        let sink = self.sink;
        let run = sink.run.as_ref().ok_or_else(|| {
            to_write_error(
                &sink.url.display(),
                UploadError::Protocol("the IMAP output was not started".into()),
            )
        })?;
        let fail = |e| to_write_error(&sink.url.display(), e);
        let Some(m) = &self.mail else {
            return Err(fail(UploadError::Protocol(format!(
                "{}: not in the plan",
                self.folder.label
            ))));
        };
        let mut layout = run.layout.lock().unwrap_or_else(|p| p.into_inner());
        let (mb, ancestors) = layout.mailbox_for(&run.all, m);
        if ancestors
            .iter()
            .chain(std::iter::once(&mb))
            .any(|a| !layout.existing.contains(a))
        {
            let shared = &run.shared;
            let mut s = connect_login(&shared.url, &shared.opts, &shared.tls).map_err(fail)?;
            create_all(&mut s, &mut layout, &mb, &ancestors).map_err(fail)?;
            s.logout();
        }
        self.mailbox = Some(mb.clone());
        Ok(mb)
    }

    fn send(&mut self) -> Result<(), WriteError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let mailbox = self.mailbox()?;
        let jobs = std::mem::take(&mut self.batch);
        self.batch_bytes = 0;
        let sent = self
            .tx
            .as_ref()
            .is_some_and(|tx| tx.send(Batch { mailbox, jobs }).is_ok());
        if !sent {
            return Err(self.stopped().unwrap_or_else(|| {
                to_write_error(
                    &self.sink.url.display(),
                    UploadError::Protocol("the upload stopped".into()),
                )
            }));
        }
        Ok(())
    }

    fn answer(&mut self, index: usize, o: Outcome, log: &mut Log) {
        let Some(msg) = self.waiting.remove(&index) else {
            return;
        };
        match o {
            Outcome::Written => {
                self.uploaded += 1;
                log.written(index);
            }
            Outcome::Skipped(why) => {
                self.skipped += 1;
                log.skipped(index, why);
            }
            Outcome::Failed(why) => log.failed(index, &msg, why),
        }
    }
}

impl FolderSink for ImapFolder<'_> {
    fn items(&mut self, items: &[Item<'_>], log: &mut Log) -> Result<(), WriteError> {
        if let Some(e) = self.stopped() {
            return Err(e);
        }
        let skip = self.mail.as_ref().and_then(|m| m.skip);
        let in_drafts = self
            .mail
            .as_ref()
            .is_some_and(|m| m.special == Some(Special::Drafts));
        for item in items {
            let msg = item.message;
            if let Some(why) = skip {
                self.skipped += 1;
                log.skipped(item.index, why);
                continue;
            }
            if !mail::is_mail_like(msg.class()) {
                self.skipped += 1;
                log.skipped(
                    item.index,
                    format!("not mail ({}): never uploaded as a message", msg.class()),
                );
                continue;
            }
            let (done, pending) = {
                let run = self.run()?;
                let l = run.shared.ledger();
                (
                    l.is_done("imap", item.nid.0),
                    l.pending("imap", item.nid.0).is_some(),
                )
            };
            if done {
                self.skipped += 1;
                log.skipped(item.index, "already uploaded (ledger)");
                continue;
            }
            let Some(eml) = item.eml() else {
                log.failed(item.index, msg, "no EML rendered");
                continue;
            };
            let Some(reply) = self.reply.clone() else {
                continue;
            };
            let job = Job {
                index: item.index,
                nid: item.nid.0,
                message_id: eml_message_id(eml).unwrap_or_default(),
                flags: message_flags(msg, in_drafts),
                date: delivery_time(msg),
                eml: eml.to_vec(),
                check_first: pending,
                reply,
            };
            if !self.batch.is_empty()
                && (self.batch.len() >= BATCH_MESSAGES
                    || self.batch_bytes + job.eml.len() > BATCH_BYTES)
            {
                self.send()?;
            }
            self.batch_bytes += job.eml.len();
            self.batch.push(job);
            self.waiting.insert(item.index, Arc::clone(msg));
        }
        if self.batch.len() >= BATCH_MESSAGES {
            self.send()?;
        }
        while let Ok((index, o)) = self.replies.try_recv() {
            self.answer(index, o, log);
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>, log: &mut Log) -> Result<(), WriteError> {
        self.send()?;
        // Every job holds a sender: once they are all answered or dropped, this ends.
        self.reply = None;
        self.tx = None;
        while !self.waiting.is_empty() {
            match self.replies.recv() {
                Ok((index, o)) => self.answer(index, o, log),
                Err(_) => break,
            }
        }
        if let Some(e) = self.stopped() {
            return Err(e);
        }
        let left: Vec<(usize, Arc<Message>)> = self.waiting.drain().collect();
        for (index, msg) in left {
            log.failed(index, &msg, "not sent: the upload stopped");
        }
        if let Some(run) = &self.sink.run {
            let mut placed = run.placed.lock().unwrap_or_else(|p| p.into_inner());
            let p = placed.folder(&self.folder.label);
            p.mailbox = self.mailbox.clone();
            p.uploaded += self.uploaded;
            p.skipped += self.skipped;
        }
        Ok(())
    }
}

/// One IMAP connection's loop: takes batches until there are none, reconnecting with
/// backoff when the connection drops or the server throttles.
fn worker(shared: &Shared, rx: &Mutex<Receiver<Batch>>) -> Result<(), UploadError> {
    let opts = &shared.opts;
    let mut session: Option<Session> = None;
    loop {
        let batch = {
            let rx = rx.lock().unwrap_or_else(|p| p.into_inner());
            rx.recv()
        };
        let Ok(batch) = batch else { break };
        if shared.abort.load(Ordering::Relaxed) {
            // Dropped unanswered: its folder sink sees the run stopped.
            continue;
        }
        let mut todo: VecDeque<Job> = batch.jobs.into();
        let mut attempt = 0u32;
        let mut delay = opts.backoff;
        loop {
            match send_batch(&mut session, shared, &batch.mailbox, &mut todo) {
                Ok(()) => break,
                Err(e) if e.is_transient() && attempt + 1 < opts.attempts => {
                    attempt += 1;
                    session = None;
                    // The batch may have arrived before the connection dropped: look first.
                    for j in todo.iter_mut() {
                        j.check_first = true;
                    }
                    thread::sleep(delay);
                    delay = (delay * 2).min(Duration::from_secs(30));
                }
                Err(
                    e @ (UploadError::Auth(_) | UploadError::Ledger { .. } | UploadError::Tls(_)),
                ) => {
                    // Stop everything; keep taking batches so no sender waits on a full
                    // channel.
                    shared.abort.store(true, Ordering::Relaxed);
                    shared
                        .fatal
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .get_or_insert(e);
                    todo.clear();
                    break;
                }
                Err(e) => {
                    for j in todo.drain(..) {
                        j.answer(Outcome::Failed(e.to_string()));
                    }
                    session = None;
                    break;
                }
            }
        }
    }
    if let Some(s) = session {
        s.logout();
    }
    Ok(())
}

/// Sends what is left of a batch, removing each message from `todo` as its fate is known.
fn send_batch(
    session: &mut Option<Session>,
    shared: &Shared,
    mailbox: &str,
    todo: &mut VecDeque<Job>,
) -> Result<(), UploadError> {
    let opts = &shared.opts;
    if session.is_none() {
        *session = Some(connect_login(&shared.url, opts, &shared.tls)?);
    }
    let Some(s) = session.as_mut() else {
        return Ok(());
    };
    let entry = |j: &Job, state, uid, note: Option<&str>| Entry {
        state,
        nid: j.nid,
        place: mailbox.to_owned(),
        id: j.message_id.clone(),
        uid,
        note: note.map(str::to_owned),
    };
    // Look on the server first: after a drop or an earlier run's kill (is it there more often
    // than the ledger says?), and with --dedupe server (is it there at all?).
    if opts.dedupe_server || todo.iter().any(|j| j.check_first) {
        s.examine(mailbox)?;
        let mut keep = VecDeque::with_capacity(todo.len());
        while let Some(j) = todo.pop_front() {
            if (!opts.dedupe_server && !j.check_first) || j.message_id.is_empty() {
                keep.push_back(j);
                continue;
            }
            let on_server = s.search_message_id(&j.message_id)?;
            let recorded = shared.ledger().done_with(mailbox, &j.message_id);
            let reason = if opts.dedupe_server && !on_server.is_empty() && !j.check_first {
                Some("Message-ID already in the folder (--dedupe server)")
            } else if on_server.len() > recorded {
                Some("found on the server after an interrupted upload")
            } else {
                None
            };
            match reason {
                Some(r) => {
                    shared.record(&entry(&j, State::Done, on_server.last().copied(), Some(r)))?;
                    if r.starts_with("found") {
                        j.answer(Outcome::Written);
                    } else {
                        j.answer(Outcome::Skipped(r.into()));
                    }
                }
                None => keep.push_back(Job {
                    check_first: false,
                    ..j
                }),
            }
        }
        *todo = keep;
    }
    if let Some(limit) = shared.append_limit {
        let mut keep = VecDeque::with_capacity(todo.len());
        for j in todo.drain(..) {
            if j.eml.len() > limit {
                j.answer(Outcome::Failed(format!(
                    "{} bytes: larger than the server takes (APPENDLIMIT={limit})",
                    j.eml.len()
                )));
            } else {
                keep.push_back(j);
            }
        }
        *todo = keep;
    }
    if todo.is_empty() {
        return Ok(());
    }
    for j in todo.iter() {
        shared.record(&entry(j, State::Pending, None, None))?;
    }
    let done = |j: &Job, uid: Option<u32>| -> Result<(), UploadError> {
        shared.record(&entry(j, State::Done, uid, None))?;
        j.answer(Outcome::Written);
        Ok(())
    };
    if todo.len() > 1 && s.has("MULTIAPPEND") {
        let msgs: Vec<Appendable<'_>> = todo
            .iter()
            .map(|j| Appendable {
                flags: &j.flags,
                date: j.date,
                bytes: &j.eml,
            })
            .collect();
        match s.append(mailbox, &msgs)? {
            Ok(uids) => {
                for (j, uid) in todo.iter().zip(uids) {
                    done(j, uid)?;
                }
                todo.clear();
                return Ok(());
            }
            Err(reply) => {
                let err = reply_error(reply, mailbox);
                if err.is_transient() {
                    return Err(err);
                }
                // One message spoiled the batch (too large, refused): send one by one.
            }
        }
    }
    while let Some(j) = todo.front() {
        let one = [Appendable {
            flags: &j.flags,
            date: j.date,
            bytes: &j.eml,
        }];
        match s.append(mailbox, &one)? {
            Ok(uids) => done(j, uids.first().copied().flatten())?,
            Err(reply) => {
                let err = reply_error(reply, mailbox);
                if err.is_transient() {
                    return Err(err);
                }
                j.answer(Outcome::Failed(err.to_string()));
            }
        }
        todo.pop_front();
    }
    Ok(())
}

fn reply_error(reply: imap::Reply, mailbox: &str) -> UploadError {
    UploadError::Server {
        command: format!("APPEND to {mailbox}"),
        code: reply.code_name(),
        text: reply.text,
    }
}
