//! Property bags: every property of one object (message, recipient, attachment, folder),
//! detached from the file, with named properties resolved ([MS-PST] 2.4.7).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::ltp::prop::{Guid, PropValue};

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
    /// A string name, e.g. `"Keywords"` in `PS_PUBLIC_STRINGS`.
    String(String),
}

/// A named property: its property set and its name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NamedProp {
    /// The property set (`PSETID_*`).
    pub set: Guid,
    /// The name within that set.
    pub name: PropName,
}

impl NamedProp {
    /// A numerically named property (`PidLid*`).
    pub fn lid(set: Guid, id: u32) -> Self {
        Self {
            set,
            name: PropName::Id(id),
        }
    }
    /// A string-named property (`PidName*`).
    pub fn string(set: Guid, name: &str) -> Self {
        Self {
            set,
            name: PropName::String(name.to_owned()),
        }
    }
}

/// The two-way map between property ids (0x8000 and up) and named properties of one store.
#[derive(Debug, Clone, Default)]
pub struct NameMap {
    by_id: HashMap<u16, NamedProp>,
    by_name: HashMap<NamedProp, u16>,
}

impl NameMap {
    /// Records that `id` stands for `name` in this store.
    pub fn insert(&mut self, id: u16, name: NamedProp) {
        self.by_name.insert(name.clone(), id);
        self.by_id.insert(id, name);
    }
    /// The named property behind `id`.
    pub fn name(&self, id: u16) -> Option<&NamedProp> {
        self.by_id.get(&id)
    }
    /// The property id this store uses for `name`.
    pub fn id(&self, name: &NamedProp) -> Option<u16> {
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

/// All properties of one object, keyed by property id, with the store's name map so that
/// named properties can be asked for by name.
#[derive(Debug, Clone, Default)]
pub struct PropertyBag {
    /// Sorted by id, each id once. A property context's records arrive in id order, so a
    /// bag is built by pushing; lookups are binary searches.
    props: Vec<(u16, PropValue<'static>)>,
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
    pub fn from_values(names: Arc<NameMap>, mut values: Vec<(u16, PropValue<'static>)>) -> Self {
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
    pub fn insert(&mut self, id: u16, value: PropValue<'static>) {
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
    fn position(&self, id: u16) -> Result<usize, usize> {
        // Pushing in id order is the common case: check the end first.
        match self.props.last() {
            Some(&(last, _)) if last < id => Err(self.props.len()),
            None => Err(0),
            _ => self.props.binary_search_by_key(&id, |v| v.0),
        }
    }

    /// Sets a named property, giving it an id in this bag's name map if it has none.
    pub fn insert_named(&mut self, name: NamedProp, value: PropValue<'static>) {
        let id = match self.names.id(&name) {
            Some(id) => id,
            None => {
                let map = Arc::make_mut(&mut self.names);
                let id = (0x8000u16..=0xFFFE)
                    .find(|i| map.name(*i).is_none())
                    .unwrap_or(0xFFFF);
                map.insert(id, name);
                id
            }
        };
        self.insert(id, value);
    }

    /// Property `id`, whatever its type.
    pub fn get(&self, id: u16) -> Option<&PropValue<'static>> {
        let i = self.position(id).ok()?;
        self.props.get(i).map(|v| &v.1)
    }

    /// A named property.
    pub fn get_named(&self, name: &NamedProp) -> Option<&PropValue<'static>> {
        self.get(self.names.id(name)?)
    }

    /// A numerically named property (`PidLid*`) of property set `set`.
    pub fn lid(&self, set: Guid, id: u32) -> Option<&PropValue<'static>> {
        self.get_named(&NamedProp::lid(set, id))
    }

    /// Every property, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (u16, &PropValue<'static>)> {
        self.props.iter().map(|(k, v)| (*k, v))
    }

    /// The named property behind an id of this bag, if it is one.
    pub fn name_of(&self, id: u16) -> Option<&NamedProp> {
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
    pub fn str(&self, id: u16) -> Option<&str> {
        self.get(id)
            .and_then(PropValue::as_str)
            .filter(|s| !s.is_empty())
    }
    /// A binary property.
    pub fn binary(&self, id: u16) -> Option<&[u8]> {
        self.get(id).and_then(PropValue::as_binary)
    }
    /// An integer property as `i32`.
    pub fn i32(&self, id: u16) -> Option<i32> {
        self.get(id).and_then(PropValue::as_i32)
    }
    /// A boolean property.
    pub fn bool(&self, id: u16) -> Option<bool> {
        self.get(id).and_then(PropValue::as_bool)
    }
    /// A time property as UTC.
    pub fn time(&self, id: u16) -> Option<DateTime<Utc>> {
        self.get(id).and_then(PropValue::as_time)
    }
    /// A string named property (empty strings count as absent).
    pub fn lid_str(&self, set: Guid, id: u32) -> Option<&str> {
        self.lid(set, id)
            .and_then(PropValue::as_str)
            .filter(|s| !s.is_empty())
    }
    /// An integer named property.
    pub fn lid_i32(&self, set: Guid, id: u32) -> Option<i32> {
        self.lid(set, id).and_then(PropValue::as_i32)
    }
    /// A boolean named property.
    pub fn lid_bool(&self, set: Guid, id: u32) -> Option<bool> {
        self.lid(set, id).and_then(PropValue::as_bool)
    }
    /// A time named property.
    pub fn lid_time(&self, set: Guid, id: u32) -> Option<DateTime<Utc>> {
        self.lid(set, id).and_then(PropValue::as_time)
    }
    /// A binary named property.
    pub fn lid_binary(&self, set: Guid, id: u32) -> Option<&[u8]> {
        self.lid(set, id).and_then(PropValue::as_binary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn bag_keeps_one_value_per_id_in_id_order() {
        let int = PropValue::Integer32;
        let bag = PropertyBag::from_values(
            Arc::default(),
            vec![
                (0x3001, int(1)),
                (0x0037, int(2)),
                (0x3001, int(3)),
                (0x0001, int(4)),
            ],
        );
        // The later of two values with one id wins, as with insert.
        let ids: Vec<(u16, i32)> = bag
            .iter()
            .map(|(id, v)| (id, v.as_i32().unwrap_or(-1)))
            .collect();
        assert_eq!(ids, [(0x0001, 4), (0x0037, 2), (0x3001, 3)]);

        let mut bag = bag;
        bag.insert(0x0037, int(5));
        bag.insert(0x0002, int(6));
        bag.insert(0xFFFF, int(7));
        let ids: Vec<u16> = bag.iter().map(|(id, _)| id).collect();
        assert_eq!(ids, [0x0001, 0x0002, 0x0037, 0x3001, 0xFFFF]);
        assert_eq!(bag.i32(0x0037), Some(5));
        assert_eq!(bag.i32(0x0003), None);
        assert_eq!(bag.len(), 5);
    }

    #[test]
    fn named_lookup_goes_through_the_map() {
        let mut names = NameMap::default();
        names.insert(0x8003, NamedProp::lid(psets::PSETID_APPOINTMENT, 0x8216));
        let mut bag = PropertyBag::with_names(Arc::new(names));
        bag.insert(0x8003, PropValue::Binary(Cow::Owned(vec![1, 2, 3])));
        bag.insert(0x0037, PropValue::String(Cow::Borrowed("Hello")));
        assert_eq!(
            bag.lid_binary(psets::PSETID_APPOINTMENT, 0x8216),
            Some(&[1u8, 2, 3][..])
        );
        assert_eq!(bag.lid_binary(psets::PSETID_TASK, 0x8216), None);
        assert_eq!(bag.str(0x0037), Some("Hello"));

        bag.insert_named(
            NamedProp::string(psets::PS_PUBLIC_STRINGS, "Keywords"),
            PropValue::MultipleString(vec!["a".into()]),
        );
        let kw = bag.get_named(&NamedProp::string(psets::PS_PUBLIC_STRINGS, "Keywords"));
        assert_eq!(kw.and_then(PropValue::as_strings), Some(vec!["a"]));
    }
}
