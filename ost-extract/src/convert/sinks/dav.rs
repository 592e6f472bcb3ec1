//! Calendars and tasks to CalDAV, contacts to CardDAV ([`crate::upload`]): a store-wide
//! output. `start` discovers where collections go; each folder's items are gathered, rendered
//! as `convert` renders them for its `.ics` / `.vcf` files (a series with its exceptions,
//! list members pointing at cards of the same folder), split into one resource per UID, and
//! PUT into a collection made for the folder, with `If-None-Match: *` unless
//! [`Options::update`]. The ledger records each resource, so a re-run sends nothing.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use pstkit::messaging::Message;
use pstkit::{NodeId, Warning};

use crate::calendar;
use crate::contacts;
use crate::convert::fs::WriteError;
use crate::convert::plan::PlannedFolder;
use crate::convert::report::{InputReport, Kind};
use crate::convert::sink::{FolderSink, Item, Log, Sink, StoreCtx};
use crate::upload::dav::{self, DavClient, DavKind, DavUrl, Resource, Target};
use crate::upload::ledger::{Entry, Ledger, State};
use crate::upload::{
    self, tls_config, to_write_error, MailFolder, Options, Upload, UploadError, UploadSummary,
};

/// Calendars, tasks and contacts to DAV servers; see the module documentation.
pub struct DavUpload {
    caldav: Option<DavUrl>,
    carddav: Option<DavUrl>,
    opts: Options,
    run: Option<Running>,
}

struct Running {
    cal: Option<(DavClient, Target)>,
    card: Option<(DavClient, Target)>,
    ledger: Mutex<Ledger>,
    ledger_path: PathBuf,
    folders: HashMap<(Option<NodeId>, String), MailFolder>,
    used_slugs: Mutex<HashSet<String>>,
    placed: Mutex<UploadSummary>,
}

impl DavUpload {
    /// The DAV output of `upload`, when it names a CalDAV or CardDAV target.
    pub fn new(upload: &Upload) -> Option<Self> {
        let t = &upload.targets;
        (t.caldav.is_some() || t.carddav.is_some()).then(|| Self {
            caldav: t.caldav.clone(),
            carddav: t.carddav.clone(),
            opts: upload.options.clone(),
            run: None,
        })
    }

    fn target(&self) -> String {
        let mut v = Vec::new();
        if let Some(c) = &self.caldav {
            v.push(format!("caldav {} as {}", c.url, c.user));
        }
        if let Some(c) = &self.carddav {
            v.push(format!("carddav {} as {}", c.url, c.user));
        }
        v.join(", ")
    }
}

impl Sink for DavUpload {
    fn name(&self) -> &'static str {
        "dav"
    }

    fn takes(&self, kind: Kind) -> bool {
        match kind {
            Kind::Appointment | Kind::Task => self.caldav.is_some(),
            Kind::Contact | Kind::DistributionList => self.carddav.is_some(),
            Kind::Mail | Kind::Unreadable => false,
        }
    }

    fn start(&mut self, ctx: &StoreCtx<'_>) -> Result<(), WriteError> {
        let target = self.target();
        let fail = |e| to_write_error(&target, e);
        let tls = tls_config(self.opts.ca_file.as_deref()).map_err(fail)?;
        let key = format!(
            "{}|{}",
            self.caldav.as_ref().map_or("", |u| u.url.as_str()),
            self.carddav.as_ref().map_or("", |u| u.url.as_str())
        );
        let ledger = Ledger::open(&self.opts.ledger_dir, &key, ctx.input).map_err(|source| {
            fail(UploadError::Ledger {
                path: self.opts.ledger_dir.clone(),
                source,
            })
        })?;
        let connect = |u: &Option<DavUrl>, kind| -> Result<_, WriteError> {
            let Some(u) = u else { return Ok(None) };
            let c = DavClient::new(&u.user, self.opts.auth.clone(), Arc::clone(&tls));
            let t = c.discover(u, kind).map_err(fail)?;
            Ok(Some((c, t)))
        };
        let cal = connect(&self.caldav, DavKind::CalDav)?;
        let card = connect(&self.carddav, DavKind::CardDav)?;
        let all = upload::mail_folders(ctx.store, ctx.plan);
        let folders = all
            .into_iter()
            .zip(&ctx.plan.folders)
            .map(|(m, f)| ((f.nid, f.label.clone()), m))
            .collect();
        self.run = Some(Running {
            cal,
            card,
            ledger_path: ledger.path().to_owned(),
            ledger: Mutex::new(ledger),
            folders,
            used_slugs: Mutex::new(HashSet::new()),
            placed: Mutex::new(UploadSummary::default()),
        });
        Ok(())
    }

    fn folder<'s>(&'s self, folder: &'s PlannedFolder) -> Box<dyn FolderSink + 's> {
        Box::new(DavFolder {
            sink: self,
            folder,
            items: Vec::new(),
        })
    }

    fn annotate(&self, report: &mut InputReport) {
        let Some(run) = &self.run else { return };
        let placed = run.placed.lock().unwrap_or_else(|p| p.into_inner());
        let summary = report.upload.get_or_insert_with(UploadSummary::default);
        summary.add_target(&self.target(), &run.ledger_path);
        for p in &placed.folders {
            let s = summary.folder(&p.source);
            s.collections.extend(p.collections.iter().cloned());
            s.uploaded += p.uploaded;
            s.skipped += p.skipped;
        }
    }
}

