//! Entry ids of distribution-list members: the One-Off EntryID ([MS-OXCDATA] 2.2.5.1) and the
//! WrappedEntryId ([MS-OXOCNTC] 2.2.2.2.4.1.1).

use encoding_rs::WINDOWS_1252;
use pstkit::messaging::entryid::{ADDRESS_BOOK_UID, ONE_OFF_UID, WRAPPED_UID};

/// `MAPI_ONE_OFF_UNICODE`: the strings of a one-off entry id are UTF-16LE.
const ONE_OFF_UNICODE: u16 = 0x8000;

/// What a distribution-list member entry id points at: the low four bits of a wrapped entry
/// id's `Type` ([MS-OXOCNTC] 2.2.2.2.4.1.1); a bare one-off entry id is [`MemberKind::OneOff`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberKind {
    /// A one-off address: display name, address type and address are in the entry id.
    OneOff,
    /// An e-mail or fax address of a contact (a Message EntryID, [MS-OXCDATA] 2.2.4.3).
    /// `slot` is bits 4-6 of `Type`: 0-2 the business, home and primary fax, 4-6 Email1-3.
    Contact {
        /// Which of the contact's addresses the member is.
        slot: u8,
    },
    /// Another personal distribution list in the store.
    DistList,
    /// A mail user of the Global Address List.
    GalUser,
    /// A distribution list of the Global Address List.
    GalList,
    /// A `Type` value the specification does not define.
    Unknown(u8),
}

/// One member of a personal distribution list, as far as its entry id tells
/// ([MS-OXOCNTC] 2.2.2.2.1, 2.2.2.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistListMember {
    /// What the entry id points at.
    pub kind: MemberKind,
    /// The display name (one-off entry ids carry it; references to contacts do not).
    pub display_name: Option<String>,
    /// The address, e.g. `someone@example.com`.
    pub address: Option<String>,
    /// The address type, e.g. `SMTP` or `EX`.
    pub address_type: Option<String>,
    /// For members that reference an object (contact, list, GAL entry): that object's entry id.
    pub entry_id: Option<Vec<u8>>,
}

impl DistListMember {
    /// The node id of the referenced message when `entry_id` is a PST message entry id
    /// (4 flag bytes, the store's 16-byte record key, the 4-byte NID: [MS-PST] 2.4.3.2).
    pub fn referenced_nid(&self) -> Option<u32> {
        let e = self.entry_id.as_deref()?;
        if e.len() != 24 {
            return None;
        }
        let b: [u8; 4] = e.get(20..24)?.try_into().ok()?;
        Some(u32::from_le_bytes(b))
    }
}

/// Parses a distribution-list member entry id: a one-off entry id ([MS-OXCDATA] 2.2.5.1) or
/// a wrapped entry id ([MS-OXOCNTC] 2.2.2.2.4.1.1). `None` when it is neither or truncated.
pub fn parse_member_entry_id(bytes: &[u8]) -> Option<DistListMember> {
    let uid = bytes.get(4..20)?;
    if uid == ONE_OFF_UID {
        return parse_one_off(bytes);
    }
    if uid != WRAPPED_UID {
        return None;
    }
    let ty = *bytes.get(20)?;
    let embedded = bytes.get(21..)?;
    let kind = match ty & 0x0F {
        0 => return parse_one_off(embedded),
        3 => MemberKind::Contact {
            slot: (ty >> 4) & 0x07,
        },
        4 => MemberKind::DistList,
        5 => MemberKind::GalUser,
        6 => MemberKind::GalList,
        n => MemberKind::Unknown(n),
    };
    // A GAL member's Address Book EntryID carries its X500 DN ([MS-OXCDATA] 2.2.5.2).
    let dn = match kind {
        MemberKind::GalUser | MemberKind::GalList => address_book_dn(embedded),
        _ => None,
    };
    Some(DistListMember {
        kind,
        display_name: None,
        address_type: dn.as_ref().map(|_| "EX".to_owned()),
        address: dn,
        entry_id: Some(embedded.to_vec()),
    })
}

