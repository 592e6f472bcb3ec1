//! The properties the workspace reads and writes, by their [MS-OXPROPS] names: one vocabulary
//! for the reader, the writer, the converters and the test fixtures.
//!
//! Tagged properties (`PidTag*`) are `PropId`s named without the prefix (`SUBJECT`); named
//! properties are `NamedProp`s that carry their property set, `LID_` for `PidLid*` (numeric
//! names, `LID_APPOINTMENT_RECUR`) and `NAME_` for `PidName*` (string names, `NAME_KEYWORDS`).
//! Ask a `PropertyBag` for either: `props.str(pid::SUBJECT)`, `props.time(&pid::LID_...)`.
#![allow(missing_docs)]

use super::props::psets::{
    PSETID_ADDRESS, PSETID_APPOINTMENT, PSETID_COMMON, PSETID_MEETING, PSETID_NOTE, PSETID_TASK,
    PS_PUBLIC_STRINGS,
};
use super::props::NamedProp;
use crate::ltp::prop::PropId;

pub const MESSAGE_CLASS: PropId = PropId(0x001A);
pub const SUBJECT: PropId = PropId(0x0037);
pub const SUBJECT_PREFIX: PropId = PropId(0x003D);
pub const NORMALIZED_SUBJECT: PropId = PropId(0x0E1D);
pub const CLIENT_SUBMIT_TIME: PropId = PropId(0x0039);
pub const MESSAGE_DELIVERY_TIME: PropId = PropId(0x0E06);
pub const MESSAGE_FLAGS: PropId = PropId(0x0E07);
pub const HAS_ATTACHMENTS: PropId = PropId(0x0E1B);
pub const MESSAGE_SIZE: PropId = PropId(0x0E08);
pub const IMPORTANCE: PropId = PropId(0x0017);
pub const PRIORITY: PropId = PropId(0x0026);
pub const SENSITIVITY: PropId = PropId(0x0036);
pub const TRANSPORT_MESSAGE_HEADERS: PropId = PropId(0x007D);
pub const INTERNET_MESSAGE_ID: PropId = PropId(0x1035);
pub const IN_REPLY_TO_ID: PropId = PropId(0x1042);
pub const INTERNET_REFERENCES: PropId = PropId(0x1039);
pub const SENDER_NAME: PropId = PropId(0x0C1A);
pub const SENDER_EMAIL_ADDRESS: PropId = PropId(0x0C1F);
pub const SENDER_ADDRTYPE: PropId = PropId(0x0C1E);
pub const SENDER_SMTP_ADDRESS: PropId = PropId(0x5D01);
pub const SENT_REPRESENTING_NAME: PropId = PropId(0x0042);
pub const SENT_REPRESENTING_EMAIL_ADDRESS: PropId = PropId(0x0065);
pub const SENT_REPRESENTING_ADDRTYPE: PropId = PropId(0x0064);
pub const SENT_REPRESENTING_SMTP_ADDRESS: PropId = PropId(0x5D02);
pub const DISPLAY_TO: PropId = PropId(0x0E04);
pub const DISPLAY_CC: PropId = PropId(0x0E03);
pub const DISPLAY_BCC: PropId = PropId(0x0E02);
pub const BODY: PropId = PropId(0x1000);
pub const RTF_COMPRESSED: PropId = PropId(0x1009);
pub const RTF_IN_SYNC: PropId = PropId(0x0E1F);
pub const BODY_HTML: PropId = PropId(0x1013);
pub const NATIVE_BODY: PropId = PropId(0x1016);
pub const INTERNET_CODEPAGE: PropId = PropId(0x3FDE);
pub const MESSAGE_CODEPAGE: PropId = PropId(0x3FFD);
pub const CREATION_TIME: PropId = PropId(0x3007);
pub const LAST_MODIFICATION_TIME: PropId = PropId(0x3008);
pub const SEARCH_KEY: PropId = PropId(0x300B);
pub const ENTRY_ID: PropId = PropId(0x0FFF);
pub const RECORD_KEY: PropId = PropId(0x0FF9);

// Recipients.
pub const RECIPIENT_TYPE: PropId = PropId(0x0C15);
pub const DISPLAY_NAME: PropId = PropId(0x3001);
pub const ADDRTYPE: PropId = PropId(0x3002);
pub const EMAIL_ADDRESS: PropId = PropId(0x3003);
pub const SMTP_ADDRESS: PropId = PropId(0x39FE);
pub const RECIPIENT_ENTRY_ID: PropId = PropId(0x0FFF);

