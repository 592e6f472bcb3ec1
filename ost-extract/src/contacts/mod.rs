//! Contacts and distribution lists to vCard ([MS-OXOCNTC], [MS-OXVCARD]).
//!
//! Every `IPM.Contact*` item becomes one card and every `IPM.DistList*` item a group card:
//! vCard 3.0 (RFC 2426, what Google Contacts, iCloud and Outlook import most reliably) or 4.0
//! (RFC 6350). Fields without a standard vCard property keep the names Outlook's own vCard
//! export uses ([MS-OXVCARD] 2.1.3: `X-MS-MANAGER`, `X-MS-ASSISTANT`, `X-MS-SPOUSE`,
//! `X-MS-CHILD`, `X-MS-ANNIVERSARY`, `X-MS-IMADDRESS`), Apple's related-name items in 3.0, and
//! `X-OUTLOOK-*` for the rest, so that nothing the contact holds is dropped.

mod entryid;
mod ids;
#[cfg(test)]
mod tests;
mod vcard;

pub use entryid::{one_off_entry_id, parse_member_entry_id, DistListMember, MemberKind};

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use pstkit::messaging::{pid, psets, Attachment, Message, NamedProp, PropId, PropertyBag};
use pstkit::Warning;
use sha2::{Digest, Sha256};

use crate::class::{ClassKind, MessageClass};

use vcard::{compound, list, text, CardWriter};

/// The vCard version to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VcardVersion {
    /// vCard 3.0 (RFC 2426), the default.
    V3,
    /// vCard 4.0 (RFC 6350).
    V4,
}

/// `PRODID` of every card.
const PRODID: &str = "-//ost-extract//vCard//EN";

/// Whether a message class is a contact (`IPM.Contact` or derived from it), as the
/// [class router](crate::class) says.
pub fn is_contact(class: &str) -> bool {
    MessageClass::new(class).kind() == ClassKind::Contact
}

/// Whether a message class is a personal distribution list (`IPM.DistList` or derived from
/// it), as the [class router](crate::class) says.
pub fn is_distribution_list(class: &str) -> bool {
    MessageClass::new(class).kind() == ClassKind::DistributionList
}

/// One .vcf text (CRLF, folded at 75 octets, UTF-8) with a card per contact (IPM.Contact*)
/// and per distribution list (IPM.DistList*) in `items`, in order; other classes are ignored.
pub fn contacts_to_vcf<M: Borrow<Message>>(
    items: &[M],
    version: VcardVersion,
    warnings: &mut Vec<Warning>,
) -> String {
    let items: Vec<&Message> = items.iter().map(Borrow::borrow).collect();
    let items = items.as_slice();
    let index = Index::new(items);
    let mut out = String::new();
    for (i, msg) in items.iter().enumerate() {
        let class = msg.class();
        let uid = index.uids.get(i).cloned().flatten().unwrap_or_default();
        if is_contact(class) {
            out.push_str(&contact_card(msg, &uid, version, warnings));
        } else if is_distribution_list(class) {
            out.push_str(&dist_list_card(msg, &uid, &index, items, version, warnings));
        }
    }
    out
}

/// UIDs of every card, and where each message node is, so that list members that reference
/// a contact can point at its card.
struct Index {
    uids: Vec<Option<String>>,
    by_nid: HashMap<u32, usize>,
}

impl Index {
    fn new(items: &[&Message]) -> Self {
        let mut seen = HashSet::new();
        let mut uids = Vec::with_capacity(items.len());
        let mut by_nid = HashMap::new();
        for (i, msg) in items.iter().enumerate() {
            let class = msg.class();
            if !(is_contact(class) || is_distribution_list(class)) {
                uids.push(None);
                continue;
            }
            if let Some(nid) = msg.nid {
                by_nid.insert(nid.0, i);
            }
            let mut id = uid_bytes(msg);
            // Copies of an item share their search key; keep their cards apart, stably.
            let mut round = 0u32;
            while !seen.insert(id) {
                round = round.wrapping_add(1);
                let mut h = Sha256::new();
                h.update(id);
                h.update(msg.nid.map_or(0, |n| n.0).to_le_bytes());
                h.update(round.to_le_bytes());
                id = first16(&h.finalize());
            }
            uids.push(Some(uuid_text(&id)));
        }
        Self { uids, by_nid }
    }
}

