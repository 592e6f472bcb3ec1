//! One address book per store: every pairing of an Exchange address (an X.500 distinguished
//! name, `/O=ORG/OU=…/CN=RECIPIENTS/CN=…`) with an SMTP address that the store holds, built
//! before anything is converted, so that every address written anywhere (mail headers,
//! iCalendar organizers and attendees, vCard e-mails, list members) comes out as a real
//! address where the store can tell it.
//!
//! Where pairings come from, best first ([`Source`]): the sender and sent-representing
//! properties that carry both forms ([MS-OXOMSG] 2.2.1.46-2.2.1.58: `PidTagSenderSmtpAddress`
//! 0x5D01, `PidTagSentRepresentingSmtpAddress` 0x5D02 beside the EX address, its search key
//! `EX:/O=…` and its address-book entry id), recipient rows with `PidTagSmtpAddress` 0x39FE
//! beside their DN, the autocomplete stream ([`autocomplete`], [MS-OXOCFG]), contacts' e-mail
//! slots (the Recipient Cache and Suggested Contacts folders included: [MS-OXOCNTC] 2.2.1.2),
//! an Offline Address Book when given ([`oab`], [MS-OXOAB]), and last the display names:
//! a DN whose display name goes with exactly one SMTP address elsewhere in the store (a
//! transport header's `From:`/`To:`, an SMTP recipient) takes that address.
//!
//! What cannot be resolved stays an honest placeholder in the reserved `.invalid` domain and is
//! counted in the [`AddressReport`]; with a guess domain (`--domain`), a DN's last `CN=` alias
//! at that domain is used instead and reported as a guess.

pub mod autocomplete;
mod cursor;
pub mod imcea;
pub mod oab;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use std::borrow::Cow;

use pstkit::ltp::prop::PropValue;
use pstkit::messaging::{pid, psets, Message, NamedProp, PropId, PropertyBag};
use pstkit::{NodeId, Store};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::mail::headers;

/// Where a pairing came from, best first: a DN keeps the pairing of the best source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A message's sender or sent-representing properties (EX address, search key or entry
    /// id beside `PidTagSenderSmtpAddress` / `PidTagSentRepresentingSmtpAddress`).
    Sender,
    /// A recipient row with `PidTagSmtpAddress` beside its DN.
    Recipient,
    /// The autocomplete stream (nickname cache).
    Autocomplete,
    /// A contact's e-mail slot (Contacts, Recipient Cache, Suggested Contacts).
    Contact,
    /// The Offline Address Book.
    OfflineAddressBook,
    /// The mailbox owner's own identity (`PidTagMailboxOwnerEntryId`), paired through the
    /// owner's sent mail (Sent Items senders) or the owner's display name found with one
    /// SMTP address (autocomplete stream, transport headers, contacts).
    Owner,
    /// The DN's display name, found with exactly one SMTP address elsewhere in the store.
    DisplayName,
}

/// How one address was resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// An SMTP address the store (or the OAB) pairs with it.
    Smtp(String),
    /// A guess made with the guess domain: the DN's last `CN=` alias at that domain.
    Guess(String),
}

impl Resolved {
    /// The address, whichever way it was found.
    pub fn address(&self) -> &str {
        match self {
            Self::Smtp(a) | Self::Guess(a) => a,
        }
    }
}

/// The properties that say who one party of an item is: display name, address, SMTP
/// address, entry id and search key ([MS-OXOMSG] 2.2.1.46-2.2.1.58, [MS-OXCMSG] 2.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartyIds {
    /// Display name.
    pub name: PropId,
    /// Address (an SMTP address, or an Exchange DN with address type `EX`).
    pub email: PropId,
    /// SMTP address.
    pub smtp: PropId,
    /// Entry id.
    pub entry_id: PropId,
    /// Search key (`EX:/O=…` for Exchange parties).
    pub search_key: PropId,
}

impl PartyIds {
    /// The sender.
    pub const SENDER: Self = Self {
        name: pid::SENDER_NAME,
        email: pid::SENDER_EMAIL_ADDRESS,
        smtp: pid::SENDER_SMTP_ADDRESS,
        entry_id: pid::SENDER_ENTRY_ID,
        search_key: pid::SENDER_SEARCH_KEY,
    };
    /// The author the item was sent on behalf of.
    pub const SENT_REPRESENTING: Self = Self {
        name: pid::SENT_REPRESENTING_NAME,
        email: pid::SENT_REPRESENTING_EMAIL_ADDRESS,
        smtp: pid::SENT_REPRESENTING_SMTP_ADDRESS,
        entry_id: pid::SENT_REPRESENTING_ENTRY_ID,
        search_key: pid::SENT_REPRESENTING_SEARCH_KEY,
    };
    /// A recipient row (and an autocomplete row, which has the same properties).
    pub const RECIPIENT: Self = Self {
        name: pid::DISPLAY_NAME,
        email: pid::EMAIL_ADDRESS,
        smtp: pid::SMTP_ADDRESS,
        entry_id: pid::RECIPIENT_ENTRY_ID,
        search_key: pid::SEARCH_KEY,
    };
}

/// A DN's pairing and where it came from.
#[derive(Debug, Clone)]
struct Pairing {
    smtp: String,
    source: Source,
}