/// One folder's calendar items, tasks and cards, gathered until the folder is done.
struct DavFolder<'s> {
    sink: &'s DavUpload,
    folder: &'s PlannedFolder,
    items: Vec<(usize, Kind, Arc<Message>)>,
}

/// What became of one resource.
enum Put {
    Stored,
    Skipped(String),
    Failed(String),
}

impl FolderSink for DavFolder<'_> {
    fn items(&mut self, items: &[Item<'_>], _log: &mut Log) -> Result<(), WriteError> {
        self.items.extend(
            items
                .iter()
                .map(|i| (i.index, i.kind, Arc::clone(i.message))),
        );
        Ok(())
    }

    fn finish(self: Box<Self>, log: &mut Log) -> Result<(), WriteError> {
        let Some(run) = &self.sink.run else {
            return Ok(());
        };
        if self.items.is_empty() {
            return Ok(());
        }
        let target = self.sink.target();
        let fail = |e| to_write_error(&target, e);
        let mf = run
            .folders
            .get(&(self.folder.nid, self.folder.label.clone()));
        if let Some(why) = mf.and_then(|m| m.skip) {
            for (index, _, _) in &self.items {
                log.skipped(*index, why);
            }
            let mut placed = run.placed.lock().unwrap_or_else(|p| p.into_inner());
            placed.folder(&self.folder.label).skipped += self.items.len() as u64;
            return Ok(());
        }
        let rel: Vec<String> = mf.map_or_else(|| self.folder.output.clone(), |m| m.rel.clone());
        let display = rel
            .last()
            .cloned()
            .unwrap_or_else(|| self.folder.label.clone());
        let slug_base = {
            let s = dav::segment(&if rel.is_empty() {
                "items".to_owned()
            } else {
                rel.join("-")
            });
            if s.len() > 120 {
                format!("folder-{}", self.folder.nid.map_or(0, |n| n.0))
            } else {
                s
            }
        };
        let mut notes = Vec::new();
        let mut collections = Vec::new();
        let (mut uploaded, mut skipped) = (0u64, 0u64);
        for group in [
            &[Kind::Appointment][..],
            &[Kind::Task],
            &[Kind::Contact, Kind::DistributionList],
        ] {
            let items: Vec<&(usize, Kind, Arc<Message>)> = self
                .items
                .iter()
                .filter(|(_, k, _)| group.contains(k))
                .collect();
            if items.is_empty() {
                continue;
            }
            let Some(kind) = group.first().copied() else {
                continue;
            };
            let (pair, dkind, component, ctype, ext) = match kind {
                Kind::Contact => (
                    &run.card,
                    DavKind::CardDav,
                    "",
                    "text/vcard; charset=utf-8",
                    "vcf",
                ),
                Kind::Task => (
                    &run.cal,
                    DavKind::CalDav,
                    "VTODO",
                    "text/calendar; charset=utf-8",
                    "ics",
                ),
                _ => (
                    &run.cal,
                    DavKind::CalDav,
                    "VEVENT",
                    "text/calendar; charset=utf-8",
                    "ics",
                ),
            };
            let Some((client, target)) = pair else {
                continue;
            };
            let collection = match target {
                Target::Collection(u) => u.clone(),
                Target::Home(home) => {
                    let slug = {
                        let mut used = run.used_slugs.lock().unwrap_or_else(|p| p.into_inner());
                        let mut slug = slug_base.clone();
                        if !used.insert(format!("{dkind:?}{slug}")) {
                            slug = format!("{slug}-{}", component.to_ascii_lowercase());
                            used.insert(format!("{dkind:?}{slug}"));
                        }
                        slug
                    };
                    let url = format!("{}/{slug}/", home.trim_end_matches('/'));
                    client
                        .ensure_collection(&url, dkind, component, &display)
                        .map_err(fail)?;
                    url
                }
            };
            collections.push(collection.clone());
            let msgs: Vec<&Message> = items.iter().map(|(_, _, m)| m.as_ref()).collect();
            let render = |msgs: &[&Message], notes: &mut Vec<Warning>| -> Vec<Resource> {
                match kind {
                    Kind::Appointment => {
                        dav::split_calendar(&calendar::calendar_to_ics(msgs, notes))
                    }
                    Kind::Task => dav::split_calendar(&calendar::tasks_to_ics(msgs, notes)),
                    _ => dav::split_vcards(&contacts::contacts_to_vcf(
                        msgs,
                        self.sink.opts.vcard,
                        notes,
                    )),
                }
            };
            let mut outcomes: HashMap<String, Put> = HashMap::new();
            for r in render(&msgs, &mut notes) {
                let name = if r.uid.len() > 100 || r.uid.is_empty() {
                    use sha2::{Digest, Sha256};
                    hex::encode(Sha256::digest(r.uid.as_bytes()))
                } else {
                    dav::segment(&r.uid)
                };
                let url = format!("{collection}{name}.{ext}");
                let put =
                    put_one(run, client, &url, &r, ctype, self.sink.opts.update).map_err(fail)?;
                outcomes.insert(r.uid, put);
            }
            // Each item's outcome is that of the resources its own UIDs went to.
            for (index, _, msg) in &items {
                let uids: Vec<String> = render(&[msg.as_ref()], &mut Vec::new())
                    .into_iter()
                    .map(|r| r.uid)
                    .collect();
                let mine: Vec<&Put> = uids.iter().filter_map(|u| outcomes.get(u)).collect();
                if let Some(Put::Failed(why)) = mine.iter().find(|p| matches!(p, Put::Failed(_))) {
                    log.failed(*index, msg, why.clone());
                } else if mine.iter().any(|p| matches!(p, Put::Stored)) {
                    uploaded += 1;
                    log.written(*index);
                } else {
                    skipped += 1;
                    let why = match mine.first() {
                        Some(Put::Skipped(why)) => why.clone(),
                        _ => "no UID: not uploaded".to_owned(),
                    };
                    log.skipped(*index, why);
                }
            }
        }
        for n in &notes {
            log.warning(n);
        }
        let mut placed = run.placed.lock().unwrap_or_else(|p| p.into_inner());
        let p = placed.folder(&self.folder.label);
        p.collections.extend(collections);
        p.uploaded += uploaded;
        p.skipped += skipped;
        Ok(())
    }
}

/// PUTs one resource unless the ledger has it; a refused login stops the run.
fn put_one(
    run: &Running,
    client: &DavClient,
    url: &str,
    r: &Resource,
    ctype: &str,
    update: bool,
) -> Result<Put, UploadError> {
    if run
        .ledger
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .is_done_place(url)
    {
        return Ok(Put::Skipped("already uploaded (ledger)".into()));
    }
    let record = |note: Option<String>| -> Result<(), UploadError> {
        let mut l = run.ledger.lock().unwrap_or_else(|p| p.into_inner());
        let path = l.path().to_owned();
        l.record(&Entry {
            state: State::Done,
            nid: 0,
            place: url.to_owned(),
            id: r.uid.clone(),
            uid: None,
            note,
        })
        .map_err(|source| UploadError::Ledger { path, source })
    };
    match client.put(url, ctype, r.text.as_bytes(), update) {
        Ok(true) => {
            record(None)?;
            Ok(Put::Stored)
        }
        Ok(false) => {
            record(Some("already on the server".into()))?;
            Ok(Put::Skipped("already on the server (If-None-Match)".into()))
        }
        Err(e @ UploadError::Auth(_)) => Err(e),
        Err(e) => Ok(Put::Failed(e.to_string())),
    }
}
