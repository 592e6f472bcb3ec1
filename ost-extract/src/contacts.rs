//! Contacts and distribution lists to vCard ([MS-OXOCNTC], [MS-OXVCARD]).