/// What the book found and how it fared, for report.json.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AddressReport {
    /// Distinct Exchange DNs the store mentions.
    pub dns_seen: u64,
    /// Distinct DNs paired with an SMTP address, by the source that paired them.
    pub paired: BTreeMap<Source, u64>,
    /// Addresses written from the book (each occurrence in each item).
    pub resolved: u64,
    /// Addresses written as guesses (`--domain`), each occurrence.
    pub guessed: u64,
    /// The guesses made: DN and the address written for it.
    pub guesses: BTreeMap<String, String>,
    /// Addresses that stayed placeholders (each occurrence).
    pub unresolved: u64,
    /// The distinct DNs (or names without an address) that stayed placeholders, with how
    /// often each was written.
    pub unresolved_dns: BTreeMap<String, u64>,
}

/// Counts kept while converting (items render in parallel): over the whole store, and per
/// scope (a folder of the conversion) so that a resumed conversion can add those of the
/// folders it did not convert again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    resolved: u64,
    guessed: u64,
    guesses: BTreeMap<String, String>,
    unresolved_count: u64,
    unresolved: BTreeMap<String, u64>,
}

impl Tally {
    fn record(&mut self, found: Option<&Resolved>, label: &str) {
        match found {
            Some(Resolved::Smtp(_)) => self.resolved += 1,
            Some(Resolved::Guess(g)) => {
                self.guessed += 1;
                self.guesses.insert(label.to_owned(), g.clone());
            }
            None => {
                self.unresolved_count += 1;
                *self.unresolved.entry(label.to_owned()).or_default() += 1;
            }
        }
    }

