//! Lists, Tables and Properties layer ([MS-PST] 2.3): heap-on-node, BTree-on-heap,
//! property contexts and table contexts, built on the NDB layer.

pub mod prop;

pub use prop::{FileTime, Guid, ObjectRef, PropTag, PropType, PropValue};