/// 16 bytes that identify the item across runs: its search key, record key or entry id
/// (hashed unless already 16 bytes), else a hash of what the item says about itself.
fn uid_bytes(msg: &Message) -> [u8; 16] {
    let p = &msg.props;
    let key = [pid::SEARCH_KEY, pid::RECORD_KEY, pid::ENTRY_ID]
        .iter()
        .find_map(|&id| p.binary(id).filter(|b| !b.is_empty()));
    if let Some(k) = key {
        if let Ok(a) = <[u8; 16]>::try_from(k) {
            return a;
        }
        return first16(&Sha256::digest(k));
    }
    let mut h = Sha256::new();
    h.update(msg.class().as_bytes());
    for id in [
        pid::DISPLAY_NAME,
        pid::GIVEN_NAME,
        pid::SURNAME,
        pid::COMPANY_NAME,
    ] {
        h.update([0]);
        h.update(p.str(id).unwrap_or("").as_bytes());
    }
    for base in pid::LID_EMAIL_SLOT_BASES {
        h.update([0]);
        h.update(
            p.str(&NamedProp::lid(
                psets::PSETID_ADDRESS,
                base + ids::EMAIL_ADDRESS,
            ))
            .unwrap_or("")
            .as_bytes(),
        );
    }
    for id in [pid::CREATION_TIME, pid::LAST_MODIFICATION_TIME] {
        h.update(p.time(id).map_or(0, |t| t.timestamp()).to_le_bytes());
    }
    first16(&h.finalize())
}

fn first16(b: &[u8]) -> [u8; 16] {
    let mut a = [0u8; 16];
    for (d, s) in a.iter_mut().zip(b) {
        *d = *s;
    }
    a
}