// Attachments.
pub const ATTACH_DATA_BINARY: PropId = PropId(0x3701);
pub const ATTACH_DATA_OBJECT: PropId = PropId(0x3701);
pub const ATTACH_SIZE: PropId = PropId(0x0E20);
pub const ATTACH_FILENAME: PropId = PropId(0x3704);
pub const ATTACH_METHOD: PropId = PropId(0x3705);
pub const ATTACH_LONG_FILENAME: PropId = PropId(0x3707);
pub const ATTACH_PATHNAME: PropId = PropId(0x3708);
pub const ATTACH_LONG_PATHNAME: PropId = PropId(0x370D);
pub const ATTACH_MIME_TAG: PropId = PropId(0x370E);
pub const ATTACH_CONTENT_ID: PropId = PropId(0x3712);
pub const ATTACH_CONTENT_LOCATION: PropId = PropId(0x3713);
pub const ATTACH_FLAGS: PropId = PropId(0x3714);
pub const ATTACH_EXTENSION: PropId = PropId(0x3703);
pub const ATTACHMENT_HIDDEN: PropId = PropId(0x7FFE);
pub const ATTACHMENT_FLAGS: PropId = PropId(0x7FFD);
pub const ATTACH_NUMBER: PropId = PropId(0x0E21);
pub const EXCEPTION_START_TIME: PropId = PropId(0x7FFB);
pub const EXCEPTION_END_TIME: PropId = PropId(0x7FFC);
pub const ATTACH_RENDERING: PropId = PropId(0x3709);
pub const RENDERING_POSITION: PropId = PropId(0x370B);

// Folders and store.
pub const CONTENT_COUNT: PropId = PropId(0x3602);
pub const CONTENT_UNREAD_COUNT: PropId = PropId(0x3603);
pub const SUBFOLDERS: PropId = PropId(0x360A);
pub const CONTAINER_CLASS: PropId = PropId(0x3613);
pub const IPM_SUBTREE_ENTRY_ID: PropId = PropId(0x35E0);
pub const IPM_WASTEBASKET_ENTRY_ID: PropId = PropId(0x35E3);
pub const IPM_OUTBOX_ENTRY_ID: PropId = PropId(0x35E2);
pub const IPM_SENTMAIL_ENTRY_ID: PropId = PropId(0x35E4);
pub const IPM_APPOINTMENT_ENTRY_ID: PropId = PropId(0x36D0);
pub const IPM_CONTACT_ENTRY_ID: PropId = PropId(0x36D1);
pub const IPM_JOURNAL_ENTRY_ID: PropId = PropId(0x36D2);
pub const IPM_NOTE_ENTRY_ID: PropId = PropId(0x36D3);
pub const IPM_TASK_ENTRY_ID: PropId = PropId(0x36D4);
pub const IPM_DRAFTS_ENTRY_ID: PropId = PropId(0x36D7);
pub const ADDITIONAL_REN_ENTRY_IDS: PropId = PropId(0x36D8);
pub const FINDER_ENTRY_ID: PropId = PropId(0x35E7);
pub const RECORD_KEY_STORE: PropId = PropId(0x0FF9);
pub const PST_PASSWORD: PropId = PropId(0x67FF);
pub const LTP_ROW_ID: PropId = PropId(0x67F2);
pub const LTP_ROW_VER: PropId = PropId(0x67F3);

// The name-to-id map ([MS-PST] 2.4.7): bucket count, streams, and the first hash bucket.
pub const NAMEID_BUCKET_COUNT: PropId = PropId(0x0001);
pub const NAMEID_STREAM_GUID: PropId = PropId(0x0002);
pub const NAMEID_STREAM_ENTRY: PropId = PropId(0x0003);
pub const NAMEID_STREAM_STRING: PropId = PropId(0x0004);
pub const NAMEID_BUCKET_BASE: PropId = PropId(0x1000);

