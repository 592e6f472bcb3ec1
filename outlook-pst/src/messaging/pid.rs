//! Property identifiers used by the reader and the converters ([MS-OXPROPS]).
//! Names are the spec's `PidTag*` names without the prefix, in Rust case.
#![allow(missing_docs)]

pub const MESSAGE_CLASS: u16 = 0x001A;
pub const SUBJECT: u16 = 0x0037;
pub const SUBJECT_PREFIX: u16 = 0x003D;
pub const NORMALIZED_SUBJECT: u16 = 0x0E1D;
pub const CLIENT_SUBMIT_TIME: u16 = 0x0039;
pub const MESSAGE_DELIVERY_TIME: u16 = 0x0E06;
pub const MESSAGE_FLAGS: u16 = 0x0E07;
pub const MESSAGE_SIZE: u16 = 0x0E08;
pub const IMPORTANCE: u16 = 0x0017;
pub const PRIORITY: u16 = 0x0026;
pub const SENSITIVITY: u16 = 0x0036;
pub const TRANSPORT_MESSAGE_HEADERS: u16 = 0x007D;
pub const INTERNET_MESSAGE_ID: u16 = 0x1035;
pub const IN_REPLY_TO_ID: u16 = 0x1042;
pub const INTERNET_REFERENCES: u16 = 0x1039;
pub const SENDER_NAME: u16 = 0x0C1A;
pub const SENDER_EMAIL_ADDRESS: u16 = 0x0C1F;
pub const SENDER_ADDRTYPE: u16 = 0x0C1E;
pub const SENDER_SMTP_ADDRESS: u16 = 0x5D01;
pub const SENT_REPRESENTING_NAME: u16 = 0x0042;
pub const SENT_REPRESENTING_EMAIL_ADDRESS: u16 = 0x0065;
pub const SENT_REPRESENTING_ADDRTYPE: u16 = 0x0064;
pub const SENT_REPRESENTING_SMTP_ADDRESS: u16 = 0x5D02;
pub const DISPLAY_TO: u16 = 0x0E04;
pub const DISPLAY_CC: u16 = 0x0E03;
pub const DISPLAY_BCC: u16 = 0x0E02;
pub const BODY: u16 = 0x1000;
pub const RTF_COMPRESSED: u16 = 0x1009;
pub const RTF_IN_SYNC: u16 = 0x0E1F;
pub const BODY_HTML: u16 = 0x1013;
pub const NATIVE_BODY: u16 = 0x1016;
pub const INTERNET_CODEPAGE: u16 = 0x3FDE;
pub const MESSAGE_CODEPAGE: u16 = 0x3FFD;
pub const CREATION_TIME: u16 = 0x3007;
pub const LAST_MODIFICATION_TIME: u16 = 0x3008;
pub const SEARCH_KEY: u16 = 0x300B;
pub const ENTRY_ID: u16 = 0x0FFF;
pub const RECORD_KEY: u16 = 0x0FF9;

// Recipients.
pub const RECIPIENT_TYPE: u16 = 0x0C15;
pub const DISPLAY_NAME: u16 = 0x3001;
pub const ADDRTYPE: u16 = 0x3002;
pub const EMAIL_ADDRESS: u16 = 0x3003;
pub const SMTP_ADDRESS: u16 = 0x39FE;
pub const RECIPIENT_ENTRY_ID: u16 = 0x0FFF;

// Attachments.
pub const ATTACH_DATA_BINARY: u16 = 0x3701;
pub const ATTACH_DATA_OBJECT: u16 = 0x3701;
pub const ATTACH_SIZE: u16 = 0x0E20;
pub const ATTACH_FILENAME: u16 = 0x3704;
pub const ATTACH_METHOD: u16 = 0x3705;
pub const ATTACH_LONG_FILENAME: u16 = 0x3707;
pub const ATTACH_PATHNAME: u16 = 0x3708;
pub const ATTACH_LONG_PATHNAME: u16 = 0x370D;
pub const ATTACH_MIME_TAG: u16 = 0x370E;
pub const ATTACH_CONTENT_ID: u16 = 0x3712;
pub const ATTACH_CONTENT_LOCATION: u16 = 0x3713;
pub const ATTACH_FLAGS: u16 = 0x3714;
pub const ATTACH_EXTENSION: u16 = 0x3703;
pub const ATTACHMENT_HIDDEN: u16 = 0x7FFE;
pub const ATTACHMENT_FLAGS: u16 = 0x7FFD;
pub const ATTACH_RENDERING: u16 = 0x3709;
pub const RENDERING_POSITION: u16 = 0x370B;

// Folders and store.
pub const CONTENT_COUNT: u16 = 0x3602;
pub const CONTENT_UNREAD_COUNT: u16 = 0x3603;
pub const SUBFOLDERS: u16 = 0x360A;
pub const CONTAINER_CLASS: u16 = 0x3613;
pub const IPM_SUBTREE_ENTRY_ID: u16 = 0x35E0;
pub const IPM_WASTEBASKET_ENTRY_ID: u16 = 0x35E3;
pub const IPM_OUTBOX_ENTRY_ID: u16 = 0x35E2;
pub const IPM_SENTMAIL_ENTRY_ID: u16 = 0x35E4;
pub const IPM_APPOINTMENT_ENTRY_ID: u16 = 0x36D0;
pub const IPM_CONTACT_ENTRY_ID: u16 = 0x36D1;
pub const IPM_JOURNAL_ENTRY_ID: u16 = 0x36D2;
pub const IPM_NOTE_ENTRY_ID: u16 = 0x36D3;
pub const IPM_TASK_ENTRY_ID: u16 = 0x36D4;
pub const IPM_DRAFTS_ENTRY_ID: u16 = 0x36D7;
pub const FINDER_ENTRY_ID: u16 = 0x35E7;
pub const RECORD_KEY_STORE: u16 = 0x0FF9;
pub const PST_PASSWORD: u16 = 0x67FF;
pub const LTP_ROW_ID: u16 = 0x67F2;
pub const LTP_ROW_VER: u16 = 0x67F3;