/// 8-4-4-4-12 lowercase hex.
fn uuid_text(b: &[u8; 16]) -> String {
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The `UID` value for a card of this version.
fn uid_value(uid: &str, version: VcardVersion) -> String {
    match version {
        VcardVersion::V3 => uid.to_owned(),
        VcardVersion::V4 => format!("urn:uuid:{uid}"),
    }
}

/// One e-mail slot of a contact ([MS-OXOCNTC] 2.2.1.2).
#[derive(Debug, Clone, PartialEq)]
struct Email {
    address: String,
    addr_type: Option<String>,
    display_name: Option<String>,
}

/// E-mail slot `n` (0-2). For Exchange (`EX`) addresses the original display name often
/// holds the SMTP address, which is what an address book can use.
fn email_slot(p: &PropertyBag, n: usize) -> Option<Email> {
    let base = *pid::LID_EMAIL_SLOT_BASES.get(n)?;
    let get = |off: u32| {
        p.str(&NamedProp::lid(psets::PSETID_ADDRESS, base + off))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let addr = get(ids::EMAIL_ADDRESS);
    let addr_type = get(ids::EMAIL_ADDR_TYPE);
    let original = get(ids::EMAIL_ORIGINAL_DISPLAY_NAME).filter(|s| looks_like_smtp(s));
    let (address, addr_type) = match (addr, addr_type) {
        (Some(a), Some(t)) if t.eq_ignore_ascii_case("EX") => match original {
            Some(o) => (o, Some("SMTP")),
            None => (a, Some(t)),
        },
        (Some(a), t) => (a, t),
        (None, _) => (original?, Some("SMTP")),
    };
    Some(Email {
        address: address.to_owned(),
        addr_type: addr_type.map(str::to_owned),
        display_name: get(ids::EMAIL_DISPLAY_NAME).map(str::to_owned),
    })
}

/// Whether a string can be an Internet address: not an Exchange DN, not an
/// IMCEA-encapsulated address of another type.
fn looks_like_smtp(s: &str) -> bool {
    let s = s.trim();
    s.contains('@')
        && !s.contains(char::is_whitespace)
        && !s.starts_with('/')
        && !crate::addressbook::imcea::is_encapsulated(s)
}

/// The date an Outlook date property stands for: `*Local` properties hold local midnight
/// as-is; the UTC ones hold local midnight converted to UTC (or 11:59 UTC), so the nearest
/// midnight is the date meant ([MS-OXOCNTC] 2.2.1.5).
fn event_date(p: &PropertyBag, tagged: PropId, local: &NamedProp) -> Option<NaiveDate> {
    let t = p.time(local).or_else(|| p.time(tagged))?;
    nearest_date(t)
}

fn nearest_date(t: DateTime<Utc>) -> Option<NaiveDate> {
    Some(t.checked_add_signed(TimeDelta::hours(12))?.date_naive())
}

fn date_value(d: NaiveDate, version: VcardVersion) -> String {
    match version {
        VcardVersion::V3 => d.format("%Y-%m-%d").to_string(),
        VcardVersion::V4 => d.format("%Y%m%d").to_string(),
    }
}

fn timestamp_value(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A telephone property and its `TYPE` values in 3.0 and in 4.0 (RFC 2426 3.3.1, RFC 6350
/// 6.4.1); `x-` values name the Outlook kinds neither version has.
struct PhoneKind {
    id: PropId,
    v3: &'static str,
    v4: &'static str,
    pref: bool,
}

const PHONES: &[PhoneKind] = &[
    PhoneKind {
        id: pid::PRIMARY_TELEPHONE,
        v3: "voice",
        v4: "voice",
        pref: true,
    },
    PhoneKind {
        id: pid::BUSINESS_TELEPHONE,
        v3: "work,voice",
        v4: "work,voice",
        pref: false,
    },
    PhoneKind {
        id: pid::BUSINESS2_TELEPHONE,
        v3: "work,voice",
        v4: "work,voice",
        pref: false,
    },
    PhoneKind {
        id: pid::HOME_TELEPHONE,
        v3: "home,voice",
        v4: "home,voice",
        pref: false,
    },
    PhoneKind {
        id: pid::HOME2_TELEPHONE,
        v3: "home,voice",
        v4: "home,voice",
        pref: false,
    },
    PhoneKind {
        id: pid::MOBILE_TELEPHONE,
        v3: "cell,voice",
        v4: "cell,voice",
        pref: false,
    },
    PhoneKind {
        id: pid::CAR_TELEPHONE,
        v3: "car,voice",
        v4: "voice,x-car",
        pref: false,
    },
    PhoneKind {
        id: pid::OTHER_TELEPHONE,
        v3: "voice,x-other",
        v4: "voice,x-other",
        pref: false,
    },
    PhoneKind {
        id: pid::PAGER_TELEPHONE,
        v3: "pager",
        v4: "pager",
        pref: false,
    },
    PhoneKind {
        id: pid::ASSISTANT_TELEPHONE,
        v3: "voice,x-assistant",
        v4: "voice,x-assistant",
        pref: false,
    },
    PhoneKind {
        id: pid::CALLBACK_TELEPHONE,
        v3: "voice,x-callback",
        v4: "voice,x-callback",
        pref: false,
    },
    PhoneKind {
        id: pid::COMPANY_MAIN_TELEPHONE,
        v3: "work,voice,x-company-main",
        v4: "work,voice,x-company-main",
        pref: false,
    },
    PhoneKind {
        id: pid::ISDN_NUMBER,
        v3: "isdn",
        v4: "voice,x-isdn",
        pref: false,
    },
    PhoneKind {
        id: pid::RADIO_TELEPHONE,
        v3: "voice,x-radio",
        v4: "voice,x-radio",
        pref: false,
    },
    PhoneKind {
        id: pid::TELEX_NUMBER,
        v3: "x-telex",
        v4: "x-telex",
        pref: false,
    },
    PhoneKind {
        id: pid::TTY_TDD_PHONE,
        v3: "x-tty-tdd",
        v4: "textphone",
        pref: false,
    },
    PhoneKind {
        id: pid::BUSINESS_FAX,
        v3: "work,fax",
        v4: "work,fax",
        pref: false,
    },
    PhoneKind {
        id: pid::HOME_FAX,
        v3: "home,fax",
        v4: "home,fax",
        pref: false,
    },
    PhoneKind {
        id: pid::PRIMARY_FAX,
        v3: "fax",
        v4: "fax",
        pref: false,
    },
];

/// Text fields with no vCard property: (property, extension name).
const EXTRA_TEXT: &[(PropId, &str)] = &[
    (pid::INITIALS, "X-OUTLOOK-INITIALS"),
    (pid::OFFICE_LOCATION, "X-OUTLOOK-OFFICE-LOCATION"),
    (pid::HOBBIES, "X-OUTLOOK-HOBBIES"),
    (pid::ACCOUNT, "X-OUTLOOK-ACCOUNT"),
    (pid::CUSTOMER_ID, "X-OUTLOOK-CUSTOMER-ID"),
    (pid::GOVERNMENT_ID_NUMBER, "X-OUTLOOK-GOVERNMENT-ID"),
    (pid::ORGANIZATIONAL_ID_NUMBER, "X-OUTLOOK-ORGANIZATIONAL-ID"),
    (pid::LANGUAGE, "X-OUTLOOK-LANGUAGE"),
    (pid::LOCATION, "X-OUTLOOK-LOCATION"),
    (
        pid::COMPUTER_NETWORK_NAME,
        "X-OUTLOOK-COMPUTER-NETWORK-NAME",
    ),
    (pid::REFERRED_BY_NAME, "X-OUTLOOK-REFERRED-BY"),
];

/// One postal address: components in `ids` order (street, city, state, postal code, country,
/// PO box) and the formatted label.
#[derive(Default)]
struct Address {
    parts: [Option<String>; 6],
    label: Option<String>,
}

impl Address {
    fn is_empty(&self) -> bool {
        self.parts.iter().all(Option::is_none) && self.label.is_none()
    }
    fn has_parts(&self) -> bool {
        self.parts.iter().any(Option::is_some)
    }
    /// `ADR` value: PO box; extended; street; locality; region; postal code; country.
    fn adr_value(&self) -> String {
        let g = |i: usize| self.parts.get(i).cloned().flatten().unwrap_or_default();
        compound(&[&g(5), "", &g(0), &g(1), &g(2), &g(3), &g(4)])
    }
}

fn tagged_address(p: &PropertyBag, ids6: &[PropId; 6], label: Option<&NamedProp>) -> Address {
    let mut a = Address::default();
    for (slot, id) in a.parts.iter_mut().zip(ids6) {
        *slot = p.str(*id).map(str::to_owned);
    }
    a.label = label.and_then(|l| p.str(l)).map(str::to_owned);
    a
}

/// The three postal addresses. The business one is in named properties; when a writer left
/// them out, the mailing-address properties stand in for it unless they copy home or other.
fn addresses(p: &PropertyBag) -> [(&'static str, Address); 3] {
    let home = tagged_address(p, &ids::HOME_ADDRESS, Some(&pid::LID_HOME_ADDRESS));
    let other = tagged_address(p, &ids::OTHER_ADDRESS, Some(&pid::LID_OTHER_ADDRESS));
    let mut work = Address::default();
    for (slot, name) in work.parts.iter_mut().zip(&ids::LID_WORK_ADDRESS) {
        *slot = p.str(name).map(str::to_owned);
    }
    work.label = p.str(&pid::LID_WORK_ADDRESS).map(str::to_owned);
    if !work.has_parts() {
        let mailing = tagged_address(p, &ids::MAILING_ADDRESS, None);
        let selected = p.i32(&pid::LID_POSTAL_ADDRESS_ID);
        if mailing.has_parts() && !matches!(selected, Some(1) | Some(3)) {
            work.parts = mailing.parts;
        }
    }
    [("home", home), ("work", work), ("x-other", other)]
}

/// The contact photo: the attachment marked with PidTagAttachmentContactPhoto
/// ([MS-OXOCNTC] 2.2.1.8), and its media type.
fn photo(msg: &Message) -> Option<(&[u8], &'static str)> {
    let marked = msg
        .attachments
        .iter()
        .find(|a| a.props.bool(pid::ATTACHMENT_CONTACT_PHOTO) == Some(true));
    let att = marked.or_else(|| {
        // Some writers set PidLidHasPicture but not the attachment flag; Outlook names the
        // file ContactPicture.jpg.
        if msg.props.bool(&pid::LID_HAS_PICTURE) != Some(true) {
            return None;
        }
        msg.attachments.iter().find(|a| {
            a.filename()
                .is_some_and(|f| f.to_ascii_lowercase().starts_with("contactpicture"))
        })
    })?;
    let data = att.data().filter(|d| !d.is_empty())?;
    Some((data, image_type(att, data)))
}

/// The image's media type: from its magic bytes, else its MIME tag or extension, else JPEG
/// (what Outlook writes).
fn image_type(att: &Attachment, data: &[u8]) -> &'static str {
    let magic: &[(&[u8], &'static str)] = &[
        (&[0xFF, 0xD8, 0xFF], "image/jpeg"),
        (
            &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A],
            "image/png",
        ),
        (b"GIF8", "image/gif"),
        (b"BM", "image/bmp"),
        (b"II*\0", "image/tiff"),
        (b"MM\0*", "image/tiff"),
    ];
    if let Some((_, t)) = magic.iter().find(|(m, _)| data.starts_with(m)) {
        return t;
    }
    let hint = att
        .props
        .str(pstkit::messaging::pid::ATTACH_MIME_TAG)
        .or_else(|| att.props.str(pstkit::messaging::pid::ATTACH_EXTENSION))
        .or_else(|| att.filename())
        .unwrap_or("")
        .to_ascii_lowercase();
    for (needle, t) in [
        ("png", "image/png"),
        ("gif", "image/gif"),
        ("bmp", "image/bmp"),
        ("tif", "image/tiff"),
    ] {
        if hint.ends_with(needle) {
            return t;
        }
    }
    "image/jpeg"
}

/// The best formatted name: display name, else the name parts, else file-as, company or
/// first e-mail address, so that `FN` (required) is never empty.
fn formatted_name(msg: &Message) -> String {
    let p = &msg.props;
    if let Some(n) = p
        .str(pid::DISPLAY_NAME)
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        return n.to_owned();
    }
    let parts: Vec<&str> = [
        pid::DISPLAY_NAME_PREFIX,
        pid::GIVEN_NAME,
        pid::MIDDLE_NAME,
        pid::SURNAME,
        pid::GENERATION,
    ]
    .iter()
    .filter_map(|&id| p.str(id).map(str::trim).filter(|s| !s.is_empty()))
    .collect();
    if !parts.is_empty() {
        return parts.join(" ");
    }
    p.str(&pid::LID_FILE_UNDER)
        .or_else(|| p.str(pid::COMPANY_NAME))
        .map(str::to_owned)
        .or_else(|| email_slot(p, 0).map(|e| e.address))
        .or_else(|| Some(msg.subject().trim().to_owned()).filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "(no name)".to_owned())
}

/// A string or multi-valued string property as its non-empty strings.
fn strings(p: &PropertyBag, id: PropId) -> Vec<String> {
    p.get(id)
        .and_then(|v| v.as_strings())
        .map(|v| {
            v.into_iter()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Categories: PidNameKeywords ([MS-OXCMSG] 2.2.1.17).
fn categories(p: &PropertyBag) -> Vec<String> {
    let name = pstkit::messaging::pid::NAME_KEYWORDS;
    p.get(&name)
        .and_then(|v| v.as_strings())
        .map(|v| {
            v.into_iter()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The notes: the item's plain-text body ([`text_body`](crate::body::text_body): some
/// writers store only HTML or compressed RTF, [MS-OXBBODY] 2.1), line ends trimmed.
fn notes(msg: &Message, label: &str, warnings: &mut Vec<Warning>) -> Option<String> {
    let body = crate::body::text_body(&msg.props);
    if let Some(problem) = body.problem {
        warnings.push(msg.note(format!(
            "'{label}': notes in compressed RTF not decoded: {problem}"
        )));
    }
    let text = body.text?;
    let text = text.trim_end_matches(['\r', '\n', '\0']);
    (!text.trim().is_empty()).then(|| text.to_owned())
}

/// An IM address as a URI: kept when it has a scheme, else read as SIP (what Outlook's IM
/// address usually is).
fn im_uri(s: &str) -> String {
    let s = s.trim();
    let has_scheme = s.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if has_scheme {
        s.to_owned()
    } else {
        format!("sip:{s}")
    }
}

/// Adds `TYPE=pref` (3.0) or `PREF=1` (4.0) to a parameter list.
fn with_pref<'a>(
    mut params: Vec<(&'a str, &'a str)>,
    pref: bool,
    version: VcardVersion,
) -> Vec<(&'a str, &'a str)> {
    if pref {
        match version {
            VcardVersion::V3 => params.push(("TYPE", "pref")),
            VcardVersion::V4 => params.push(("PREF", "1")),
        }
    }
    params
}

/// Writes a person's name as Apple's related-name item (3.0) or RELATED (4.0), and as the
/// [MS-OXVCARD] extension.
fn related(w: &mut CardWriter, name: &str, ms_name: &str, apple_label: &str, v4_type: &str) {
    if name.trim().is_empty() {
        return;
    }
    w.text(ms_name, &[], name);
    match w.version() {
        VcardVersion::V3 => {
            let g = w.new_group();
            w.grouped_line(Some(&g), "X-ABRELATEDNAMES", &[], &text(name));
            w.grouped_line(Some(&g), "X-ABLabel", &[], &text(apple_label));
        }
        VcardVersion::V4 => w.line(
            "RELATED",
            &[("VALUE", "text"), ("TYPE", v4_type)],
            &text(name),
        ),
    }
}

fn contact_card(
    msg: &Message,
    uid: &str,
    version: VcardVersion,
    warnings: &mut Vec<Warning>,
) -> String {
    let p = &msg.props;
    let fname = formatted_name(msg);
    let mut w = CardWriter::begin(version);
    w.line("PRODID", &[], &text(PRODID));
    w.line("UID", &[], &uid_value(uid, version));
    w.text("FN", &[], &fname);
    let n = |id: PropId| p.str(id).map(str::trim).unwrap_or("");
    w.line(
        "N",
        &[],
        &compound(&[
            n(pid::SURNAME),
            n(pid::GIVEN_NAME),
            n(pid::MIDDLE_NAME),
            n(pid::DISPLAY_NAME_PREFIX),
            n(pid::GENERATION),
        ]),
    );
    w.text("NICKNAME", &[], n(pid::NICKNAME));
    w.text(
        "X-PHONETIC-FIRST-NAME",
        &[],
        p.str(&pid::LID_YOMI_FIRST_NAME).unwrap_or(""),
    );
    w.text(
        "X-PHONETIC-LAST-NAME",
        &[],
        p.str(&pid::LID_YOMI_LAST_NAME).unwrap_or(""),
    );
    w.text(
        "X-PHONETIC-ORG",
        &[],
        p.str(&pid::LID_YOMI_COMPANY_NAME).unwrap_or(""),
    );
    if let Some(f) = p.str(&pid::LID_FILE_UNDER) {
        let name = match version {
            VcardVersion::V3 => "SORT-STRING",
            VcardVersion::V4 => "X-SORT-STRING",
        };
        w.text(name, &[], f);
    }
    match (p.get(pid::GENDER).and_then(|v| v.as_i64()), version) {
        (Some(1), VcardVersion::V4) => w.line("GENDER", &[], "F"),
        (Some(2), VcardVersion::V4) => w.line("GENDER", &[], "M"),
        (Some(1), VcardVersion::V3) => w.line("X-GENDER", &[], "Female"),
        (Some(2), VcardVersion::V3) => w.line("X-GENDER", &[], "Male"),
        _ => {}
    }
    if let Some(d) = event_date(p, pid::BIRTHDAY, &pid::LID_BIRTHDAY_LOCAL) {
        w.line("BDAY", &[], &date_value(d, version));
    }
    if let Some(d) = event_date(
        p,
        pid::WEDDING_ANNIVERSARY,
        &pid::LID_WEDDING_ANNIVERSARY_LOCAL,
    ) {
        let v = date_value(d, version);
        match version {
            VcardVersion::V3 => w.line("X-ANNIVERSARY", &[], &v),
            VcardVersion::V4 => w.line("ANNIVERSARY", &[], &v),
        }
        w.line("X-MS-ANNIVERSARY", &[], &date_value(d, VcardVersion::V3));
    }

    // Organisation.
    if !n(pid::COMPANY_NAME).is_empty() || !n(pid::DEPARTMENT_NAME).is_empty() {
        let org = if n(pid::DEPARTMENT_NAME).is_empty() {
            text(n(pid::COMPANY_NAME))
        } else {
            compound(&[n(pid::COMPANY_NAME), n(pid::DEPARTMENT_NAME)])
        };
        w.line("ORG", &[], &org);
    }
    w.text("TITLE", &[], n(pid::TITLE));
    w.text("ROLE", &[], n(pid::PROFESSION));
    related(
        &mut w,
        n(pid::MANAGER_NAME),
        "X-MS-MANAGER",
        "_$!<Manager>!$_",
        "co-worker",
    );
    related(
        &mut w,
        n(pid::ASSISTANT),
        "X-MS-ASSISTANT",
        "_$!<Assistant>!$_",
        "agent",
    );
    related(
        &mut w,
        n(pid::SPOUSE_NAME),
        "X-MS-SPOUSE",
        "_$!<Spouse>!$_",
        "spouse",
    );
    for child in strings(p, pid::CHILDRENS_NAMES) {
        related(&mut w, &child, "X-MS-CHILD", "_$!<Child>!$_", "child");
    }

    // E-mail: the three slots, in order, the first preferred.
    let mut first = true;
    for slot in 0..pid::LID_EMAIL_SLOT_BASES.len() {
        let Some(e) = email_slot(p, slot) else {
            continue;
        };
        let kind = match e
            .addr_type
            .as_deref()
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            None | Some("SMTP") => "internet".to_owned(),
            Some("X400") => "x400".to_owned(),
            Some(other) => format!(
                "x-{}",
                other
                    .to_ascii_lowercase()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
            ),
        };
        let mut params: Vec<(&str, &str)> = Vec::new();
        if version == VcardVersion::V3 {
            params.push(("TYPE", &kind));
        }
        let params = with_pref(params, first, version);
        let mut params = params;
        if let Some(d) = e.display_name.as_deref() {
            params.push(("X-DISPLAY-NAME", d));
        }
        if version == VcardVersion::V4 && kind != "internet" {
            params.push(("X-ADDRTYPE", &kind));
        }
        w.text("EMAIL", &params, &e.address);
        first = false;
    }

    // Telephones.
    for k in PHONES {
        for number in strings(p, k.id) {
            let types = match version {
                VcardVersion::V3 => k.v3,
                VcardVersion::V4 => k.v4,
            };
            let params = with_pref(vec![("TYPE", types)], k.pref, version);
            w.text("TEL", &params, &number);
        }
    }

    // Postal addresses; the one PidLidPostalAddressId selects is preferred.
    let selected = p.i32(&pid::LID_POSTAL_ADDRESS_ID);
    for (i, (kind, a)) in addresses(p).iter().enumerate() {
        if a.is_empty() {
            continue;
        }
        let pref = selected == i32::try_from(i + 1).ok();
        match version {
            VcardVersion::V3 => {
                let params = with_pref(vec![("TYPE", *kind)], pref, version);
                if a.has_parts() {
                    w.line("ADR", &params, &a.adr_value());
                }
                if let Some(l) = a.label.as_deref() {
                    w.text("LABEL", &params, l);
                }
            }
            VcardVersion::V4 => {
                let mut params = with_pref(vec![("TYPE", *kind)], pref, version);
                if let Some(l) = a.label.as_deref() {
                    params.push(("LABEL", l));
                }
                w.line("ADR", &params, &a.adr_value());
            }
        }
    }

    // Web, IM, free/busy.
    let personal = n(pid::PERSONAL_HOME_PAGE);
    let business = n(pid::BUSINESS_HOME_PAGE);
    w.text("URL", &[("TYPE", "home")], personal);
    w.text("URL", &[("TYPE", "work")], business);
    if let Some(h) = p.str(&pid::LID_HTML).map(str::trim) {
        if h != business && h != personal {
            w.text("URL", &[("TYPE", "work")], h);
        }
    }
    w.text("URL", &[("TYPE", "x-ftp")], n(pid::FTP_SITE));
    if let Some(im) = p.str(&pid::LID_INSTANT_MESSAGING_ADDRESS).map(str::trim) {
        if !im.is_empty() {
            w.line("IMPP", &[], &text(&im_uri(im)));
            w.text("X-MS-IMADDRESS", &[], im);
        }
    }
    if let Some(fb) = p.str(&pid::LID_FREE_BUSY_LOCATION) {
        w.text("FBURL", &[], fb);
    }

    // Everything else Outlook keeps about a person.
    for (id, name) in EXTRA_TEXT {
        w.text(name, &[], n(*id));
    }
    for (i, name) in ids::LID_USER_FIELDS.iter().enumerate() {
        if let Some(v) = p.str(name) {
            w.text(&format!("X-OUTLOOK-USER-FIELD{}", i + 1), &[], v);
        }
    }
    if let Some(v) = p.str(&pid::LID_BILLING) {
        w.text("X-OUTLOOK-BILLING", &[], v);
    }
    if let Some(v) = p.str(&pid::LID_MILEAGE) {
        w.text("X-OUTLOOK-MILEAGE", &[], v);
    }
    common_tail(&mut w, msg, &fname, version, warnings);

    match photo(msg) {
        Some((data, mime)) => match version {
            VcardVersion::V3 => {
                let ty = mime.trim_start_matches("image/").to_ascii_uppercase();
                w.line(
                    "PHOTO",
                    &[("ENCODING", "b"), ("TYPE", &ty)],
                    &vcard::base64(data),
                );
            }
            VcardVersion::V4 => w.line(
                "PHOTO",
                &[],
                &format!("data:{mime};base64,{}", vcard::base64(data)),
            ),
        },
        None => {
            if p.bool(&pid::LID_HAS_PICTURE) == Some(true) {
                warnings.push(msg.note(format!("contact '{fname}': marked as having a photo, but no photo attachment was readable")));
            }
        }
    }
    if let Some(t) = p.time(pid::LAST_MODIFICATION_TIME) {
        w.line("REV", &[], &timestamp_value(t));
    }
    w.end()
}

/// Categories, notes and sensitivity, which contacts and lists share.
fn common_tail(
    w: &mut CardWriter,
    msg: &Message,
    label: &str,
    version: VcardVersion,
    warnings: &mut Vec<Warning>,
) {
    let p = &msg.props;
    let cats = categories(p);
    if !cats.is_empty() {
        w.line("CATEGORIES", &[], &list(&cats));
    }
    if let Some(body) = notes(msg, label, warnings) {
        w.text("NOTE", &[], &body);
    }
    let class = match p.i32(pid::SENSITIVITY) {
        Some(1) | Some(2) => Some("PRIVATE"),
        Some(3) => Some("CONFIDENTIAL"),
        _ => None,
    };
    if let Some(c) = class {
        match version {
            VcardVersion::V3 => w.line("CLASS", &[], c),
            VcardVersion::V4 => w.line("X-CLASS", &[], c),
        }
    }
}

/// A list member with what could be found about it.
#[derive(Debug, Default, Clone, PartialEq)]
struct Member {
    name: Option<String>,
    address: Option<String>,
    addr_type: Option<String>,
    /// UID of the member's own card, when it is an item of this export.
    uid: Option<String>,
}

/// Resolves the members of a list: PidLidDistributionListMembers says who they are (one-off
/// or wrapped entry ids), PidLidDistributionListOneOffMembers at the same index says their
/// name and address ([MS-OXOCNTC] 2.2.2.2.1, 2.2.2.2.2).
fn dl_members(
    msg: &Message,
    index: &Index,
    items: &[&Message],
    label: &str,
    warnings: &mut Vec<Warning>,
) -> Vec<Member> {
    let p = &msg.props;
    let multi = |name: &NamedProp| -> Vec<Vec<u8>> {
        match p.get(name) {
            Some(pstkit::ltp::prop::PropValue::MultipleBinary(v)) => v.clone(),
            Some(pstkit::ltp::prop::PropValue::Binary(b)) => vec![b.to_vec()],
            _ => Vec::new(),
        }
    };
    let members = multi(&pid::LID_DISTRIBUTION_LIST_MEMBERS);
    let one_offs = multi(&pid::LID_DISTRIBUTION_LIST_ONE_OFF_MEMBERS);
    if members.is_empty()
        && one_offs.is_empty()
        && p.get(&pid::LID_DISTRIBUTION_LIST_STREAM).is_some()
    {
        warnings.push(msg.note(format!(
            "distribution list '{label}': members are only in PidLidDistributionListStream, which is not decoded"
        )));
    }
    let count = members.len().max(one_offs.len());
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let entry = members.get(i).and_then(|b| parse_member_entry_id(b));
        let one_off = one_offs
            .get(i)
            .and_then(|b| parse_member_entry_id(b))
            .filter(|m| m.kind == MemberKind::OneOff);
        if entry.is_none() && one_off.is_none() {
            warnings.push(msg.note(format!(
                "distribution list '{label}': member {} has an entry id this reader cannot parse",
                i + 1
            )));
            continue;
        }
        let mut m = Member::default();
        if let Some(o) = &one_off {
            m.name.clone_from(&o.display_name);
            m.address.clone_from(&o.address);
            m.addr_type.clone_from(&o.address_type);
        }
        if let Some(e) = &entry {
            if m.address.is_none() && m.name.is_none() {
                m.name.clone_from(&e.display_name);
                m.address.clone_from(&e.address);
                m.addr_type.clone_from(&e.address_type);
            }
            let target = e
                .referenced_nid()
                .and_then(|nid| index.by_nid.get(&nid).copied());
            if let Some(t) = target {
                m.uid = index.uids.get(t).cloned().flatten();
                if let Some(c) = items.get(t) {
                    fill_from_contact(&mut m, c, e.kind);
                }
            }
        }
        if m.name.is_none() && m.address.is_none() && m.uid.is_none() {
            warnings.push(msg.note(format!(
                "distribution list '{label}': member {} refers to an item that is not in this folder and has no one-off copy",
                i + 1
            )));
            continue;
        }
        out.push(m);
    }
    out
}

/// Fills what a member lacks from the contact (or list) it references.
fn fill_from_contact(m: &mut Member, c: &Message, kind: MemberKind) {
    if m.name.is_none() {
        m.name = Some(formatted_name(c));
    }
    if m.address.is_some() {
        return;
    }
    if let MemberKind::Contact { slot } = kind {
        let slot = usize::from(slot);
        if (4..=6).contains(&slot) {
            if let Some(e) = email_slot(&c.props, slot - 4) {
                m.address = Some(e.address);
                m.addr_type = e.addr_type.or_else(|| Some("SMTP".to_owned()));
            }
        } else if let Some(base) = pid::LID_FAX_SLOT_BASES.get(slot) {
            m.address = c
                .props
                .str(&NamedProp::lid(
                    psets::PSETID_ADDRESS,
                    base + ids::EMAIL_ADDRESS,
                ))
                .map(str::to_owned);
            m.addr_type = c
                .props
                .str(&NamedProp::lid(
                    psets::PSETID_ADDRESS,
                    base + ids::EMAIL_ADDR_TYPE,
                ))
                .map(str::to_owned);
        }
    }
}

/// Whether a member's address can be a `mailto:` URI.
fn is_mail_address(m: &Member) -> bool {
    let smtp = match m.addr_type.as_deref() {
        None => true,
        Some(t) => t.eq_ignore_ascii_case("SMTP"),
    };
    smtp && m.address.as_deref().is_some_and(looks_like_smtp)
}

fn dist_list_card(
    msg: &Message,
    uid: &str,
    index: &Index,
    items: &[&Message],
    version: VcardVersion,
    warnings: &mut Vec<Warning>,
) -> String {
    let p = &msg.props;
    let name = p
        .str(&pid::LID_DISTRIBUTION_LIST_NAME)
        .or_else(|| p.str(pid::DISPLAY_NAME))
        .map(str::to_owned)
        .or_else(|| Some(msg.subject().to_owned()).filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "(unnamed list)".to_owned());
    let members = dl_members(msg, index, items, &name, warnings);
    let mut w = CardWriter::begin(version);
    w.line("PRODID", &[], &text(PRODID));
    w.line("UID", &[], &uid_value(uid, version));
    match version {
        VcardVersion::V3 => {
            w.text("FN", &[], &name);
            w.line("N", &[], &compound(&[&name, "", "", "", ""]));
            w.line("X-ADDRESSBOOKSERVER-KIND", &[], "group");
        }
        VcardVersion::V4 => {
            w.line("KIND", &[], "group");
            w.text("FN", &[], &name);
        }
    }
    let member_prop = match version {
        VcardVersion::V3 => "X-ADDRESSBOOKSERVER-MEMBER",
        VcardVersion::V4 => "MEMBER",
    };
    for m in &members {
        let uri = match (&m.uid, is_mail_address(m)) {
            (Some(u), _) => Some(format!("urn:uuid:{u}")),
            (None, true) => m.address.as_deref().map(vcard::mailto),
            (None, false) => None,
        };
        let mut params: Vec<(&str, &str)> = Vec::new();
        if let Some(n) = m.name.as_deref() {
            params.push(("X-DISPLAY-NAME", n));
        }
        match uri {
            Some(u) => w.line(member_prop, &params, &u),
            None => {
                // No URI for it (an Exchange DN, a fax): keep it as text.
                let mut v = m.name.clone().unwrap_or_default();
                if let Some(a) = m.address.as_deref() {
                    let t = m.addr_type.as_deref().unwrap_or("");
                    v = format!("{v} <{t}:{a}>").trim().to_owned();
                }
                w.text("X-OUTLOOK-DL-MEMBER", &[], &v);
            }
        }
    }
    // 3.0 readers without the group extension still get every address.
    if version == VcardVersion::V3 {
        for m in members.iter().filter(|m| is_mail_address(m)) {
            let mut params = vec![("TYPE", "internet")];
            if let Some(n) = m.name.as_deref() {
                params.push(("X-DISPLAY-NAME", n));
            }
            w.text("EMAIL", &params, m.address.as_deref().unwrap_or(""));
        }
    }
    common_tail(&mut w, msg, &name, version, warnings);
    if let Some(t) = p.time(pid::LAST_MODIFICATION_TIME) {
        w.line("REV", &[], &timestamp_value(t));
    }
    w.end()
}