/// The X500 DN of an Address Book EntryID: 4 flag bytes, the provider UID, a 4-byte version
/// and a 4-byte type, then the NUL-terminated DN ([MS-OXCDATA] 2.2.5.2).
fn address_book_dn(b: &[u8]) -> Option<String> {
    if b.get(4..20)? != ADDRESS_BOOK_UID {
        return None;
    }
    let (dn, _) = take_8bit(b.get(28..)?);
    Some(dn).filter(|d| !d.is_empty())
}

/// Parses a one-off entry id: 4 flag bytes, `MAPI_ONE_OFF_UID`, a 16-bit version and 16-bit
/// flags, then display name, address type and address as NUL-terminated strings (UTF-16LE
/// when `MAPI_ONE_OFF_UNICODE` is set, else 8-bit, read as Windows-1252).
pub(crate) fn parse_one_off(bytes: &[u8]) -> Option<DistListMember> {
    if bytes.get(4..20)? != ONE_OFF_UID {
        return None;
    }
    let flags = u16::from_le_bytes(bytes.get(22..24)?.try_into().ok()?);
    let mut rest = bytes.get(24..)?;
    let unicode = flags & ONE_OFF_UNICODE != 0;
    let mut fields = [None, None, None];
    for f in fields.iter_mut() {
        let (s, tail) = if unicode {
            take_utf16(rest)
        } else {
            take_8bit(rest)
        };
        *f = Some(s).filter(|s| !s.is_empty());
        rest = tail;
    }
    let [display_name, address_type, address] = fields;
    Some(DistListMember {
        kind: MemberKind::OneOff,
        display_name,
        address,
        address_type,
        entry_id: None,
    })
}

/// A NUL-terminated UTF-16LE string and what follows it (the whole rest when unterminated).
fn take_utf16(b: &[u8]) -> (String, &[u8]) {
    let mut units = Vec::new();
    let mut i = 0;
    while let Some(pair) = b.get(i..i + 2) {
        i += 2;
        let [lo, hi] = [
            pair.first().copied().unwrap_or(0),
            pair.get(1).copied().unwrap_or(0),
        ];
        let u = u16::from_le_bytes([lo, hi]);
        if u == 0 {
            return (String::from_utf16_lossy(&units), b.get(i..).unwrap_or(&[]));
        }
        units.push(u);
    }
    (String::from_utf16_lossy(&units), &[])
}

/// A NUL-terminated 8-bit string and what follows it.
fn take_8bit(b: &[u8]) -> (String, &[u8]) {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    let (s, _, _) = WINDOWS_1252.decode(b.get(..end).unwrap_or(&[]));
    (s.into_owned(), b.get(end + 1..).unwrap_or(&[]))
}

/// A Unicode one-off entry id ([MS-OXCDATA] 2.2.5.1) for a display name, address type and
/// address: version 0, flags `MAPI_ONE_OFF_UNICODE | MAPI_ONE_OFF_NO_RICH_INFO`, then the
/// three strings in UTF-16LE, each NUL-terminated.
pub fn one_off_entry_id(name: &str, addr_type: &str, addr: &str) -> Vec<u8> {
    let mut v = vec![0u8; 4];
    v.extend_from_slice(&ONE_OFF_UID);
    v.extend_from_slice(&[0, 0, 0x01, 0x90]);
    for s in [name, addr_type, addr] {
        for u in s.encode_utf16() {
            v.extend_from_slice(&u.to_le_bytes());
        }
        v.extend_from_slice(&[0, 0]);
    }
    v
}

/// Builds a Unicode one-off entry id (used by tests to make members).
#[cfg(test)]
pub(crate) fn one_off_bytes(name: &str, addr_type: &str, addr: &str) -> Vec<u8> {
    one_off_entry_id(name, addr_type, addr)
}