// Table template columns and store bookkeeping ([MS-PST] 2.4.3 - 2.4.6).
pub const MESSAGE_TO_ME: PropId = PropId(0x0057);
pub const MESSAGE_CC_ME: PropId = PropId(0x0058);
pub const CONVERSATION_INDEX: PropId = PropId(0x0071);
pub const RESPONSIBILITY: PropId = PropId(0x0E0F);
pub const MESSAGE_STATUS: PropId = PropId(0x0E17);
pub const REPL_ITEMID: PropId = PropId(0x0E30);
pub const REPL_CHANGENUM: PropId = PropId(0x0E33);
pub const REPL_VERSION_HISTORY: PropId = PropId(0x0E34);
pub const REPL_FLAGS: PropId = PropId(0x0E38);
pub const REPL_COPIED_FROM_VERSION_HISTORY: PropId = PropId(0x0E3C);
pub const REPL_COPIED_FROM_ITEMID: PropId = PropId(0x0E3D);
pub const OBJECT_TYPE: PropId = PropId(0x0FFE);
pub const ITEM_TEMPORARY_FLAGS: PropId = PropId(0x1097);
pub const ROW_ID: PropId = PropId(0x3000);
pub const ASSOCIATED_CONTENT_COUNT: PropId = PropId(0x3617);
pub const VALID_FOLDER_MASK: PropId = PropId(0x35DF);
pub const DISPLAY_TYPE: PropId = PropId(0x3900);
pub const ADDRESS_BOOK_DISPLAY_NAME_PRINTABLE: PropId = PropId(0x39FF);
pub const SEND_RICH_INFO: PropId = PropId(0x3A40);
pub const SECURE_SUBMIT_FLAGS: PropId = PropId(0x65C6);
pub const PST_HIDDEN_COUNT: PropId = PropId(0x6635);
pub const PST_HIDDEN_UNREAD: PropId = PropId(0x6636);

// Messages, senders and the mailbox owner.
pub const CONVERSATION_TOPIC: PropId = PropId(0x0070);
pub const RECIPIENT_DISPLAY_NAME: PropId = PropId(0x5FF6);
pub const SENDER_ENTRY_ID: PropId = PropId(0x0C19);
pub const SENDER_SEARCH_KEY: PropId = PropId(0x0C1D);
pub const SENT_REPRESENTING_ENTRY_ID: PropId = PropId(0x0041);
pub const SENT_REPRESENTING_SEARCH_KEY: PropId = PropId(0x003B);
pub const MAILBOX_OWNER_ENTRY_ID: PropId = PropId(0x661B);
pub const MAILBOX_OWNER_NAME: PropId = PropId(0x661C);
pub const ROAMING_BINARY: PropId = PropId(0x7C09);
pub const RECEIVED_BY_ENTRY_ID: PropId = PropId(0x003F);
pub const RECEIVED_REPRESENTING_ENTRY_ID: PropId = PropId(0x0043);
pub const PARENT_ENTRY_ID: PropId = PropId(0x0E09);
pub const SENT_MAIL_ENTRY_ID: PropId = PropId(0x0E0A);
/// `PidTagRecipientEntryId` (0x5FF7) of a recipient row; [`RECIPIENT_ENTRY_ID`] is the row's
/// `PidTagEntryId`.
pub const RECIPIENT_OWN_ENTRY_ID: PropId = PropId(0x5FF7);
pub const WLINK_ENTRY_ID: PropId = PropId(0x684C);
pub const FLAG_STATUS: PropId = PropId(0x1090);
pub const LAST_VERB_EXECUTED: PropId = PropId(0x1081);

// Calendar items and meeting messages ([MS-OXOCAL]).
pub const START_DATE: PropId = PropId(0x0060);
pub const END_DATE: PropId = PropId(0x0061);
pub const RECIPIENT_FLAGS: PropId = PropId(0x5FFD);
pub const RECIPIENT_TRACK_STATUS: PropId = PropId(0x5FFF);
pub const EXCEPTION_REPLACE_TIME: PropId = PropId(0x7FF9);

