//! Who and when: a message's date and its parties (sender, author, recipients), each
//! resolved to a display name and an Internet address ([MS-OXOMSG] 2.2.1, [MS-OXCMAIL]
//! 2.2.3.2.4). The EML header, the mbox `From ` line and the file names all start here.

use chrono::{DateTime, Utc};
use pstkit::messaging::{pid, Message, PropId, PropertyBag};

use super::headers;
use crate::addressbook::AddressBook;

/// The date a message stands for: when it was sent, else when it arrived, else when it was
/// created or last changed.
pub fn message_date(msg: &Message) -> Option<DateTime<Utc>> {
    let p = &msg.props;
    p.time(pid::CLIENT_SUBMIT_TIME)
        .or_else(|| p.time(pid::MESSAGE_DELIVERY_TIME))
        .or_else(|| p.time(pid::CREATION_TIME))
        .or_else(|| p.time(pid::LAST_MODIFICATION_TIME))
}

/// The properties that describe one party of a message: the sender, the author (sent
/// representing) or a recipient row ([MS-OXOMSG] 2.2.1, [MS-OXCMAIL] 2.2.3.2.4).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Party {
    pub name: PropId,
    pub email: PropId,
    pub addrtype: PropId,
    pub smtp: PropId,
    pub entry_id: PropId,
    pub search_key: PropId,
}

/// The sender ([MS-OXOMSG] 2.2.1.48-2.2.1.52).
pub(crate) const SENDER: Party = Party {
    name: pid::SENDER_NAME,
    email: pid::SENDER_EMAIL_ADDRESS,
    addrtype: pid::SENDER_ADDRTYPE,
    smtp: pid::SENDER_SMTP_ADDRESS,
    entry_id: pid::SENDER_ENTRY_ID,
    search_key: pid::SENDER_SEARCH_KEY,
};
/// The author the message was sent on behalf of ([MS-OXOMSG] 2.2.1.53-2.2.1.58).
pub(crate) const SENT_REPRESENTING: Party = Party {
    name: pid::SENT_REPRESENTING_NAME,
    email: pid::SENT_REPRESENTING_EMAIL_ADDRESS,
    addrtype: pid::SENT_REPRESENTING_ADDRTYPE,
    smtp: pid::SENT_REPRESENTING_SMTP_ADDRESS,
    entry_id: pid::SENT_REPRESENTING_ENTRY_ID,
    search_key: pid::SENT_REPRESENTING_SEARCH_KEY,
};
/// A recipient row ([MS-OXCMSG] 2.2.3).
pub(crate) const RECIPIENT: Party = Party {
    name: pid::DISPLAY_NAME,
    email: pid::EMAIL_ADDRESS,
    addrtype: pid::ADDRTYPE,
    smtp: pid::SMTP_ADDRESS,
    entry_id: pid::RECIPIENT_ENTRY_ID,
    search_key: pid::SEARCH_KEY,
};

/// Resolves a party's name and Internet address: its SMTP address property, else an
/// Internet-form address, else the store's address book for its Exchange DN (from its
/// address, search key or entry id). What stays unresolved gets a placeholder in the
/// `.invalid` domain so the header stays valid (and is counted by the book).
pub(crate) fn resolve_addr(
    bag: &PropertyBag,
    party: &Party,
    book: &AddressBook,
) -> Option<(Option<String>, String)> {
    let display = bag.str(party.name).map(str::to_owned);
    let email_v = bag.str(party.email);
    let addr = bag
        .str(party.smtp)
        .and_then(headers::addr_spec)
        .or_else(|| email_v.and_then(headers::addr_spec));
    if let Some(a) = addr {
        return Some((display, a));
    }
    let basis = display
        .clone()
        .or_else(|| email_v.map(|e| e.rsplit(['=', '/', ':']).next().unwrap_or(e).to_owned()))?;
    let what = display.as_deref().or(email_v).unwrap_or("");
    // Counted by AddressBook::enrich, which the conversion runs on every item first.
    let ids = crate::addressbook::PartyIds {
        name: party.name,
        email: party.email,
        smtp: party.smtp,
        entry_id: party.entry_id,
        search_key: party.search_key,
    };
    if let Some(r) = book.find_party(bag, &ids, what) {
        return Some((display, r.address().to_owned()));
    }
    // An IMCEAEX address in the SMTP property is an Exchange DN all the same.
    let exchange = [party.smtp, party.email]
        .iter()
        .any(|&id| bag.str(id).and_then(crate::addressbook::dn_key).is_some());
    let kind = if exchange {
        Some("EX")
    } else {
        bag.str(party.addrtype)
    };
    Some((display, headers::placeholder_addr(&basis, kind)))
}

/// The author: the "sent representing" identity when stored, else the sender
/// ([MS-OXOMSG] 2.2.1.46-2.2.1.58).
pub(crate) fn sender_addr(msg: &Message, book: &AddressBook) -> Option<(Option<String>, String)> {
    let p = &msg.props;
    resolve_addr(p, &SENT_REPRESENTING, book).or_else(|| resolve_addr(p, &SENDER, book))
}