/// Builds a wrapped entry id around a PST message entry id for `nid` (tests).
#[cfg(test)]
pub(crate) fn wrapped_contact_bytes(slot: u8, nid: u32) -> Vec<u8> {
    let mut v = vec![0u8; 4];
    v.extend_from_slice(&WRAPPED_UID);
    v.push(0x80 | (slot << 4) | 3);
    v.extend_from_slice(&[0u8; 4]);
    v.extend_from_slice(&[0x11; 16]);
    v.extend_from_slice(&nid.to_le_bytes());
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_one_off() {
        let b = one_off_bytes("Zoë Example", "SMTP", "zoe@example.com");
        let m = parse_member_entry_id(&b).unwrap();
        assert_eq!(m.kind, MemberKind::OneOff);
        assert_eq!(m.display_name.as_deref(), Some("Zoë Example"));
        assert_eq!(m.address_type.as_deref(), Some("SMTP"));
        assert_eq!(m.address.as_deref(), Some("zoe@example.com"));
    }

    #[test]
    fn ansi_one_off() {
        let mut b = vec![0u8; 4];
        b.extend_from_slice(&ONE_OFF_UID);
        b.extend_from_slice(&[0, 0, 0x01, 0x00]);
        b.extend_from_slice(b"Ren\xE9\0SMTP\0rene@example.com\0");
        let m = parse_member_entry_id(&b).unwrap();
        assert_eq!(m.display_name.as_deref(), Some("René"));
        assert_eq!(m.address.as_deref(), Some("rene@example.com"));
    }

    #[test]
    fn wrapped_one_off_and_contact() {
        let mut b = vec![0u8; 4];
        b.extend_from_slice(&WRAPPED_UID);
        b.push(0x00);
        b.extend_from_slice(&one_off_bytes("A", "SMTP", "a@b.c"));
        let m = parse_member_entry_id(&b).unwrap();
        assert_eq!(
            (m.kind, m.address.as_deref()),
            (MemberKind::OneOff, Some("a@b.c"))
        );

        // 0xC3, as Outlook writes it for a contact's Email1 (rjohnsondev__dist-list.pst).
        let b = wrapped_contact_bytes(4, 0x0020_0064);
        assert_eq!(b[20], 0xC3);
        let m = parse_member_entry_id(&b).unwrap();
        assert_eq!(m.kind, MemberKind::Contact { slot: 4 });
        assert_eq!(m.referenced_nid(), Some(0x0020_0064));
        assert_eq!(m.display_name, None);
    }

    #[test]
    fn wrapped_gal_user_keeps_its_dn() {
        let mut b = vec![0u8; 4];
        b.extend_from_slice(&WRAPPED_UID);
        b.push(0x85);
        b.extend_from_slice(&[0u8; 4]);
        b.extend_from_slice(&ADDRESS_BOOK_UID);
        b.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0]);
        b.extend_from_slice(b"/o=Org/ou=Site/cn=Recipients/cn=gal\0");
        let m = parse_member_entry_id(&b).unwrap();
        assert_eq!(m.kind, MemberKind::GalUser);
        assert_eq!(
            m.address.as_deref(),
            Some("/o=Org/ou=Site/cn=Recipients/cn=gal")
        );
        assert_eq!(m.address_type.as_deref(), Some("EX"));
        assert_eq!(m.referenced_nid(), None);
    }

    #[test]
    fn garbage_and_truncation_are_none() {
        assert_eq!(parse_member_entry_id(&[]), None);
        assert_eq!(parse_member_entry_id(&[0u8; 30]), None);
        let b = one_off_bytes("A", "SMTP", "a@b.c");
        assert_eq!(parse_member_entry_id(&b[..22]), None);
        // Cut inside the strings: what is there is kept.
        let m = parse_member_entry_id(&b[..28]).unwrap();
        assert_eq!(m.display_name.as_deref(), Some("A"));
        assert_eq!(m.address, None);
    }
}
