//! Property contexts ([MS-PST] 2.3.3): a BTH of property id -> (type, value or HNID).

use std::borrow::Cow;

use crate::error::{Error, Location, Result, Warning};
use crate::ltp::heap::{BTreeOnHeap, ClientSig};
use crate::ltp::node::LtpNode;
use crate::ltp::prop::{PropId, PropTag, PropType, PropValue};
use crate::ltp::value::decode_value;
use crate::ndb::bytes::ReadLe;

/// One PC record (PC BTH record, [MS-PST] 2.3.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcRecord {
    /// The property tag.
    pub tag: PropTag,
    /// `dwValueHnid`: the value itself when it fits in 4 bytes, else an HNID.
    pub value: u32,
}

/// A property context over an opened node.
#[derive(Debug)]
pub struct PropertyContext<'n, 'a> {
    node: &'n LtpNode<'a>,
    records: Vec<PcRecord>,
}

impl<'n, 'a> PropertyContext<'n, 'a> {
    /// Reads the PC stored in `node`'s heap.
    pub fn new(node: &'n LtpNode<'a>) -> Result<Self> {
        let at = Location::node(node.nid());
        if node.heap().client_sig() != ClientSig::PROPERTY_CONTEXT {
            return Err(Error::corrupt(
                at,
                format!(
                    "heap holds {:#x}, not a property context",
                    node.heap().client_sig().0
                ),
            ));
        }
        let bth = BTreeOnHeap::new(node.heap(), node.heap().user_root())?;
        if bth.key_size() != 2 || bth.value_size() != 6 {
            return Err(Error::corrupt(
                at,
                "property context BTH has the wrong record shape",
            ));
        }
        let raw = bth.records()?;
        let mut records = Vec::with_capacity(raw.len());
        records.extend(raw.into_iter().filter_map(|(k, v)| {
            let id = k.u16_at(0)?;
            let ty = v.u16_at(0)?;
            Some(PcRecord {
                tag: PropTag::new(PropId(id), PropType(ty)),
                value: v.u32_at(2)?,
            })
        }));
        Ok(Self { node, records })
    }

    /// The records, in property id order.
    pub fn records(&self) -> &[PcRecord] {
        &self.records
    }

    /// The record for property `id`, whatever its type.
    pub fn record(&self, id: PropId) -> Option<PcRecord> {
        self.records
            .binary_search_by_key(&id, |r| r.tag.id())
            .ok()
            .and_then(|i| self.records.get(i))
            .copied()
    }

    /// Decodes one record's value.
    pub fn value(&self, rec: PcRecord, codepage: u32) -> Result<PropValue<'_>> {
        let ty = rec.tag.ty();
        let at = Location::node(self.node.nid());
        // Values of up to 4 bytes live in dwValueHnid itself ([MS-PST] 2.3.3.3).
        match ty.fixed_size() {
            Some(n) if n <= 4 => {
                let inline = rec.value.to_le_bytes();
                let bytes = inline.get(..n).unwrap_or(&inline);
                // A fixed-size value borrows nothing from its bytes, so it outlives them.
                decode_value(ty, Cow::Borrowed(bytes), codepage, at).map(PropValue::into_owned)
            }
            _ => decode_value(ty, self.node.hnid_bytes(rec.value)?, codepage, at),
        }
    }

    /// Property `id`, decoded (`None` when absent).
    pub fn get(&self, id: PropId, codepage: u32) -> Result<Option<PropValue<'_>>> {
        match self.record(id) {
            Some(r) => self.value(r, codepage).map(Some),
            None => Ok(None),
        }
    }

    /// Every property, decoded and detached. Values that cannot be read are skipped and
    /// reported.
    pub fn all(
        &self,
        codepage: u32,
        warnings: &mut Vec<Warning>,
    ) -> Vec<(PropId, PropValue<'static>)> {
        let mut out = Vec::with_capacity(self.records.len());
        for rec in &self.records {
            match self.value(*rec, codepage) {
                Ok(v) => out.push((rec.tag.id(), v.into_owned())),
                Err(e) => {
                    let mut w = Warning::from(e);
                    w.what = format!("property {:#010x} skipped: {}", rec.tag.0, w.what);
                    warnings.push(w);
                }
            }
        }
        out
    }
}
