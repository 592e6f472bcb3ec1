//! Mail to EML and mbox ([MS-OXCMAIL]).
