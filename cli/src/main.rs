//! The `ost-extract` command.
fn main() {}