    fn add(&mut self, o: &Tally) {
        self.resolved += o.resolved;
        self.guessed += o.guessed;
        self.guesses
            .extend(o.guesses.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.unresolved_count += o.unresolved_count;
        for (k, n) in &o.unresolved {
            *self.unresolved.entry(k.clone()).or_default() += n;
        }
    }
}

thread_local! {
    /// The scope the current thread counts for ([`AddressBook::in_scope`]).
    static SCOPE: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// The store-wide book of DN → SMTP pairings. Built once per store before converting;
/// read by every converter (shared across threads).
#[derive(Debug, Default)]
pub struct AddressBook {
    by_dn: HashMap<String, Pairing>,
    /// Display name (normalised) → the one SMTP address it goes with, `None` when several.
    by_name: HashMap<String, Option<String>>,
    /// Local part (lower case) of every SMTP address seen → that address, `None` when several
    /// addresses share it: a bare `first.last` with no domain resolves through it.
    by_local: HashMap<String, Option<String>>,
    /// DN (normalised) → the display names it was seen with (a few).
    dn_names: HashMap<String, Vec<String>>,
    /// Display name as written (trimmed, lower case, single spaces) → the one SMTP address
    /// it goes with, `None` when several: for the owner's name, which may be a single word.
    exact_names: HashMap<String, Option<String>>,
    /// The mailbox owner: DN and display name, from the store's properties.
    owner: Option<(String, Option<String>)>,
    /// Senders of the items in Sent Items that carry an SMTP address: display name, DN,
    /// SMTP address.
    sent_senders: Vec<(Option<String>, Option<String>, String)>,
    guess_domain: Option<String>,
    tally: Mutex<Tally>,
    scoped: Mutex<HashMap<usize, Tally>>,
}

/// Named properties of contacts read for their e-mail slots: address type, address,
/// original display name and original entry id of Email1-3 ([MS-OXOCNTC] 2.2.1.2).
const EMAIL_OFFSETS: [u32; 4] = [2, 3, 4, 5];

/// The key a DN is filed under: Exchange compares DNs without case (the same DN is seen in
/// upper and mixed case in one store). An `IMCEAEX-` address is filed under the DN it
/// encapsulates.
pub fn dn_key(dn: &str) -> Option<String> {
    if let Some(e) = imcea::decode(dn).filter(imcea::Encapsulated::is_exchange) {
        return dn_key(&e.address);
    }
    let dn = dn.trim();
    let dn = dn.strip_prefix("EX:").unwrap_or(dn);
    dn.starts_with('/')
        .then(|| dn.to_ascii_uppercase())
        .filter(|d| d.len() > 1)
}

/// The key a display name is matched under: its words in lower case and in order, commas
/// dropped (`Doe, John`, `Doe  John` and `John Doe` are one key). A single word (`Lokay`)
/// is too weak a key to pair anyone by: a surname alone names a whole family.
fn name_key(name: &str) -> Option<String> {
    let mut n: Vec<String> = name
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|w| w.trim_matches(['"', '\'']).to_lowercase())
        .filter(|w| !w.is_empty())
        .collect();
    n.sort_unstable();
    (n.len() >= 2).then(|| n.join(" "))
}

/// A display name compared as written: trimmed, quotes dropped, one space between words,
/// lower case (the owner's name may be one word, `Administrator`).
fn exact_name(name: &str) -> String {
    name.trim_matches(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The DN in an Exchange address-book entry id ([MS-OXCDATA] 2.2.5.2: flags, the provider
/// UID `DCA740C8C042101AB4B908002B2FE182`, version, type, then the DN, NUL-terminated).
pub fn ab_entry_id_dn(b: &[u8]) -> Option<String> {
    if b.get(4..20)? != pstkit::messaging::entryid::ADDRESS_BOOK_UID {
        return None;
    }
    let rest = b.get(28..)?;
    let end = rest.iter().position(|&c| c == 0).unwrap_or(rest.len());
    let dn = std::str::from_utf8(rest.get(..end)?).ok()?;
    dn_key(dn)
}

/// The DN of an Exchange search key (`EX:/O=…`, NUL-terminated, [MS-OXCPRPT] 2.2.1.9).
fn search_key_dn(b: &[u8]) -> Option<String> {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    let s = std::str::from_utf8(b.get(..end)?).ok()?;
    dn_key(s.strip_prefix("EX:")?)
}

/// The SMTP address in a string when it is one (trimmed, `SMTP:`/`mailto:` dropped): a
/// plain local part at a domain with a dot, not in `.invalid`. (Lotus Notes names such as
/// `Jo Doe/ACME@ACME` parse as addresses but reach no one.)
fn smtp_of(s: &str) -> Option<String> {
    let a = headers::addr_spec(s)?;
    let (local, domain) = a.rsplit_once('@')?;
    let ok = !local.starts_with('"')
        && domain.contains('.')
        && !a.to_ascii_lowercase().ends_with(".invalid");
    ok.then_some(a)
}

impl AddressBook {
    /// An empty book: every DN stays a placeholder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the guess domain (`--domain`): unresolved DNs are written as their last `CN=`
    /// alias at this domain, and reported as guesses.
    pub fn with_guess_domain(mut self, domain: Option<&str>) -> Self {
        self.guess_domain = domain
            .map(|d| d.trim().trim_start_matches('@').to_ascii_lowercase())
            .filter(|d| !d.is_empty());
        self
    }

    /// Records an SMTP address under its local part.
    fn local_seen(&mut self, smtp: &str) {
        let Some((local, _)) = smtp.rsplit_once('@') else {
            return;
        };
        let key = local.trim_matches('"').to_lowercase();
        match self.by_local.get(&key) {
            None => {
                self.by_local.insert(key, Some(smtp.to_owned()));
            }
            Some(Some(a)) if !a.eq_ignore_ascii_case(smtp) => {
                self.by_local.insert(key, None);
            }
            Some(_) => {}
        }
    }

    /// Records that `dn` is `smtp`, from `source`; a better source replaces a worse one.
    pub fn pair(&mut self, dn: &str, smtp: &str, source: Source) {
        let (Some(key), Some(smtp)) = (dn_key(dn), smtp_of(smtp)) else {
            return;
        };
        self.local_seen(&smtp);
        match self.by_dn.get(&key) {
            Some(p) if p.source <= source => {}
            _ => {
                self.by_dn.insert(key, Pairing { smtp, source });
            }
        }
    }

    /// Records that a display name went with an SMTP address (for [`Source::DisplayName`]).
    pub fn name_seen(&mut self, name: &str, smtp: &str) {
        let Some(smtp) = smtp_of(smtp) else { return };
        self.local_seen(&smtp);
        let exact = exact_name(name);
        if !exact.is_empty() {
            match self.exact_names.get(&exact) {
                None => {
                    self.exact_names.insert(exact, Some(smtp.clone()));
                }
                Some(Some(a)) if !a.eq_ignore_ascii_case(&smtp) => {
                    self.exact_names.insert(exact, None);
                }
                Some(_) => {}
            }
        }
        let Some(key) = name_key(name) else { return };
        match self.by_name.get_mut(&key) {
            None => {
                self.by_name.insert(key, Some(smtp));
            }
            Some(Some(a)) if !a.eq_ignore_ascii_case(&smtp) => {
                self.by_name.insert(key, None);
            }
            Some(_) => {}
        }
    }

    /// Records a DN with the display name it was seen with.
    pub fn dn_seen(&mut self, dn: &str, name: Option<&str>) {
        let Some(key) = dn_key(dn) else { return };
        let names = self.dn_names.entry(key).or_default();
        if let Some(n) = name.map(str::trim).filter(|n| !n.is_empty()) {
            if names.len() < 8 && !names.iter().any(|m| m == n) {
                names.push(n.to_owned());
            }
        }
    }

    /// Sets the mailbox owner's DN and display name (the store's `PidTagMailboxOwnerEntryId`
    /// and `PidTagMailboxOwnerName`): [`AddressBook::finish`] pairs the DN as
    /// [`Source::Owner`] when nothing better does.
    pub fn set_owner(&mut self, dn: &str, name: Option<&str>) {
        if let Some(key) = dn_key(dn) {
            self.dn_seen(&key, name);
            let name = name.map(str::trim).filter(|n| !n.is_empty());
            self.owner = Some((key, name.map(str::to_owned)));
        }
    }

    /// The owner's SMTP address, when the store tells it: the Sent Items senders that are
    /// the owner (by DN or by the owner's display name) agree on one; else the owner's
    /// display name goes with one SMTP address in the store; else every Sent Items sender
    /// with an SMTP address (and no other DN than the owner's) has the same one.
    fn owner_smtp(&self) -> Option<String> {
        let (dn, name) = self.owner.as_ref()?;
        let name = name.as_deref().map(exact_name).filter(|n| !n.is_empty());
        let one = |addrs: &mut dyn Iterator<Item = &String>| -> Option<String> {
            let mut found: Option<&String> = None;
            for a in addrs {
                match found {
                    Some(f) if !f.eq_ignore_ascii_case(a) => return None,
                    Some(_) => {}
                    None => found = Some(a),
                }
            }
            found.cloned()
        };
        let is_owner = |(n, d, _): &&(Option<String>, Option<String>, String)| {
            d.as_ref() == Some(dn) || (name.is_some() && n.as_deref().map(exact_name) == name)
        };
        let mut own = self.sent_senders.iter().filter(is_owner).map(|(_, _, a)| a);
        if let Some(a) = one(&mut own) {
            return Some(a);
        }
        if let Some(Some(a)) = name.as_ref().and_then(|n| self.exact_names.get(n)) {
            return Some(a.clone());
        }
        let mut all = self
            .sent_senders
            .iter()
            .filter(|(_, d, _)| d.as_ref().map_or(true, |d| d == dn))
            .map(|(_, _, a)| a);
        one(&mut all)
    }

    /// Pairs the DNs still unresolved: the mailbox owner's (see [`Source::Owner`]), then
    /// those whose display name goes with exactly one SMTP address. Call once everything
    /// has been collected.
    pub fn finish(&mut self) {
        if let Some((dn, _)) = self.owner.clone() {
            if !self.by_dn.contains_key(&dn) {
                if let Some(a) = self.owner_smtp() {
                    self.pair(&dn, &a, Source::Owner);
                }
            }
        }
        let mut found = Vec::new();
        for (dn, names) in &self.dn_names {
            if self.by_dn.contains_key(dn) {
                continue;
            }
            // Every name the DN goes by that names one address must name the same one.
            let mut smtp: Option<&String> = None;
            let mut agree = true;
            for n in names {
                if let Some(Some(a)) = name_key(n).and_then(|k| self.by_name.get(&k)) {
                    agree &= smtp.map_or(true, |s| s.eq_ignore_ascii_case(a));
                    smtp = Some(a);
                }
            }
            if let (true, Some(a)) = (agree, smtp) {
                found.push((dn.clone(), a.clone()));
            }
        }
        found.sort();
        for (dn, smtp) in found {
            self.pair(&dn, &smtp, Source::DisplayName);
        }
    }

    /// Builds the book of a store: reads every item's sender, sent-representing and
    /// recipient addresses, every contact's e-mail slots, the autocomplete stream and the
    /// stored transport headers' From/To. Items that cannot be read are skipped (the
    /// conversion reports them).
    pub fn from_store(store: &Store) -> Self {
        let mut book = Self::new();
        let names = store.names();
        let lid = |n: u32| names.id(&NamedProp::lid(psets::PSETID_ADDRESS, n));
        let mut contact_ids: Vec<PropId> = Vec::new();
        for base in pid::LID_EMAIL_SLOT_BASES {
            for off in EMAIL_OFFSETS {
                contact_ids.extend(lid(base + off));
            }
        }
        let wanted = |id: PropId| {
            matches!(
                id,
                pid::MESSAGE_CLASS
                    | pid::SENDER_NAME
                    | pid::SENDER_EMAIL_ADDRESS
                    | pid::SENDER_ADDRTYPE
                    | pid::SENDER_SMTP_ADDRESS
                    | pid::SENDER_ENTRY_ID
                    | pid::SENDER_SEARCH_KEY
                    | pid::SENT_REPRESENTING_NAME
                    | pid::SENT_REPRESENTING_EMAIL_ADDRESS
                    | pid::SENT_REPRESENTING_ADDRTYPE
                    | pid::SENT_REPRESENTING_SMTP_ADDRESS
                    | pid::SENT_REPRESENTING_ENTRY_ID
                    | pid::SENT_REPRESENTING_SEARCH_KEY
                    | pid::TRANSPORT_MESSAGE_HEADERS
                    | pid::DISPLAY_NAME
                    | pid::ROAMING_BINARY
            ) || contact_ids.contains(&id)
        };
        let props = store.properties();
        if let (Some(dn), name) = (
            props
                .binary(pid::MAILBOX_OWNER_ENTRY_ID)
                .and_then(ab_entry_id_dn),
            props.str(pid::MAILBOX_OWNER_NAME),
        ) {
            book.set_owner(&dn, name);
        }
        // Sent Items: named by the store's entry id ([MS-OXOSFLD] 2.2.3: flags, the store's
        // record key, then the folder's NID), else by its English name.
        let sent_nid = props
            .binary(pid::IPM_SENTMAIL_ENTRY_ID)
            .filter(|e| e.len() == 24)
            .and_then(|e| e.get(20..24))
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(|b| NodeId(u32::from_le_bytes(b)));
        let tree = store.folders();
        let is_sent = |f: &pstkit::FolderInfo| match sent_nid {
            Some(n) => f.nid == n,
            None => f.name().eq_ignore_ascii_case("Sent Items"),
        };
        for f in &tree.folders {
            let sent = is_sent(f);
            let mut nids: Vec<NodeId> = store.contents(f.nid).unwrap_or_default();
            nids.extend(store.associated_contents(f.nid).unwrap_or_default());
            // Envelopes are read (and their blocks inflated) in parallel, a few at a time so
            // that memory stays flat; they are collected in table order, so the book is the
            // same whatever the number of threads.
            for chunk in nids.chunks(64) {
                let envelopes: Vec<_> = chunk
                    .par_iter()
                    .map(|nid| store.message_envelope(*nid, &wanted).ok())
                    .collect();
                for env in envelopes.into_iter().flatten() {
                    book.collect_in(&env.message, sent);
                }
            }
        }
        book.finish();
        book
    }

    /// Collects the pairings one item holds.
    pub fn collect(&mut self, msg: &Message) {
        self.collect_in(msg, false);
    }

    /// Collects the pairings one item holds; `sent` when it is in the Sent Items folder,
    /// whose senders are the mailbox owner's own identities.
    fn collect_in(&mut self, msg: &Message, sent: bool) {
        let p = &msg.props;
        for ids in [&PartyIds::SENDER, &PartyIds::SENT_REPRESENTING] {
            let (name, dn, smtp) = self.collect_party(p, ids, Source::Sender);
            if let (true, Some(smtp)) = (sent, smtp) {
                if self.sent_senders.len() < 10_000 {
                    self.sent_senders.push((name, dn, smtp));
                }
            }
        }
        for r in &msg.recipients {
            self.collect_party(r, &PartyIds::RECIPIENT, Source::Recipient);
        }
        let class = msg.class().to_ascii_lowercase();
        if class == "ipm.configuration.autocomplete" {
            if let Some(stream) = p.binary(pid::ROAMING_BINARY) {
                // A damaged stream gives the rows before the damage.
                let rows = autocomplete::parse(stream).rows;
                for row in &rows {
                    self.collect_party(row, &PartyIds::RECIPIENT, Source::Autocomplete);
                }
            }
        }
        if crate::class::MessageClass::new(&class).is("IPM.Contact") {
            self.collect_contact(msg);
        }
        if let Some(block) = p.str(pid::TRANSPORT_MESSAGE_HEADERS) {
            self.collect_headers(block);
        }
    }

    /// One party (sender, representing, recipient row, autocomplete row): its DN from the
    /// address, search key or entry id, paired with its SMTP address when it has one.
    /// Returns its display name, DN and SMTP address as found.
    fn collect_party(
        &mut self,
        bag: &PropertyBag,
        ids: &PartyIds,
        source: Source,
    ) -> (Option<String>, Option<String>, Option<String>) {
        let display = bag.str(ids.name);
        let (dn, other) = Self::party_dn(bag, ids);
        let address = bag
            .str(ids.smtp)
            .and_then(smtp_of)
            .or_else(|| bag.str(ids.email).and_then(smtp_of))
            // A gateway's encapsulated address holds an SMTP address of its own.
            .or_else(|| other.and_then(|e| e.smtp()));
        if let Some(dn) = &dn {
            self.dn_seen(dn, display);
            if let Some(a) = &address {
                self.pair(dn, a, source);
            }
        }
        if let (Some(n), Some(a)) = (display, &address) {
            self.name_seen(n, a);
        }
        (display.map(str::to_owned), dn, address)
    }

    /// A contact's e-mail slots: an EX slot's DN (its address, or the DN in its original
    /// entry id) with the SMTP address in its original display name or in the slot itself.
    fn collect_contact(&mut self, msg: &Message) {
        let p = &msg.props;
        let get = |lid: u32| p.str(&NamedProp::lid(psets::PSETID_ADDRESS, lid));
        for base in pid::LID_EMAIL_SLOT_BASES {
            let addr = get(base + 3);
            let original_name = get(base + 4);
            let dn = addr.and_then(dn_key).or_else(|| {
                p.binary(&NamedProp::lid(psets::PSETID_ADDRESS, base + 5))
                    .and_then(ab_entry_id_dn)
            });
            let smtp = addr
                .and_then(smtp_of)
                .or_else(|| original_name.and_then(smtp_of))
                .or_else(|| {
                    // "Name (name@example.com)", as Outlook writes it for EX slots.
                    let n = original_name?;
                    let inner = n.rsplit_once('(')?.1.strip_suffix(')')?;
                    smtp_of(inner)
                });
            if let Some(dn) = &dn {
                self.dn_seen(dn, p.str(pid::DISPLAY_NAME));
                if let Some(s) = &smtp {
                    self.pair(dn, s, Source::Contact);
                }
            }
            if let (Some(n), Some(s)) = (p.str(pid::DISPLAY_NAME), &smtp) {
                self.name_seen(n, s);
            }
        }
    }

    /// A stored header block's From/To/Cc/Sender: display name with address, for the
    /// display-name pairing; an address whose angle brackets hold a DN is seen as that DN.
    fn collect_headers(&mut self, block: &str) {
        let unfolded = block.replace("\r\n ", " ").replace("\r\n\t", " ");
        let head = unfolded.split("\r\n\r\n").next().unwrap_or("");
        for line in head.lines() {
            let Some((field, value)) = line.split_once(':') else {
                continue;
            };
            let lname = field.trim().to_ascii_lowercase();
            let standard = matches!(lname.as_str(), "from" | "to" | "cc" | "sender" | "reply-to");
            // A DN with its display name is taken from any field that holds one (archives
            // keep the original Exchange recipients in fields of their own, `X-ZL-To`);
            // display names with SMTP addresses only from the standard address fields.
            if !standard && !value.contains("/O=") && !value.contains("/o=") {
                continue;
            }
            for (name, dn) in dn_mentions(value) {
                self.dn_seen(dn, Some(&headers::decode_words(name)));
            }
            if standard {
                for (name, addr) in headers::address_list(value) {
                    let name = headers::decode_words(&name);
                    match (imcea::decode(&addr), dn_key(&addr)) {
                        // An Exchange DN that leaked into SMTP: seen as that DN.
                        (Some(_), Some(dn)) => self.dn_seen(&dn, Some(&name)),
                        // A gateway's address: the SMTP address it holds.
                        (Some(e), None) => {
                            if let Some(a) = e.smtp() {
                                self.name_seen(&name, &a);
                            }
                        }
                        (None, None) => self.name_seen(&name, &addr),
                        (None, Some(_)) => {}
                    }
                }
            }
        }
    }

    /// Merges the pairings of an Offline Address Book (worse than the store's own): each
    /// object's DN and former DNs (`X500:` proxies) with its SMTP address.
    pub fn add_oab(&mut self, records: &[oab::Record]) {
        for r in records {
            let Some(smtp) = &r.smtp else { continue };
            for dn in r.dn.iter().chain(&r.x500) {
                self.pair(dn, smtp, Source::OfflineAddressBook);
            }
        }
    }

    /// The SMTP address paired with a DN, if any (without counting).
    pub fn lookup(&self, dn: &str) -> Option<&str> {
        self.by_dn.get(&dn_key(dn)?).map(|p| p.smtp.as_str())
    }

    /// Resolves a party that has no SMTP address of its own: by its DN (paired by the
    /// store, else guessed when a guess domain is set), or, known by name alone, by the one
    /// SMTP address that name or local part goes with elsewhere in the store. Counts
    /// nothing (see [`AddressBook::resolve`]).
    pub fn find(&self, dn: Option<&str>, what: &str) -> Option<Resolved> {
        let key = dn.and_then(dn_key);
        if let Some(p) = key.as_ref().and_then(|k| self.by_dn.get(k)) {
            return Some(Resolved::Smtp(p.smtp.clone()));
        }
        match &key {
            Some(k) => {
                let domain = self.guess_domain.as_ref()?;
                let alias = last_cn(k)?;
                smtp_of(&format!("{}@{domain}", alias.to_ascii_lowercase())).map(Resolved::Guess)
            }
            None => {
                // `<Rolf Petersson>`, a bare `first.last`.
                let by_name = name_key(what).and_then(|k| self.by_name.get(&k).cloned().flatten());
                let by_local = || {
                    let w = what
                        .trim()
                        .trim_matches(['"', '\'', '<', '>'])
                        .to_lowercase();
                    // first.last, not a bare surname.
                    (!w.contains(char::is_whitespace) && w.contains(['.', '_', '-']))
                        .then(|| self.by_local.get(&w).cloned().flatten())
                        .flatten()
                };
                by_name.or_else(by_local).map(Resolved::Smtp)
            }
        }
    }

    /// [`AddressBook::find`], counting the outcome for the report: resolved, guessed, or
    /// unresolved under its DN (or `what` when it has none). `None` means a placeholder
    /// must be written.
    pub fn resolve(&self, dn: Option<&str>, what: &str) -> Option<Resolved> {
        let found = self.find(dn, what);
        let key = dn.and_then(dn_key);
        let label = key.unwrap_or_else(|| what.trim().to_owned());
        self.count(found, label)
    }

    /// Counts one outcome under `label` (the DN, else what the party is known by).
    fn count(&self, found: Option<Resolved>, label: String) -> Option<Resolved> {
        let mut t = self.tally.lock().unwrap_or_else(|e| e.into_inner());
        t.record(found.as_ref(), &label);
        drop(t);
        if let Some(scope) = SCOPE.with(|s| s.get()) {
            let mut scoped = self.scoped.lock().unwrap_or_else(|e| e.into_inner());
            scoped
                .entry(scope)
                .or_default()
                .record(found.as_ref(), &label);
        }
        found
    }

    /// Runs `f` (on this thread) with what it counts also kept under `scope`.
    pub fn in_scope<R>(&self, scope: usize, f: impl FnOnce() -> R) -> R {
        let before = SCOPE.with(|s| s.replace(Some(scope)));
        let r = f();
        SCOPE.with(|s| s.set(before));
        r
    }

    /// What was counted under `scope` (taken out of the book's keeping).
    pub fn take_scope(&self, scope: usize) -> Tally {
        let mut scoped = self.scoped.lock().unwrap_or_else(|e| e.into_inner());
        scoped.remove(&scope).unwrap_or_default()
    }

    /// Adds counts kept earlier (a resumed conversion's finished folders).
    pub fn add_tally(&self, t: &Tally) {
        let mut mine = self.tally.lock().unwrap_or_else(|e| e.into_inner());
        mine.add(t);
    }

    /// Finds the SMTP address for an IMCEA-encapsulated address: an Exchange DN through the
    /// book, another type by the SMTP address it holds (a gateway's), else by `what` (its
    /// display name). Counts nothing.
    pub fn find_encapsulated(&self, e: &imcea::Encapsulated, what: &str) -> Option<Resolved> {
        if e.is_exchange() {
            return self.find(Some(&e.address), what);
        }
        e.smtp()
            .map(Resolved::Smtp)
            .or_else(|| self.find(None, what))
    }

    /// Resolves an address that is not an Internet address as written (an Exchange DN, an
    /// IMCEA-encapsulated address, a bare name) for a party known as `what`, counting the
    /// outcome (see [`AddressBook::resolve`]).
    pub fn resolve_address(&self, addr: &str, what: &str) -> Option<Resolved> {
        match imcea::decode(addr) {
            Some(e) if e.is_exchange() => self.resolve(Some(&e.address), what),
            Some(e) => {
                let found = self.find_encapsulated(&e, what);
                self.count(found, format!("{}:{}", e.kind, e.address))
            }
            None => self.resolve(dn_key(addr).as_deref(), what),
        }
    }

    /// The DN of a party: from its address (or an IMCEAEX address in its SMTP property),
    /// else its search key, else its entry id; and, when it has no DN, an encapsulated
    /// address of another type it carries.
    fn party_dn(
        bag: &PropertyBag,
        ids: &PartyIds,
    ) -> (Option<String>, Option<imcea::Encapsulated>) {
        let dn = bag
            .str(ids.email)
            .and_then(dn_key)
            .or_else(|| bag.str(ids.smtp).and_then(dn_key))
            .or_else(|| bag.binary(ids.search_key).and_then(search_key_dn))
            .or_else(|| bag.binary(ids.entry_id).and_then(ab_entry_id_dn));
        let other = match dn {
            Some(_) => None,
            None => [ids.smtp, ids.email]
                .iter()
                .find_map(|&id| bag.str(id).and_then(imcea::decode)),
        };
        (dn, other)
    }

    /// Resolves a bag's party by its properties (see [`AddressBook::find`]); counts nothing.
    pub fn find_party(&self, bag: &PropertyBag, ids: &PartyIds, what: &str) -> Option<Resolved> {
        match Self::party_dn(bag, ids) {
            (None, Some(e)) => self.find_encapsulated(&e, what),
            (dn, _) => self.find(dn.as_deref(), what),
        }
    }

    /// Gives every party of a message that lacks an SMTP address the one the book has for
    /// it, as the SMTP address property the converters read first (`PidTagSenderSmtpAddress`,
    /// `PidTagSentRepresentingSmtpAddress`, `PidTagSmtpAddress` of recipient rows, a
    /// contact's e-mail slot), embedded messages included; counts each party's outcome. The
    /// message in memory is changed, never the file.
    pub fn enrich(&self, msg: &mut Message) {
        self.enrich_at(msg, 0);
    }

    fn enrich_at(&self, msg: &mut Message, depth: usize) {
        for ids in [&PartyIds::SENT_REPRESENTING, &PartyIds::SENDER] {
            self.enrich_party(&mut msg.props, ids);
        }
        for r in &mut msg.recipients {
            self.enrich_party(r, &PartyIds::RECIPIENT);
        }
        let class = msg.class().to_ascii_lowercase();
        if class == "ipm.contact" || class.starts_with("ipm.contact.") {
            self.enrich_contact(&mut msg.props);
        }
        if crate::contacts::is_distribution_list(&class) {
            self.enrich_dist_list(&mut msg.props);
        }
        if depth < 8 {
            for a in &mut msg.attachments {
                if let Some(inner) = a.embedded.as_deref_mut() {
                    self.enrich_at(inner, depth + 1);
                }
            }
        }
    }

    fn enrich_party(&self, bag: &mut PropertyBag, ids: &PartyIds) {
        // An IMCEA-encapsulated address is no Internet address (`addr_spec` says so).
        let has_smtp = bag.str(ids.smtp).and_then(headers::addr_spec).is_some()
            || bag.str(ids.email).and_then(headers::addr_spec).is_some();
        if has_smtp {
            return;
        }
        let (dn, other) = Self::party_dn(bag, ids);
        let what = bag
            .str(ids.name)
            .or(bag.str(ids.email))
            .unwrap_or("")
            .to_owned();
        if dn.is_none() && other.is_none() && what.trim().is_empty() {
            return;
        }
        let found = match (dn, other) {
            (None, Some(e)) => {
                let found = self.find_encapsulated(&e, &what);
                self.count(found, format!("{}:{}", e.kind, e.address))
            }
            (dn, _) => self.resolve(dn.as_deref(), &what),
        };
        if let Some(r) = found {
            bag.insert(
                ids.smtp,
                PropValue::String(Cow::Owned(r.address().to_owned())),
            );
        }
    }

    /// A contact's EX e-mail slots become SMTP slots where the book knows the DN (the
    /// original display name is kept, so the card still says who it is).
    fn enrich_contact(&self, p: &mut PropertyBag) {
        for base in pid::LID_EMAIL_SLOT_BASES {
            let get = |off: u32| {
                p.str(&NamedProp::lid(psets::PSETID_ADDRESS, base + off))
                    .map(str::to_owned)
            };
            let Some(addr) = get(3) else { continue };
            let encapsulated = imcea::decode(&addr);
            let is_ex =
                get(2).is_some_and(|t| t.eq_ignore_ascii_case("EX")) || dn_key(&addr).is_some();
            if !is_ex && encapsulated.is_none() {
                continue;
            }
            // Outlook often keeps the SMTP address in the original display name already.
            let original = get(4).as_deref().and_then(smtp_of);
            if original.is_some() && encapsulated.is_none() {
                continue;
            }
            let dn = dn_key(&addr).or_else(|| {
                p.binary(&NamedProp::lid(psets::PSETID_ADDRESS, base + 5))
                    .and_then(ab_entry_id_dn)
            });
            let what = get(0).unwrap_or_default();
            let found = match (&dn, &encapsulated) {
                (None, Some(e)) => {
                    let found = self.find_encapsulated(e, &what);
                    self.count(found, format!("{}:{}", e.kind, e.address))
                }
                _ => self.resolve(dn.as_deref(), &what),
            };
            let named = |off: u32| NamedProp::lid(psets::PSETID_ADDRESS, base + off);
            let text = |v: &str| PropValue::String(Cow::Owned(v.to_owned()));
            match (found.or(original.map(Resolved::Smtp)), encapsulated) {
                (Some(r), _) => {
                    p.insert_named(&named(3), text(r.address()));
                    p.insert_named(&named(2), text("SMTP"));
                }
                // Unresolved and encapsulated: the slot says what it really is (an EX DN, a
                // Notes name), not an Internet address.
                (None, Some(e)) => {
                    p.insert_named(&named(3), text(&e.address));
                    p.insert_named(&named(2), text(&e.kind));
                }
                (None, None) => {}
            }
        }
    }

    /// A distribution list's members ([MS-OXOCNTC] 2.2.2.2.1, 2.2.2.2.2) with an Exchange
    /// address (an `EX` one-off, a GAL member's address-book entry id, an IMCEA address) get
    /// the SMTP address the book has for them: the one-off entry at the member's index in
    /// `PidLidDistributionListOneOffMembers` is replaced by an SMTP one-off with the same
    /// display name, which every writer of members reads first. Each such member is counted.
    fn enrich_dist_list(&self, p: &mut PropertyBag) {
        use crate::contacts::{one_off_entry_id, parse_member_entry_id, MemberKind};
        let multi = |p: &PropertyBag, name: &NamedProp| -> Vec<Vec<u8>> {
            match p.get(name) {
                Some(PropValue::MultipleBinary(v)) => v.clone(),
                Some(PropValue::Binary(b)) => vec![b.to_vec()],
                _ => Vec::new(),
            }
        };
        let members = multi(p, &pid::LID_DISTRIBUTION_LIST_MEMBERS);
        let mut one_offs = multi(p, &pid::LID_DISTRIBUTION_LIST_ONE_OFF_MEMBERS);
        let mut changed = false;
        for i in 0..members.len().max(one_offs.len()) {
            let entry = members.get(i).and_then(|b| parse_member_entry_id(b));
            let one_off = one_offs
                .get(i)
                .and_then(|b| parse_member_entry_id(b))
                .filter(|m| m.kind == MemberKind::OneOff);
            // The one-off copy says who the member is when there is one (as the vCard
            // writer reads it); else the entry id itself (a one-off or a GAL entry).
            let Some(m) = one_off.as_ref().or(entry.as_ref()) else {
                continue;
            };
            let Some(addr) = m.address.as_deref() else {
                continue;
            };
            let is_ex = m
                .address_type
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("EX"))
                || dn_key(addr).is_some();
            let encapsulated = imcea::decode(addr);
            if !is_ex && encapsulated.is_none() {
                continue;
            }
            // A GAL member's entry id has no name: the one the store knows the DN by.
            let name = m
                .display_name
                .clone()
                .or_else(|| entry.as_ref().and_then(|e| e.display_name.clone()))
                .or_else(|| {
                    let names = self.dn_names.get(&dn_key(addr)?)?;
                    names.first().cloned()
                })
                .unwrap_or_default();
            let found = match (dn_key(addr), &encapsulated) {
                (None, Some(e)) => {
                    let found = self.find_encapsulated(e, &name);
                    self.count(found, format!("{}:{}", e.kind, e.address))
                }
                (dn, _) => self.resolve(dn.as_deref(), &name),
            };
            let replacement = match (found, encapsulated) {
                (Some(r), _) => one_off_entry_id(&name, "SMTP", r.address()),
                // Unresolved: what the member really is, never an SMTP-looking IMCEA form.
                (None, Some(e)) => one_off_entry_id(&name, &e.kind, &e.address),
                (None, None) => continue,
            };
            if one_offs.len() <= i {
                one_offs.resize(i + 1, Vec::new());
            }
            if let Some(slot) = one_offs.get_mut(i) {
                *slot = replacement;
                changed = true;
            }
        }
        if changed {
            p.insert_named(
                &pid::LID_DISTRIBUTION_LIST_ONE_OFF_MEMBERS,
                PropValue::MultipleBinary(one_offs),
            );
        }
    }

    /// What the book found and how the conversion fared with it.
    pub fn report(&self) -> AddressReport {
        let t = self.tally.lock().unwrap_or_else(|e| e.into_inner());
        let mut paired: BTreeMap<Source, u64> = BTreeMap::new();
        for p in self.by_dn.values() {
            *paired.entry(p.source).or_default() += 1;
        }
        let mut dns: std::collections::HashSet<&String> = self.dn_names.keys().collect();
        dns.extend(self.by_dn.keys());
        AddressReport {
            dns_seen: dns.len() as u64,
            paired,
            resolved: t.resolved,
            guessed: t.guessed,
            guesses: t.guesses.clone(),
            unresolved: t.unresolved_count,
            unresolved_dns: t.unresolved.clone(),
        }
    }

    /// Distinct DNs paired with an SMTP address.
    pub fn len(&self) -> usize {
        self.by_dn.len()
    }

    /// Whether the book pairs nothing.
    pub fn is_empty(&self) -> bool {
        self.by_dn.is_empty()
    }
}

/// Every `name <DN>` in a header value, the name being all the text since the previous
/// mailbox: Exchange writes `Doe, John </O=…>` with the comma unquoted, which no address-list
/// parser reads as one name.
fn dn_mentions(value: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest.get(open..).and_then(|r| r.find('>')).map(|c| open + c) else {
            break;
        };
        let inner = rest.get(open + 1..close).unwrap_or("");
        let name = rest
            .get(from..open)
            .unwrap_or("")
            .trim_matches(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .trim_matches('"');
        if dn_key(inner).is_some() {
            out.push((name, inner.trim()));
        }
        rest = rest.get(close + 1..).unwrap_or("");
        from = 0;
    }
    out
}

/// The last `CN=` value of a DN (`/O=ORG/…/CN=RECIPIENTS/CN=JDOE` → `JDOE`), when it is a
/// usable e-mail local part.
fn last_cn(dn: &str) -> Option<&str> {
    let upper = dn.to_ascii_uppercase();
    let at = upper.rfind("/CN=")?;
    let alias = dn.get(at + 4..)?.trim();
    (!alias.is_empty()
        && alias
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-+".contains(c)))
    .then_some(alias)
}

#[cfg(test)]
mod tests;
