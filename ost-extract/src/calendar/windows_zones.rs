//! Windows time-zone names to IANA names: the "001" (world) territory mappings of Unicode
//! CLDR's windowsZones table, plus the city lists of Outlook's display names
//! (`PidLidTimeZoneDescription` holds a display name such as "(UTC+01:00) Amsterdam, Berlin,
//! Bern, Rome, Stockholm, Vienna", not the registry key name).

/// (Windows registry key name, IANA zone) pairs, CLDR windowsZones territory "001".
static KEY_TO_IANA: &[(&str, &str)] = &[
    ("Dateline Standard Time", "Etc/GMT+12"),
    ("UTC-11", "Etc/GMT+11"),
    ("Aleutian Standard Time", "America/Adak"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Marquesas Standard Time", "Pacific/Marquesas"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("UTC-09", "Etc/GMT+9"),
    ("Pacific Standard Time (Mexico)", "America/Tijuana"),
    ("UTC-08", "Etc/GMT+8"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Mountain Standard Time (Mexico)", "America/Mazatlan"),
    ("Mountain Standard Time", "America/Denver"),
    ("Yukon Standard Time", "America/Whitehorse"),
    ("Central America Standard Time", "America/Guatemala"),
    ("Central Standard Time", "America/Chicago"),
    ("Easter Island Standard Time", "Pacific/Easter"),
    ("Central Standard Time (Mexico)", "America/Mexico_City"),
    ("Canada Central Standard Time", "America/Regina"),
    ("SA Pacific Standard Time", "America/Bogota"),
    ("Eastern Standard Time (Mexico)", "America/Cancun"),
    ("Eastern Standard Time", "America/New_York"),
    ("Haiti Standard Time", "America/Port-au-Prince"),
    ("Cuba Standard Time", "America/Havana"),
    ("US Eastern Standard Time", "America/Indianapolis"),
    ("Turks And Caicos Standard Time", "America/Grand_Turk"),
    ("Paraguay Standard Time", "America/Asuncion"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("Venezuela Standard Time", "America/Caracas"),
    ("Central Brazilian Standard Time", "America/Cuiaba"),
    ("SA Western Standard Time", "America/La_Paz"),
    ("Pacific SA Standard Time", "America/Santiago"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("Tocantins Standard Time", "America/Araguaina"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("SA Eastern Standard Time", "America/Cayenne"),
    ("Argentina Standard Time", "America/Buenos_Aires"),
    ("Greenland Standard Time", "America/Godthab"),
    ("Montevideo Standard Time", "America/Montevideo"),
    ("Magallanes Standard Time", "America/Punta_Arenas"),
    ("Saint Pierre Standard Time", "America/Miquelon"),
    ("Bahia Standard Time", "America/Bahia"),
    ("UTC-02", "Etc/GMT+2"),
    ("Mid-Atlantic Standard Time", "Etc/GMT+2"),
    ("Azores Standard Time", "Atlantic/Azores"),
    ("Cape Verde Standard Time", "Atlantic/Cape_Verde"),
    ("UTC", "Etc/UTC"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("Sao Tome Standard Time", "Africa/Sao_Tome"),
    ("Morocco Standard Time", "Africa/Casablanca"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("W. Central Africa Standard Time", "Africa/Lagos"),
    ("Jordan Standard Time", "Asia/Amman"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Middle East Standard Time", "Asia/Beirut"),
    ("Egypt Standard Time", "Africa/Cairo"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("Syria Standard Time", "Asia/Damascus"),
    ("West Bank Standard Time", "Asia/Hebron"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("South Sudan Standard Time", "Africa/Juba"),
    ("Kaliningrad Standard Time", "Europe/Kaliningrad"),
    ("Sudan Standard Time", "Africa/Khartoum"),
    ("Libya Standard Time", "Africa/Tripoli"),
    ("Namibia Standard Time", "Africa/Windhoek"),
    ("Arabic Standard Time", "Asia/Baghdad"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Arab Standard Time", "Asia/Riyadh"),
    ("Belarus Standard Time", "Europe/Minsk"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("E. Africa Standard Time", "Africa/Nairobi"),
    ("Volgograd Standard Time", "Europe/Volgograd"),
    ("Iran Standard Time", "Asia/Tehran"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("Astrakhan Standard Time", "Europe/Astrakhan"),
    ("Azerbaijan Standard Time", "Asia/Baku"),
    ("Russia Time Zone 3", "Europe/Samara"),
    ("Mauritius Standard Time", "Indian/Mauritius"),
    ("Saratov Standard Time", "Europe/Saratov"),
    ("Georgian Standard Time", "Asia/Tbilisi"),
    ("Caucasus Standard Time", "Asia/Yerevan"),
    ("Afghanistan Standard Time", "Asia/Kabul"),
    ("West Asia Standard Time", "Asia/Tashkent"),
    ("Ekaterinburg Standard Time", "Asia/Yekaterinburg"),
    ("Pakistan Standard Time", "Asia/Karachi"),
    ("Qyzylorda Standard Time", "Asia/Qyzylorda"),
    ("India Standard Time", "Asia/Calcutta"),
    ("Sri Lanka Standard Time", "Asia/Colombo"),
    ("Nepal Standard Time", "Asia/Katmandu"),
    ("Central Asia Standard Time", "Asia/Almaty"),
    ("Bangladesh Standard Time", "Asia/Dhaka"),
    ("Omsk Standard Time", "Asia/Omsk"),
    ("Myanmar Standard Time", "Asia/Rangoon"),
    ("SE Asia Standard Time", "Asia/Bangkok"),
    ("Altai Standard Time", "Asia/Barnaul"),
    ("W. Mongolia Standard Time", "Asia/Hovd"),
    ("North Asia Standard Time", "Asia/Krasnoyarsk"),
    ("N. Central Asia Standard Time", "Asia/Novosibirsk"),
    ("Tomsk Standard Time", "Asia/Tomsk"),
    ("China Standard Time", "Asia/Shanghai"),
    ("North Asia East Standard Time", "Asia/Irkutsk"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("W. Australia Standard Time", "Australia/Perth"),
    ("Taipei Standard Time", "Asia/Taipei"),
    ("Ulaanbaatar Standard Time", "Asia/Ulaanbaatar"),
    ("Aus Central W. Standard Time", "Australia/Eucla"),
    ("Transbaikal Standard Time", "Asia/Chita"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("North Korea Standard Time", "Asia/Pyongyang"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("Yakutsk Standard Time", "Asia/Yakutsk"),
    ("Cen. Australia Standard Time", "Australia/Adelaide"),
    ("AUS Central Standard Time", "Australia/Darwin"),
    ("E. Australia Standard Time", "Australia/Brisbane"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("West Pacific Standard Time", "Pacific/Port_Moresby"),
    ("Tasmania Standard Time", "Australia/Hobart"),
    ("Vladivostok Standard Time", "Asia/Vladivostok"),
    ("Lord Howe Standard Time", "Australia/Lord_Howe"),
    ("Bougainville Standard Time", "Pacific/Bougainville"),
    ("Russia Time Zone 10", "Asia/Srednekolymsk"),
    ("Magadan Standard Time", "Asia/Magadan"),
    ("Norfolk Standard Time", "Pacific/Norfolk"),
    ("Sakhalin Standard Time", "Asia/Sakhalin"),
    ("Central Pacific Standard Time", "Pacific/Guadalcanal"),
    ("Russia Time Zone 11", "Asia/Kamchatka"),
    ("Kamchatka Standard Time", "Asia/Kamchatka"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("UTC+12", "Etc/GMT-12"),
    ("Fiji Standard Time", "Pacific/Fiji"),
    ("Chatham Islands Standard Time", "Pacific/Chatham"),
    ("UTC+13", "Etc/GMT-13"),
    ("Tonga Standard Time", "Pacific/Tongatapu"),
    ("Samoa Standard Time", "Pacific/Apia"),
    ("Line Islands Standard Time", "Pacific/Kiritimati"),
];

/// (fragment of an Outlook display name, Windows key name). Checked in order, so more
/// specific fragments come first.
static DISPLAY_TO_KEY: &[(&str, &str)] = &[
    ("Amsterdam, Berlin", "W. Europe Standard Time"),
    ("Belgrade, Bratislava", "Central Europe Standard Time"),
    ("Brussels, Copenhagen", "Romance Standard Time"),
    ("Sarajevo, Skopje", "Central European Standard Time"),
    ("West Central Africa", "W. Central Africa Standard Time"),
    ("Dublin, Edinburgh", "GMT Standard Time"),
    ("Monrovia, Reykjavik", "Greenwich Standard Time"),
    ("Casablanca", "Morocco Standard Time"),
    ("Coordinated Universal Time", "UTC"),
    ("Athens, Bucharest", "GTB Standard Time"),
    ("Athens, Istanbul", "GTB Standard Time"),
    ("Bucharest", "GTB Standard Time"),
    ("Helsinki, Ky", "FLE Standard Time"),
    ("Helsinki, Kiev", "FLE Standard Time"),
    ("Jerusalem", "Israel Standard Time"),
    ("Cairo", "Egypt Standard Time"),
    ("Harare, Pretoria", "South Africa Standard Time"),
    ("Istanbul", "Turkey Standard Time"),
    ("Moscow", "Russian Standard Time"),
    ("Kuwait, Riyadh", "Arab Standard Time"),
    ("Baghdad", "Arabic Standard Time"),
    ("Nairobi", "E. Africa Standard Time"),
    ("Tehran", "Iran Standard Time"),
    ("Abu Dhabi, Muscat", "Arabian Standard Time"),
    ("Baku", "Azerbaijan Standard Time"),
    ("Kabul", "Afghanistan Standard Time"),
    ("Islamabad, Karachi", "Pakistan Standard Time"),
    ("Ekaterinburg", "Ekaterinburg Standard Time"),
    ("Chennai, Kolkata", "India Standard Time"),
    ("Sri Jayawardenepura", "Sri Lanka Standard Time"),
    ("Kathmandu", "Nepal Standard Time"),
    ("Dhaka", "Bangladesh Standard Time"),
    ("Yangon", "Myanmar Standard Time"),
    ("Bangkok, Hanoi, Jakarta", "SE Asia Standard Time"),
    ("Krasnoyarsk", "North Asia Standard Time"),
    ("Beijing, Chongqing", "China Standard Time"),
    ("Irkutsk", "North Asia East Standard Time"),
    ("Kuala Lumpur, Singapore", "Singapore Standard Time"),
    ("Perth", "W. Australia Standard Time"),
    ("Taipei", "Taipei Standard Time"),
    ("Osaka, Sapporo, Tokyo", "Tokyo Standard Time"),
    ("Seoul", "Korea Standard Time"),
    ("Yakutsk", "Yakutsk Standard Time"),
    ("Adelaide", "Cen. Australia Standard Time"),
    ("Darwin", "AUS Central Standard Time"),
    ("Brisbane", "E. Australia Standard Time"),
    ("Canberra, Melbourne, Sydney", "AUS Eastern Standard Time"),
    ("Guam, Port Moresby", "West Pacific Standard Time"),
    ("Hobart", "Tasmania Standard Time"),
    ("Vladivostok", "Vladivostok Standard Time"),
    ("Solomon Is", "Central Pacific Standard Time"),
    ("Auckland, Wellington", "New Zealand Standard Time"),
    ("Fiji", "Fiji Standard Time"),
    ("Nuku'alofa", "Tonga Standard Time"),
    ("Azores", "Azores Standard Time"),
    ("Cape Verde", "Cape Verde Standard Time"),
    ("Mid-Atlantic", "Mid-Atlantic Standard Time"),
    ("Brasilia", "E. South America Standard Time"),
    ("Buenos Aires", "Argentina Standard Time"),
    ("Greenland", "Greenland Standard Time"),
    ("Newfoundland", "Newfoundland Standard Time"),
    ("Atlantic Time (Canada)", "Atlantic Standard Time"),
    ("Caracas", "Venezuela Standard Time"),
    ("Santiago", "Pacific SA Standard Time"),
    ("Bogota, Lima, Quito", "SA Pacific Standard Time"),
    ("Indiana (East)", "US Eastern Standard Time"),
    ("Eastern Time (US & Canada)", "Eastern Standard Time"),
    ("Guadalajara, Mexico City", "Central Standard Time (Mexico)"),
    ("Saskatchewan", "Canada Central Standard Time"),
    ("Central America", "Central America Standard Time"),
    ("Central Time (US & Canada)", "Central Standard Time"),
    (
        "Chihuahua, La Paz, Mazatlan",
        "Mountain Standard Time (Mexico)",
    ),
    ("Arizona", "US Mountain Standard Time"),
    ("Mountain Time (US & Canada)", "Mountain Standard Time"),
    ("Tijuana, Baja California", "Pacific Standard Time (Mexico)"),
    ("Pacific Time (US & Canada)", "Pacific Standard Time"),
    ("Alaska", "Alaskan Standard Time"),
    ("Hawaii", "Hawaiian Standard Time"),
    ("Midway Island, Samoa", "UTC-11"),
    ("International Date Line West", "Dateline Standard Time"),
];

/// The IANA zone for a Windows time-zone key name ("W. Europe Standard Time"), or for an
/// Outlook display name that contains one of the known city lists.
pub fn windows_to_iana(name: &str) -> Option<&'static str> {
    let name = name.trim();
    if let Some((_, iana)) = KEY_TO_IANA
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
    {
        return Some(iana);
    }
    let key = DISPLAY_TO_KEY
        .iter()
        .find(|(frag, _)| name.contains(frag))
        .map(|(_, k)| *k)?;
    KEY_TO_IANA
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, iana)| *iana)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_key_names_and_display_names() {
        assert_eq!(
            windows_to_iana("W. Europe Standard Time"),
            Some("Europe/Berlin")
        );
        assert_eq!(
            windows_to_iana("pacific standard time"),
            Some("America/Los_Angeles")
        );
        assert_eq!(
            windows_to_iana("Pacific Standard Time (Mexico)"),
            Some("America/Tijuana")
        );
        assert_eq!(
            windows_to_iana("(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna"),
            Some("Europe/Berlin")
        );
        assert_eq!(
            windows_to_iana("(GMT-05:00) Eastern Time (US & Canada)"),
            Some("America/New_York")
        );
        assert_eq!(windows_to_iana("Nowhere Standard Time"), None);
        assert!(KEY_TO_IANA.len() >= 139);
        // Every display fragment points at a key that the main table knows.
        for (frag, key) in DISPLAY_TO_KEY {
            assert!(KEY_TO_IANA.iter().any(|(k, _)| k == key), "{frag} -> {key}");
        }
    }
}
