//! Property bags: every property of one object (message, recipient, attachment, folder),
//! detached from the file, with named properties resolved ([MS-PST] 2.4.7).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::ltp::prop::{Guid, PropId, PropValue};

/// Well-known property sets ([MS-OXPROPS] 1.3.2).
pub mod psets {
    use crate::ltp::prop::Guid;

    const fn ms(d1: u32) -> Guid {
        Guid::from_fields(d1, 0, 0, [0xC0, 0, 0, 0, 0, 0, 0, 0x46])
    }
    /// `PS_MAPI`: named properties that stand for ordinary tagged ones.
    pub const PS_MAPI: Guid = ms(0x0002_0328);
    /// `PS_PUBLIC_STRINGS`: user-defined string-named properties (e.g. `Keywords`).
    pub const PS_PUBLIC_STRINGS: Guid = ms(0x0002_0329);
    /// `PS_INTERNET_HEADERS`.
    pub const PS_INTERNET_HEADERS: Guid = ms(0x0002_0386);
    /// `PSETID_Appointment`.
    pub const PSETID_APPOINTMENT: Guid = ms(0x0006_2002);
    /// `PSETID_Task`.
    pub const PSETID_TASK: Guid = ms(0x0006_2003);
    /// `PSETID_Address` (contacts and distribution lists).
    pub const PSETID_ADDRESS: Guid = ms(0x0006_2004);
    /// `PSETID_Common`.
    pub const PSETID_COMMON: Guid = ms(0x0006_2008);
    /// `PSETID_Log` (journal).
    pub const PSETID_LOG: Guid = ms(0x0006_200A);
    /// `PSETID_Note` (sticky notes).
    pub const PSETID_NOTE: Guid = ms(0x0006_200E);
    /// `PSETID_Sharing`.
    pub const PSETID_SHARING: Guid = ms(0x0006_2040);
    /// `PSETID_Meeting`: {6ED8DA90-450B-101B-98DA-00AA003F1305}.
    pub const PSETID_MEETING: Guid = Guid::from_fields(
        0x6ED8_DA90,
        0x450B,
        0x101B,
        [0x98, 0xDA, 0x00, 0xAA, 0x00, 0x3F, 0x13, 0x05],
    );
}

/// The name of a named property: a numeric id (LID) or a string, within a property set.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PropName {
    /// A numeric name (`dwPropertyId`), e.g. 0x8216 for `PidLidAppointmentRecur`.
    Id(u32),
    /// A string name, e.g. `"Keywords"` in `PS_PUBLIC_STRINGS`: borrowed for the constants in
    /// `pid`, owned for names read from a file.
    String(Cow<'static, str>),
}

/// A named property: its property set and its name. The ones the workspace reads or writes
/// are constants in `pid` (`pid::LID_APPOINTMENT_RECUR`, `pid::NAME_KEYWORDS`), so a caller
/// never passes a set and a number separately.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NamedProp {
    /// The property set (`PSETID_*`).
    pub set: Guid,
    /// The name within that set.
    pub name: PropName,
}

impl NamedProp {
    /// A numerically named property (`PidLid*`).
    pub const fn lid(set: Guid, id: u32) -> Self {
        Self {
            set,
            name: PropName::Id(id),
        }
    }
    /// A string-named property (`PidName*`) with a name known at compile time.
    pub const fn string(set: Guid, name: &'static str) -> Self {
        Self {
            set,
            name: PropName::String(Cow::Borrowed(name)),
        }
    }
    /// A string-named property with a name read at run time (e.g. from a file).
    pub fn owned_string(set: Guid, name: String) -> Self {
        Self {
            set,
            name: PropName::String(Cow::Owned(name)),
        }
    }
}

/// The two-way map between property ids (0x8000 and up) and named properties of one store.
#[derive(Debug, Clone, Default)]
pub struct NameMap {
    by_id: HashMap<PropId, NamedProp>,
    by_name: HashMap<NamedProp, PropId>,
}

