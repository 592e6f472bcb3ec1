//! Property identifiers of contacts and distribution lists ([MS-OXOCNTC] 2.2, [MS-OXPROPS]).
//! Tagged properties are ids; `LID_*` are numeric names in `PSETID_Address` unless the name
//! says otherwise.

// Names ([MS-OXOCNTC] 2.2.1.1).
pub const DISPLAY_NAME: u16 = 0x3001;
pub const GIVEN_NAME: u16 = 0x3A06;
pub const SURNAME: u16 = 0x3A11;
pub const MIDDLE_NAME: u16 = 0x3A44;
pub const DISPLAY_NAME_PREFIX: u16 = 0x3A45;
pub const GENERATION: u16 = 0x3A05;
pub const INITIALS: u16 = 0x3A0A;
pub const NICKNAME: u16 = 0x3A4F;
pub const LID_FILE_UNDER: u32 = 0x8005;
pub const LID_YOMI_FIRST_NAME: u32 = 0x802C;
pub const LID_YOMI_LAST_NAME: u32 = 0x802D;
pub const LID_YOMI_COMPANY_NAME: u32 = 0x802E;

// E-mail slots ([MS-OXOCNTC] 2.2.1.2): Email1 at 0x8080, Email2 at 0x8090, Email3 at 0x80A0;
// display name at +0, address type at +2, address at +3, original display name at +4.
pub const LID_EMAIL_BASES: [u32; 3] = [0x8080, 0x8090, 0x80A0];
pub const EMAIL_DISPLAY_NAME: u32 = 0;
pub const EMAIL_ADDR_TYPE: u32 = 2;
pub const EMAIL_ADDRESS: u32 = 3;
pub const EMAIL_ORIGINAL_DISPLAY_NAME: u32 = 4;
// Fax "addresses" (Fax1-3: business, home, primary): address type at +2, address at +3.
pub const LID_FAX_BASES: [u32; 3] = [0x80B0, 0x80C0, 0x80D0];

// Telephone numbers ([MS-OXOCNTC] 2.2.1.4).
pub const PRIMARY_TELEPHONE: u16 = 0x3A1A;
pub const BUSINESS_TELEPHONE: u16 = 0x3A08;
pub const BUSINESS2_TELEPHONE: u16 = 0x3A1B;
pub const HOME_TELEPHONE: u16 = 0x3A09;
pub const HOME2_TELEPHONE: u16 = 0x3A2F;
pub const MOBILE_TELEPHONE: u16 = 0x3A1C;
pub const CAR_TELEPHONE: u16 = 0x3A1E;
pub const OTHER_TELEPHONE: u16 = 0x3A1F;
pub const PAGER_TELEPHONE: u16 = 0x3A21;
pub const ASSISTANT_TELEPHONE: u16 = 0x3A2E;
pub const CALLBACK_TELEPHONE: u16 = 0x3A02;
pub const COMPANY_MAIN_TELEPHONE: u16 = 0x3A57;
pub const ISDN_NUMBER: u16 = 0x3A2D;
pub const RADIO_TELEPHONE: u16 = 0x3A1D;
pub const TELEX_NUMBER: u16 = 0x3A2C;
pub const TTY_TDD_PHONE: u16 = 0x3A4B;
pub const BUSINESS_FAX: u16 = 0x3A24;
pub const HOME_FAX: u16 = 0x3A25;
pub const PRIMARY_FAX: u16 = 0x3A23;

