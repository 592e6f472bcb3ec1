//! How the contact converter groups the properties it reads ([MS-OXOCNTC] 2.2); the
//! properties themselves are constants in `pstkit::messaging::pid`.

use pstkit::messaging::{pid, NamedProp, PropId};

// E-mail slots ([MS-OXOCNTC] 2.2.1.2), at the LIDs of `pid::LID_EMAIL_SLOT_BASES`: display
// name at +0, address type at +2, address at +3, original display name at +4. Fax slots
// (`pid::LID_FAX_SLOT_BASES`) have the address type at +2 and the address at +3.
pub const EMAIL_DISPLAY_NAME: u32 = 0;
pub const EMAIL_ADDR_TYPE: u32 = 2;
pub const EMAIL_ADDRESS: u32 = 3;
pub const EMAIL_ORIGINAL_DISPLAY_NAME: u32 = 4;

// Postal addresses ([MS-OXOCNTC] 2.2.1.3): street, city, state, postal code, country, PO box.
pub const HOME_ADDRESS: [PropId; 6] = [
    pid::HOME_ADDRESS_STREET,
    pid::HOME_ADDRESS_CITY,
    pid::HOME_ADDRESS_STATE_OR_PROVINCE,
    pid::HOME_ADDRESS_POSTAL_CODE,
    pid::HOME_ADDRESS_COUNTRY,
    pid::HOME_ADDRESS_POST_OFFICE_BOX,
];
pub const OTHER_ADDRESS: [PropId; 6] = [
    pid::OTHER_ADDRESS_STREET,
    pid::OTHER_ADDRESS_CITY,
    pid::OTHER_ADDRESS_STATE_OR_PROVINCE,
    pid::OTHER_ADDRESS_POSTAL_CODE,
    pid::OTHER_ADDRESS_COUNTRY,
    pid::OTHER_ADDRESS_POST_OFFICE_BOX,
];
/// The mailing address (a copy of whichever PidLidPostalAddressId selects).
pub const MAILING_ADDRESS: [PropId; 6] = [
    pid::STREET_ADDRESS,
    pid::LOCALITY,
    pid::STATE_OR_PROVINCE,
    pid::POSTAL_CODE,
    pid::COUNTRY,
    pid::POST_OFFICE_BOX,
];
pub const LID_WORK_ADDRESS: [NamedProp; 6] = [
    pid::LID_WORK_ADDRESS_STREET,
    pid::LID_WORK_ADDRESS_CITY,
    pid::LID_WORK_ADDRESS_STATE,
    pid::LID_WORK_ADDRESS_POSTAL_CODE,
    pid::LID_WORK_ADDRESS_COUNTRY,
    pid::LID_WORK_ADDRESS_POST_OFFICE_BOX,
];

// User-defined fields kept as extensions.
pub const LID_USER_FIELDS: [NamedProp; 4] = [
    pid::LID_CONTACT_USER_FIELD1,
    pid::LID_CONTACT_USER_FIELD2,
    pid::LID_CONTACT_USER_FIELD3,
    pid::LID_CONTACT_USER_FIELD4,
];
