//! Table contexts ([MS-PST] 2.3.4): TCINFO, column descriptions, the row index and the row
//! matrix with its cell existence bitmaps.

use std::borrow::Cow;

use crate::error::{Error, Location, Result, Warning};
use crate::ltp::heap::{BTreeOnHeap, ClientSig, HeapId};
use crate::ltp::node::LtpNode;
use crate::ltp::prop::{PropTag, PropType, PropValue};
use crate::ltp::value::decode_value;
use crate::ndb::bytes::ReadLe;

/// One column (TCOLDESC, [MS-PST] 2.3.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The property the column holds.
    pub tag: PropTag,
    /// Offset of the cell within a row.
    pub offset: u16,
    /// Size of the cell.
    pub size: u8,
    /// Bit of the cell existence bitmap that says whether the cell has a value.
    pub bit: u8,
}

/// A table context over an opened node.
#[derive(Debug)]
pub struct TableContext<'n, 'a> {
    node: &'n LtpNode<'a>,
    columns: Vec<Column>,
    row_size: usize,
    bitmap_offset: usize,
    rows: Vec<Cow<'n, [u8]>>,
    row_count: usize,
}

impl<'n, 'a> TableContext<'n, 'a> {
    /// Reads the TC stored in `node`'s heap.
    pub fn new(node: &'n LtpNode<'a>) -> Result<Self> {
        let at = Location::node(node.nid());
        let heap = node.heap();
        if heap.client_sig() != ClientSig::TABLE_CONTEXT {
            return Err(Error::corrupt(
                at,
                format!("heap holds {:#x}, not a table context", heap.client_sig().0),
            ));
        }
        let info = heap.item(heap.user_root())?;
        let short = || Error::corrupt(at, "TCINFO truncated");
        if info.u8_at(0) != Some(ClientSig::TABLE_CONTEXT.0) {
            return Err(Error::corrupt(at, "TCINFO has the wrong type"));
        }
        let ncols = usize::from(info.u8_at(1).ok_or_else(short)?);
        // rgib: end offsets of the 4-byte, 2-byte, 1-byte cells and of the bitmap.
        let bitmap_offset = usize::from(info.u16_at(6).ok_or_else(short)?);
        let row_size = usize::from(info.u16_at(8).ok_or_else(short)?);
        let row_index = HeapId(info.u32_at(10).ok_or_else(short)?);
        let rows_hnid = info.u32_at(14).ok_or_else(short)?;
        let mut columns = Vec::with_capacity(ncols);
        for i in 0..ncols {
            let c = info.bytes_at(22 + 8 * i, 8).ok_or_else(short)?;
            let col = Column {
                tag: PropTag(c.u32_at(0).ok_or_else(short)?),
                offset: c.u16_at(4).ok_or_else(short)?,
                size: c.u8_at(6).ok_or_else(short)?,
                bit: c.u8_at(7).ok_or_else(short)?,
            };
            if usize::from(col.offset) + usize::from(col.size) > row_size {
                return Err(Error::corrupt(
                    at,
                    format!(
                        "column {:#010x} lies outside the {row_size}-byte row",
                        col.tag.0
                    ),
                ));
            }
            columns.push(col);
        }
        if bitmap_offset > row_size || (ncols > 0 && bitmap_offset + ncols.div_ceil(8) > row_size) {
            return Err(Error::corrupt(
                at,
                "cell existence bitmap lies outside the row",
            ));
        }

        let row_count = if row_index.is_null() {
            0
        } else {
            BTreeOnHeap::new(heap, row_index)?.records()?.len()
        };
        let rows: Vec<Cow<'n, [u8]>> = if rows_hnid == 0 || row_size == 0 {
            Vec::new()
        } else if rows_hnid & 0x1F == 0 {
            vec![Cow::Borrowed(heap.item(HeapId(rows_hnid))?)]
        } else {
            let e = node
                .subnode(crate::ndb::NodeId(rows_hnid))
                .ok_or_else(|| Error::corrupt(at, "row matrix subnode is missing"))?;
            node.ndb()
                .data_blocks(e.data)
                .map_err(|err| err.in_node(node.nid()))?
        };
        Ok(Self {
            node,
            columns,
            row_size,
            bitmap_offset,
            rows,
            row_count,
        })
    }

    /// The columns.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Number of rows (entries of the row index); rows the matrix does not actually hold
    /// are not counted.
    pub fn len(&self) -> usize {
        let stored: usize = self
            .rows
            .iter()
            .map(|b| b.len() / self.row_size.max(1))
            .sum();
        self.row_count.min(stored)
    }

    /// Number of rows the row index declares, whether or not the row matrix holds them all
    /// (more than [`TableContext::len`] when the matrix is cut short).
    pub fn declared_len(&self) -> usize {
        self.row_count
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes of row `i` (rows never straddle blocks of the row matrix).
    fn row(&self, mut i: usize) -> Option<&[u8]> {
        for block in &self.rows {
            let n = block.len() / self.row_size.max(1);
            if i < n {
                return block.get(i * self.row_size..(i + 1) * self.row_size);
            }
            i -= n;
        }
        None
    }

    /// The row id (`dwRowID`) of row `i`: for hierarchy, contents, attachment and recipient
    /// tables, the NID of the object the row describes.
    pub fn row_id(&self, i: usize) -> Option<u32> {
        self.row(i)?.u32_at(0)
    }

    /// Cell `col` of row `i`, decoded; `None` when the cell existence bitmap says it is empty.
    pub fn cell(&self, i: usize, col: &Column, codepage: u32) -> Result<Option<PropValue<'_>>> {
        let at = Location::node(self.node.nid());
        let row = self
            .row(i)
            .ok_or_else(|| Error::corrupt(at, format!("row {i} is missing")))?;
        let bit = usize::from(col.bit);
        let present = row
            .u8_at(self.bitmap_offset + bit / 8)
            .is_some_and(|b| b & (0x80 >> (bit % 8)) != 0);
        if !present {
            return Ok(None);
        }
        let start = usize::from(col.offset);
        let cell = row
            .get(start..start + usize::from(col.size))
            .ok_or_else(|| Error::corrupt(at, "cell outside its row"))?;
        let ty = col.tag.ty();
        let data: Cow<'_, [u8]> = match ty.fixed_size() {
            // Fixed-size values up to 8 bytes are stored in the row itself.
            Some(n) if n <= usize::from(col.size) => Cow::Borrowed(&cell[..n]),
            _ => {
                let hnid = cell
                    .u32_at(0)
                    .ok_or_else(|| Error::corrupt(at, "HNID cell too short"))?;
                if hnid == 0 && ty != PropType::NULL {
                    return Ok(None);
                }
                self.node.hnid_bytes(hnid)?
            }
        };
        decode_value(ty, data, codepage, at).map(Some)
    }

    /// Every present cell of row `i`, decoded and detached; unreadable cells are reported.
    pub fn row_values(
        &self,
        i: usize,
        codepage: u32,
        warnings: &mut Vec<Warning>,
    ) -> Vec<(PropTag, PropValue<'static>)> {
        let mut out = Vec::with_capacity(self.columns.len());
        for col in &self.columns {
            match self.cell(i, col, codepage) {
                Ok(Some(v)) => out.push((col.tag, v.into_owned())),
                Ok(None) => {}
                Err(e) => {
                    let mut w = Warning::from(e);
                    w.what = format!("row {i}, column {:#010x} skipped: {}", col.tag.0, w.what);
                    warnings.push(w);
                }
            }
        }
        out
    }
}