// Contacts ([MS-OXOCNTC] 2.2).
pub const GIVEN_NAME: PropId = PropId(0x3A06);
pub const SURNAME: PropId = PropId(0x3A11);
pub const MIDDLE_NAME: PropId = PropId(0x3A44);
pub const DISPLAY_NAME_PREFIX: PropId = PropId(0x3A45);
pub const GENERATION: PropId = PropId(0x3A05);
pub const INITIALS: PropId = PropId(0x3A0A);
pub const NICKNAME: PropId = PropId(0x3A4F);
pub const PRIMARY_TELEPHONE: PropId = PropId(0x3A1A);
pub const BUSINESS_TELEPHONE: PropId = PropId(0x3A08);
pub const BUSINESS2_TELEPHONE: PropId = PropId(0x3A1B);
pub const HOME_TELEPHONE: PropId = PropId(0x3A09);
pub const HOME2_TELEPHONE: PropId = PropId(0x3A2F);
pub const MOBILE_TELEPHONE: PropId = PropId(0x3A1C);
pub const CAR_TELEPHONE: PropId = PropId(0x3A1E);
pub const OTHER_TELEPHONE: PropId = PropId(0x3A1F);
pub const PAGER_TELEPHONE: PropId = PropId(0x3A21);
pub const ASSISTANT_TELEPHONE: PropId = PropId(0x3A2E);
pub const CALLBACK_TELEPHONE: PropId = PropId(0x3A02);
pub const COMPANY_MAIN_TELEPHONE: PropId = PropId(0x3A57);
pub const ISDN_NUMBER: PropId = PropId(0x3A2D);
pub const RADIO_TELEPHONE: PropId = PropId(0x3A1D);
pub const TELEX_NUMBER: PropId = PropId(0x3A2C);
pub const TTY_TDD_PHONE: PropId = PropId(0x3A4B);
pub const BUSINESS_FAX: PropId = PropId(0x3A24);
pub const HOME_FAX: PropId = PropId(0x3A25);
pub const PRIMARY_FAX: PropId = PropId(0x3A23);
pub const COMPANY_NAME: PropId = PropId(0x3A16);
pub const DEPARTMENT_NAME: PropId = PropId(0x3A18);
pub const TITLE: PropId = PropId(0x3A17);
pub const PROFESSION: PropId = PropId(0x3A46);
pub const MANAGER_NAME: PropId = PropId(0x3A4E);
pub const ASSISTANT: PropId = PropId(0x3A30);
pub const OFFICE_LOCATION: PropId = PropId(0x3A19);
pub const SPOUSE_NAME: PropId = PropId(0x3A48);
pub const CHILDRENS_NAMES: PropId = PropId(0x3A58);
pub const BIRTHDAY: PropId = PropId(0x3A42);
pub const WEDDING_ANNIVERSARY: PropId = PropId(0x3A41);
pub const GENDER: PropId = PropId(0x3A4D);
pub const PERSONAL_HOME_PAGE: PropId = PropId(0x3A50);
pub const BUSINESS_HOME_PAGE: PropId = PropId(0x3A51);
pub const FTP_SITE: PropId = PropId(0x3A4C);
pub const ATTACHMENT_CONTACT_PHOTO: PropId = PropId(0x7FFF);
pub const HOBBIES: PropId = PropId(0x3A43);
pub const ACCOUNT: PropId = PropId(0x3A00);
pub const CUSTOMER_ID: PropId = PropId(0x3A4A);
pub const GOVERNMENT_ID_NUMBER: PropId = PropId(0x3A07);
pub const ORGANIZATIONAL_ID_NUMBER: PropId = PropId(0x3A10);
pub const LANGUAGE: PropId = PropId(0x3A0C);
pub const LOCATION: PropId = PropId(0x3A0D);
pub const COMPUTER_NETWORK_NAME: PropId = PropId(0x3A49);
pub const REFERRED_BY_NAME: PropId = PropId(0x3A47);

// Postal addresses of contacts ([MS-OXOCNTC] 2.2.1.3).
pub const HOME_ADDRESS_STREET: PropId = PropId(0x3A5D);
pub const HOME_ADDRESS_CITY: PropId = PropId(0x3A59);
pub const HOME_ADDRESS_STATE_OR_PROVINCE: PropId = PropId(0x3A5C);
pub const HOME_ADDRESS_POSTAL_CODE: PropId = PropId(0x3A5B);
pub const HOME_ADDRESS_COUNTRY: PropId = PropId(0x3A5A);
pub const HOME_ADDRESS_POST_OFFICE_BOX: PropId = PropId(0x3A5E);
pub const OTHER_ADDRESS_STREET: PropId = PropId(0x3A63);
pub const OTHER_ADDRESS_CITY: PropId = PropId(0x3A5F);
pub const OTHER_ADDRESS_STATE_OR_PROVINCE: PropId = PropId(0x3A62);
pub const OTHER_ADDRESS_POSTAL_CODE: PropId = PropId(0x3A61);
pub const OTHER_ADDRESS_COUNTRY: PropId = PropId(0x3A60);
pub const OTHER_ADDRESS_POST_OFFICE_BOX: PropId = PropId(0x3A64);
pub const STREET_ADDRESS: PropId = PropId(0x3A29);
pub const LOCALITY: PropId = PropId(0x3A27);
pub const STATE_OR_PROVINCE: PropId = PropId(0x3A28);
pub const POSTAL_CODE: PropId = PropId(0x3A2A);
pub const COUNTRY: PropId = PropId(0x3A26);
pub const POST_OFFICE_BOX: PropId = PropId(0x3A2B);