// Postal addresses ([MS-OXOCNTC] 2.2.1.3): street, city, state, postal code, country, PO box.
pub const HOME_ADDRESS: [u16; 6] = [0x3A5D, 0x3A59, 0x3A5C, 0x3A5B, 0x3A5A, 0x3A5E];
pub const OTHER_ADDRESS: [u16; 6] = [0x3A63, 0x3A5F, 0x3A62, 0x3A61, 0x3A60, 0x3A64];
/// The mailing address (a copy of whichever PidLidPostalAddressId selects).
pub const MAILING_ADDRESS: [u16; 6] = [0x3A29, 0x3A27, 0x3A28, 0x3A2A, 0x3A26, 0x3A2B];
pub const LID_WORK_ADDRESS: [u32; 6] = [0x8045, 0x8046, 0x8047, 0x8048, 0x8049, 0x804A];
pub const LID_HOME_ADDRESS_LABEL: u32 = 0x801A;
pub const LID_WORK_ADDRESS_LABEL: u32 = 0x801B;
pub const LID_OTHER_ADDRESS_LABEL: u32 = 0x801C;
pub const LID_POSTAL_ADDRESS_ID: u32 = 0x8022;

// Organisation, events, people, web ([MS-OXOCNTC] 2.2.1.5 - 2.2.1.10).
pub const COMPANY_NAME: u16 = 0x3A16;
pub const DEPARTMENT_NAME: u16 = 0x3A18;
pub const TITLE: u16 = 0x3A17;
pub const PROFESSION: u16 = 0x3A46;
pub const MANAGER_NAME: u16 = 0x3A4E;
pub const ASSISTANT: u16 = 0x3A30;
pub const OFFICE_LOCATION: u16 = 0x3A19;
pub const SPOUSE_NAME: u16 = 0x3A48;
pub const CHILDRENS_NAMES: u16 = 0x3A58;
pub const BIRTHDAY: u16 = 0x3A42;
pub const WEDDING_ANNIVERSARY: u16 = 0x3A41;
pub const LID_BIRTHDAY_LOCAL: u32 = 0x80DE;
pub const LID_WEDDING_ANNIVERSARY_LOCAL: u32 = 0x80DF;
pub const GENDER: u16 = 0x3A4D;
pub const PERSONAL_HOME_PAGE: u16 = 0x3A50;
pub const BUSINESS_HOME_PAGE: u16 = 0x3A51;
pub const FTP_SITE: u16 = 0x3A4C;
pub const LID_HTML: u32 = 0x802B;
pub const LID_INSTANT_MESSAGING_ADDRESS: u32 = 0x8062;
pub const LID_FREE_BUSY_LOCATION: u32 = 0x80D8;
pub const LID_HAS_PICTURE: u32 = 0x8015;
pub const ATTACHMENT_CONTACT_PHOTO: u16 = 0x7FFF;
pub const SENSITIVITY: u16 = 0x0036;

// Other text fields kept as extensions.
pub const HOBBIES: u16 = 0x3A43;
pub const ACCOUNT: u16 = 0x3A00;
pub const CUSTOMER_ID: u16 = 0x3A4A;
pub const GOVERNMENT_ID_NUMBER: u16 = 0x3A07;
pub const ORGANIZATIONAL_ID_NUMBER: u16 = 0x3A10;
pub const LANGUAGE: u16 = 0x3A0C;
pub const LOCATION: u16 = 0x3A0D;
pub const COMPUTER_NETWORK_NAME: u16 = 0x3A49;
pub const REFERRED_BY_NAME: u16 = 0x3A47;
pub const LID_USER_FIELDS: [u32; 4] = [0x804F, 0x8050, 0x8051, 0x8052];
/// `PidLidBilling` and `PidLidMileage` (PSETID_Common).
pub const LID_COMMON_BILLING: u32 = 0x8535;
pub const LID_COMMON_MILEAGE: u32 = 0x8534;

// Distribution lists ([MS-OXOCNTC] 2.2.2.2).
pub const LID_DL_NAME: u32 = 0x8053;
pub const LID_DL_ONE_OFF_MEMBERS: u32 = 0x8054;
pub const LID_DL_MEMBERS: u32 = 0x8055;
pub const LID_DL_STREAM: u32 = 0x8064;

// Identity.
pub const SEARCH_KEY: u16 = 0x300B;
pub const RECORD_KEY: u16 = 0x0FF9;
pub const ENTRY_ID: u16 = 0x0FFF;
pub const CREATION_TIME: u16 = 0x3007;
pub const LAST_MODIFICATION_TIME: u16 = 0x3008;
