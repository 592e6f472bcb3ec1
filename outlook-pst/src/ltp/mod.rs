//! Lists, Tables and Properties layer ([MS-PST] 2.3): heap-on-node, BTree-on-heap,
//! property contexts and table contexts, built on the NDB layer.

pub mod codepage;
pub mod heap;
pub mod node;
pub mod pc;
pub mod prop;
pub mod tc;
pub mod value;

pub use heap::{BTreeOnHeap, ClientSig, Heap, HeapId};
pub use node::LtpNode;
pub use pc::PropertyContext;
pub use prop::{FileTime, Guid, ObjectRef, PropId, PropTag, PropType, PropValue};
pub use tc::{Column, TableContext};