// Named properties: numeric names (`PidLid*`).
const fn lid(set: crate::ltp::prop::Guid, id: u32) -> NamedProp {
    NamedProp::lid(set, id)
}

// PSETID_Appointment ([MS-OXOCAL]).
pub const LID_APPOINTMENT_SEQUENCE: NamedProp = lid(PSETID_APPOINTMENT, 0x8201);
pub const LID_BUSY_STATUS: NamedProp = lid(PSETID_APPOINTMENT, 0x8205);
pub const LID_F_EXCEPTIONAL_BODY: NamedProp = lid(PSETID_APPOINTMENT, 0x8206);
pub const LID_LOCATION: NamedProp = lid(PSETID_APPOINTMENT, 0x8208);
pub const LID_APPOINTMENT_START_WHOLE: NamedProp = lid(PSETID_APPOINTMENT, 0x820D);
pub const LID_APPOINTMENT_END_WHOLE: NamedProp = lid(PSETID_APPOINTMENT, 0x820E);
pub const LID_APPOINTMENT_DURATION: NamedProp = lid(PSETID_APPOINTMENT, 0x8213);
pub const LID_APPOINTMENT_SUB_TYPE: NamedProp = lid(PSETID_APPOINTMENT, 0x8215);
pub const LID_APPOINTMENT_RECUR: NamedProp = lid(PSETID_APPOINTMENT, 0x8216);
pub const LID_APPOINTMENT_STATE_FLAGS: NamedProp = lid(PSETID_APPOINTMENT, 0x8217);
pub const LID_RECURRING: NamedProp = lid(PSETID_APPOINTMENT, 0x8223);
pub const LID_EXCEPTION_REPLACE_TIME: NamedProp = lid(PSETID_APPOINTMENT, 0x8228);
pub const LID_RECURRENCE_TYPE: NamedProp = lid(PSETID_APPOINTMENT, 0x8231);
pub const LID_RECURRENCE_PATTERN: NamedProp = lid(PSETID_APPOINTMENT, 0x8232);
pub const LID_TIME_ZONE_STRUCT: NamedProp = lid(PSETID_APPOINTMENT, 0x8233);
pub const LID_TIME_ZONE_DESCRIPTION: NamedProp = lid(PSETID_APPOINTMENT, 0x8234);
pub const LID_CLIP_START: NamedProp = lid(PSETID_APPOINTMENT, 0x8235);
pub const LID_CLIP_END: NamedProp = lid(PSETID_APPOINTMENT, 0x8236);
pub const LID_APPOINTMENT_TIME_ZONE_DEFINITION_START_DISPLAY: NamedProp =
    lid(PSETID_APPOINTMENT, 0x825E);
pub const LID_APPOINTMENT_TIME_ZONE_DEFINITION_END_DISPLAY: NamedProp =
    lid(PSETID_APPOINTMENT, 0x825F);
pub const LID_APPOINTMENT_TIME_ZONE_DEFINITION_RECUR: NamedProp = lid(PSETID_APPOINTMENT, 0x8260);

// PSETID_Meeting.
pub const LID_GLOBAL_OBJECT_ID: NamedProp = lid(PSETID_MEETING, 0x0003);
pub const LID_CLEAN_GLOBAL_OBJECT_ID: NamedProp = lid(PSETID_MEETING, 0x0023);

// PSETID_Common.
pub const LID_REMINDER_DELTA: NamedProp = lid(PSETID_COMMON, 0x8501);
pub const LID_REMINDER_TIME: NamedProp = lid(PSETID_COMMON, 0x8502);
pub const LID_REMINDER_SET: NamedProp = lid(PSETID_COMMON, 0x8503);
pub const LID_COMMON_START: NamedProp = lid(PSETID_COMMON, 0x8516);
pub const LID_COMMON_END: NamedProp = lid(PSETID_COMMON, 0x8517);
pub const LID_TASK_GLOBAL_ID: NamedProp = lid(PSETID_COMMON, 0x8519);
pub const LID_MILEAGE: NamedProp = lid(PSETID_COMMON, 0x8534);
pub const LID_BILLING: NamedProp = lid(PSETID_COMMON, 0x8535);
pub const LID_INTERNET_ACCOUNT_NAME: NamedProp = lid(PSETID_COMMON, 0x8580);
pub const LID_REFERENCE_ENTRY_ID: NamedProp = lid(PSETID_COMMON, 0x85BD);