impl NameMap {
    /// Records that `id` stands for `name` in this store.
    pub fn insert(&mut self, id: PropId, name: NamedProp) {
        self.by_name.insert(name.clone(), id);
        self.by_id.insert(id, name);
    }
    /// The named property behind `id`.
    pub fn name(&self, id: PropId) -> Option<&NamedProp> {
        self.by_id.get(&id)
    }
    /// The property id this store uses for `name`.
    pub fn id(&self, name: &NamedProp) -> Option<PropId> {
        self.by_name.get(name).copied()
    }
    /// Number of named properties mapped.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }
    /// Whether nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

/// What a property can be asked for by: its id (`PropId`, for tagged properties) or its name
/// (`&NamedProp`, resolved through the store's name map).
pub trait PropKey {
    /// The id this key stands for in a store with name map `names`.
    fn id_in(self, names: &NameMap) -> Option<PropId>;
}

impl PropKey for PropId {
    fn id_in(self, _: &NameMap) -> Option<PropId> {
        Some(self)
    }
}

impl PropKey for &NamedProp {
    fn id_in(self, names: &NameMap) -> Option<PropId> {
        names.id(self)
    }
}

/// All properties of one object, keyed by property id, with the store's name map so that
/// named properties can be asked for by name.
#[derive(Debug, Clone, Default)]
pub struct PropertyBag {
    /// Sorted by id, each id once. A property context's records arrive in id order, so a
    /// bag is built by pushing; lookups are binary searches.
    props: Vec<(PropId, PropValue<'static>)>,
    names: Arc<NameMap>,
}

impl PropertyBag {
    /// An empty bag with no named-property map.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty bag that resolves named properties through `names`.
    pub fn with_names(names: Arc<NameMap>) -> Self {
        Self {
            props: Vec::new(),
            names,
        }
    }

    /// A bag of `values` (in any order; of two values with one id, the later is kept) that
    /// resolves named properties through `names`.
    pub fn from_values(names: Arc<NameMap>, mut values: Vec<(PropId, PropValue<'static>)>) -> Self {
        if !values.windows(2).all(|w| matches!(w, [a, b] if a.0 < b.0)) {
            // Stable, so that equal ids stay in order and the last of each run is the later.
            values.sort_by_key(|v| v.0);
            values.reverse();
            values.dedup_by_key(|v| v.0);
            values.reverse();
        }
        Self {
            props: values,
            names,
        }
    }

    /// Sets property `id`.
    pub fn insert(&mut self, id: PropId, value: PropValue<'static>) {
        match self.position(id) {
            Ok(i) => {
                if let Some(slot) = self.props.get_mut(i) {
                    slot.1 = value;
                }
            }
            Err(i) => self.props.insert(i, (id, value)),
        }
    }

    /// Where `id` is (`Ok`), or where it would go (`Err`).
    fn position(&self, id: PropId) -> Result<usize, usize> {
        // Pushing in id order is the common case: check the end first.
        match self.props.last() {
            Some(&(last, _)) if last < id => Err(self.props.len()),
            None => Err(0),
            _ => self.props.binary_search_by_key(&id, |v| v.0),
        }
    }

    /// Sets a named property, giving it an id in this bag's name map if it has none.
    pub fn insert_named(&mut self, name: &NamedProp, value: PropValue<'static>) {
        let id = match self.names.id(name) {
            Some(id) => id,
            None => {
                let map = Arc::make_mut(&mut self.names);
                let id = (0x8000u16..=0xFFFE)
                    .map(PropId)
                    .find(|i| map.name(*i).is_none())
                    .unwrap_or(PropId(0xFFFF));
                map.insert(id, name.clone());
                id
            }
        };
        self.insert(id, value);
    }

    /// A property, whatever its type: by id (`pid::SUBJECT`) or by name
    /// (`&pid::LID_LOCATION`).
    pub fn get(&self, key: impl PropKey) -> Option<&PropValue<'static>> {
        let i = self.position(key.id_in(&self.names)?).ok()?;
        self.props.get(i).map(|v| &v.1)
    }