// PSETID_Task ([MS-OXOTASK]).
pub const LID_TASK_STATUS: NamedProp = lid(PSETID_TASK, 0x8101);
pub const LID_PERCENT_COMPLETE: NamedProp = lid(PSETID_TASK, 0x8102);
pub const LID_TASK_START_DATE: NamedProp = lid(PSETID_TASK, 0x8104);
pub const LID_TASK_DUE_DATE: NamedProp = lid(PSETID_TASK, 0x8105);
pub const LID_TASK_DATE_COMPLETED: NamedProp = lid(PSETID_TASK, 0x810F);
pub const LID_TASK_RECURRENCE: NamedProp = lid(PSETID_TASK, 0x8116);
pub const LID_TASK_COMPLETE: NamedProp = lid(PSETID_TASK, 0x811C);
pub const LID_TASK_F_RECURRING: NamedProp = lid(PSETID_TASK, 0x8126);

// PSETID_Note ([MS-OXONOTE]).
pub const LID_NOTE_COLOR: NamedProp = lid(PSETID_NOTE, 0x8B00);
pub const LID_NOTE_WIDTH: NamedProp = lid(PSETID_NOTE, 0x8B02);
pub const LID_NOTE_HEIGHT: NamedProp = lid(PSETID_NOTE, 0x8B03);

// PSETID_Address ([MS-OXOCNTC]).
pub const LID_FILE_UNDER: NamedProp = lid(PSETID_ADDRESS, 0x8005);
pub const LID_HAS_PICTURE: NamedProp = lid(PSETID_ADDRESS, 0x8015);
pub const LID_HOME_ADDRESS: NamedProp = lid(PSETID_ADDRESS, 0x801A);
pub const LID_WORK_ADDRESS: NamedProp = lid(PSETID_ADDRESS, 0x801B);
pub const LID_OTHER_ADDRESS: NamedProp = lid(PSETID_ADDRESS, 0x801C);
pub const LID_POSTAL_ADDRESS_ID: NamedProp = lid(PSETID_ADDRESS, 0x8022);
pub const LID_HTML: NamedProp = lid(PSETID_ADDRESS, 0x802B);
pub const LID_YOMI_FIRST_NAME: NamedProp = lid(PSETID_ADDRESS, 0x802C);
pub const LID_YOMI_LAST_NAME: NamedProp = lid(PSETID_ADDRESS, 0x802D);
pub const LID_YOMI_COMPANY_NAME: NamedProp = lid(PSETID_ADDRESS, 0x802E);
pub const LID_WORK_ADDRESS_STREET: NamedProp = lid(PSETID_ADDRESS, 0x8045);
pub const LID_WORK_ADDRESS_CITY: NamedProp = lid(PSETID_ADDRESS, 0x8046);
pub const LID_WORK_ADDRESS_STATE: NamedProp = lid(PSETID_ADDRESS, 0x8047);
pub const LID_WORK_ADDRESS_POSTAL_CODE: NamedProp = lid(PSETID_ADDRESS, 0x8048);
pub const LID_WORK_ADDRESS_COUNTRY: NamedProp = lid(PSETID_ADDRESS, 0x8049);
pub const LID_WORK_ADDRESS_POST_OFFICE_BOX: NamedProp = lid(PSETID_ADDRESS, 0x804A);
pub const LID_CONTACT_USER_FIELD1: NamedProp = lid(PSETID_ADDRESS, 0x804F);
pub const LID_CONTACT_USER_FIELD2: NamedProp = lid(PSETID_ADDRESS, 0x8050);
pub const LID_CONTACT_USER_FIELD3: NamedProp = lid(PSETID_ADDRESS, 0x8051);
pub const LID_CONTACT_USER_FIELD4: NamedProp = lid(PSETID_ADDRESS, 0x8052);
pub const LID_DISTRIBUTION_LIST_NAME: NamedProp = lid(PSETID_ADDRESS, 0x8053);
pub const LID_DISTRIBUTION_LIST_ONE_OFF_MEMBERS: NamedProp = lid(PSETID_ADDRESS, 0x8054);
pub const LID_DISTRIBUTION_LIST_MEMBERS: NamedProp = lid(PSETID_ADDRESS, 0x8055);
pub const LID_INSTANT_MESSAGING_ADDRESS: NamedProp = lid(PSETID_ADDRESS, 0x8062);
pub const LID_DISTRIBUTION_LIST_STREAM: NamedProp = lid(PSETID_ADDRESS, 0x8064);
pub const LID_DISTRIBUTION_LIST_CHECKSUM: NamedProp = lid(PSETID_ADDRESS, 0x804C);
pub const LID_BIRTHDAY_EVENT_ENTRY_ID: NamedProp = lid(PSETID_ADDRESS, 0x804D);
pub const LID_WEDDING_ANNIVERSARY_EVENT_ENTRY_ID: NamedProp = lid(PSETID_ADDRESS, 0x804E);
pub const LID_EMAIL1_DISPLAY_NAME: NamedProp = lid(PSETID_ADDRESS, 0x8080);
pub const LID_EMAIL1_ADDRESS_TYPE: NamedProp = lid(PSETID_ADDRESS, 0x8082);
pub const LID_EMAIL1_EMAIL_ADDRESS: NamedProp = lid(PSETID_ADDRESS, 0x8083);
pub const LID_EMAIL1_ORIGINAL_DISPLAY_NAME: NamedProp = lid(PSETID_ADDRESS, 0x8084);
pub const LID_EMAIL1_ORIGINAL_ENTRY_ID: NamedProp = lid(PSETID_ADDRESS, 0x8085);
pub const LID_EMAIL2_DISPLAY_NAME: NamedProp = lid(PSETID_ADDRESS, 0x8090);
pub const LID_EMAIL2_ADDRESS_TYPE: NamedProp = lid(PSETID_ADDRESS, 0x8092);
pub const LID_EMAIL2_EMAIL_ADDRESS: NamedProp = lid(PSETID_ADDRESS, 0x8093);
pub const LID_EMAIL2_ORIGINAL_DISPLAY_NAME: NamedProp = lid(PSETID_ADDRESS, 0x8094);
pub const LID_EMAIL2_ORIGINAL_ENTRY_ID: NamedProp = lid(PSETID_ADDRESS, 0x8095);
pub const LID_EMAIL3_DISPLAY_NAME: NamedProp = lid(PSETID_ADDRESS, 0x80A0);
pub const LID_EMAIL3_ADDRESS_TYPE: NamedProp = lid(PSETID_ADDRESS, 0x80A2);
pub const LID_EMAIL3_EMAIL_ADDRESS: NamedProp = lid(PSETID_ADDRESS, 0x80A3);
pub const LID_EMAIL3_ORIGINAL_DISPLAY_NAME: NamedProp = lid(PSETID_ADDRESS, 0x80A4);
pub const LID_EMAIL3_ORIGINAL_ENTRY_ID: NamedProp = lid(PSETID_ADDRESS, 0x80A5);
pub const LID_FREE_BUSY_LOCATION: NamedProp = lid(PSETID_ADDRESS, 0x80D8);
pub const LID_BIRTHDAY_LOCAL: NamedProp = lid(PSETID_ADDRESS, 0x80DE);
pub const LID_WEDDING_ANNIVERSARY_LOCAL: NamedProp = lid(PSETID_ADDRESS, 0x80DF);

/// The LIDs at which a contact's e-mail slots (Email1-3) start, in `PSETID_Address`
/// ([MS-OXOCNTC] 2.2.1.2): display name at +0, address type at +2, address at +3, original
/// display name at +4, original entry id at +5. `NamedProp::lid(PSETID_ADDRESS, base + n)`.
pub const LID_EMAIL_SLOT_BASES: [u32; 3] = [0x8080, 0x8090, 0x80A0];
/// The LIDs at which a contact's fax slots (Fax1-3: business, home, primary) start, laid out
/// as the e-mail slots.
pub const LID_FAX_SLOT_BASES: [u32; 3] = [0x80B0, 0x80C0, 0x80D0];

// Named properties: string names (`PidName*`).
pub const NAME_KEYWORDS: NamedProp = NamedProp::string(PS_PUBLIC_STRINGS, "Keywords");