    /// Every property, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (PropId, &PropValue<'static>)> {
        self.props.iter().map(|(k, v)| (*k, v))
    }

    /// The named property behind an id of this bag, if it is one.
    pub fn name_of(&self, id: PropId) -> Option<&NamedProp> {
        self.names.name(id)
    }

    /// The store's name map.
    pub fn names(&self) -> &Arc<NameMap> {
        &self.names
    }

    /// Number of properties.
    pub fn len(&self) -> usize {
        self.props.len()
    }

    /// Whether the bag is empty.
    pub fn is_empty(&self) -> bool {
        self.props.is_empty()
    }

    /// A string property (empty strings count as absent).
    pub fn str(&self, key: impl PropKey) -> Option<&str> {
        self.get(key)
            .and_then(PropValue::as_str)
            .filter(|s| !s.is_empty())
    }
    /// A binary property.
    pub fn binary(&self, key: impl PropKey) -> Option<&[u8]> {
        self.get(key).and_then(PropValue::as_binary)
    }
    /// An integer property as `i32`.
    pub fn i32(&self, key: impl PropKey) -> Option<i32> {
        self.get(key).and_then(PropValue::as_i32)
    }
    /// A boolean property.
    pub fn bool(&self, key: impl PropKey) -> Option<bool> {
        self.get(key).and_then(PropValue::as_bool)
    }
    /// A time property as UTC.
    pub fn time(&self, key: impl PropKey) -> Option<DateTime<Utc>> {
        self.get(key).and_then(PropValue::as_time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messaging::pid;
    use std::borrow::Cow;

    #[test]
    fn bag_keeps_one_value_per_id_in_id_order() {
        let int = PropValue::Integer32;
        let id = PropId;
        let bag = PropertyBag::from_values(
            Arc::default(),
            vec![
                (id(0x3001), int(1)),
                (id(0x0037), int(2)),
                (id(0x3001), int(3)),
                (id(0x0001), int(4)),
            ],
        );
        // The later of two values with one id wins, as with insert.
        let ids: Vec<(u16, i32)> = bag
            .iter()
            .map(|(id, v)| (id.0, v.as_i32().unwrap_or(-1)))
            .collect();
        assert_eq!(ids, [(0x0001, 4), (0x0037, 2), (0x3001, 3)]);

        let mut bag = bag;
        bag.insert(id(0x0037), int(5));
        bag.insert(id(0x0002), int(6));
        bag.insert(id(0xFFFF), int(7));
        let ids: Vec<u16> = bag.iter().map(|(id, _)| id.0).collect();
        assert_eq!(ids, [0x0001, 0x0002, 0x0037, 0x3001, 0xFFFF]);
        assert_eq!(bag.i32(id(0x0037)), Some(5));
        assert_eq!(bag.i32(id(0x0003)), None);
        assert_eq!(bag.len(), 5);
    }

    #[test]
    fn named_lookup_goes_through_the_map() {
        let mut names = NameMap::default();
        names.insert(PropId(0x8003), pid::LID_APPOINTMENT_RECUR);
        let mut bag = PropertyBag::with_names(Arc::new(names));
        bag.insert(PropId(0x8003), PropValue::Binary(Cow::Owned(vec![1, 2, 3])));
        bag.insert(pid::SUBJECT, PropValue::String(Cow::Borrowed("Hello")));
        assert_eq!(
            bag.binary(&pid::LID_APPOINTMENT_RECUR),
            Some(&[1u8, 2, 3][..])
        );
        assert_eq!(
            bag.binary(&NamedProp::lid(psets::PSETID_TASK, 0x8216)),
            None
        );
        assert_eq!(bag.str(pid::SUBJECT), Some("Hello"));

        bag.insert_named(
            &pid::NAME_KEYWORDS,
            PropValue::MultipleString(vec!["a".into()]),
        );
        let kw = bag.get(&pid::NAME_KEYWORDS);
        assert_eq!(kw.and_then(PropValue::as_strings), Some(vec!["a"]));
    }
}
