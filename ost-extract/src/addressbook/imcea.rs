//! IMCEA encapsulation ([MS-OXCMAIL] 2.1.3.1.8): how Exchange writes an address of another
//! type where an SMTP address is needed, `IMCEA<type>-<encoded address>@<domain>`. The
//! encoded address has `_` for `/` and `+XX` (two hex digits) for every other byte that is
//! not a letter, digit, `-` or `=`. The commonest is an Exchange DN that leaked into SMTP,
//! `IMCEAEX-_O=ORG_OU=…_CN=RECIPIENTS_CN=JDOE@example.com`; Lotus Notes gateways wrote
//! `IMCEANOTES-…`, fax connectors `IMCEAFAX-…`. Such an address looks like an Internet address
//! but only the Exchange organisation that made it could route it: it is decoded, never
//! written as if it were usable.

/// An encapsulated address, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encapsulated {
    /// The original address type, upper case (`EX`, `NOTES`, `FAX`, `X400`, `SMTP`, …).
    pub kind: String,
    /// The original address (`/O=ORG/OU=…/CN=JDOE` for `EX`).
    pub address: String,
}

impl Encapsulated {
    /// Whether the original address is an Exchange DN.
    pub fn is_exchange(&self) -> bool {
        self.kind == "EX"
    }

    /// The SMTP address the original address holds, when it holds one: an `SMTP` one as
    /// it is; a gateway's (Lotus Notes: `"Jo Doe" <jo@example.com>@ENRON`,
    /// `jo@example.com@ENRON`) inside angle brackets, else with the gateway's own trailing
    /// `@DOMAIN` (a domain without a dot) dropped. Never for an Exchange DN or a fax number.
    pub fn smtp(&self) -> Option<String> {
        if self.is_exchange() || self.kind == "FAX" {
            return None;
        }
        let usable = |a: &str| {
            let a = a.trim();
            let (local, domain) = a.rsplit_once('@')?;
            let ok = !local.is_empty()
                && !local.contains(['@', ' ', '"', '<', '>', ',', ';', ':', '/'])
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && domain
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
                && !domain.to_ascii_lowercase().ends_with(".invalid")
                && decode(a).is_none();
            ok.then(|| a.to_owned())
        };
        if let (Some(open), Some(close)) = (self.address.find('<'), self.address.rfind('>')) {
            return self.address.get(open + 1..close).and_then(usable);
        }
        // Comments go: `jo@example.com (Jo Doe)@ENRON`.
        let mut bare = String::with_capacity(self.address.len());
        let mut depth = 0usize;
        for c in self.address.chars() {
            match c {
                '(' => depth = depth.saturating_add(1),
                ')' => depth = depth.saturating_sub(1),
                c if depth == 0 => bare.push(c),
                _ => {}
            }
        }
        let mut a = bare.trim();
        loop {
            if let Some(s) = usable(a) {
                return Some(s);
            }
            // `jo@example.com@ENRON`: drop the gateway's domain and try again.
            let (rest, tail) = a.rsplit_once('@')?;
            if tail.contains('.') || !rest.contains('@') {
                return None;
            }
            a = rest;
        }
    }
}

/// Whether an address is IMCEA-encapsulated: its local part is `IMCEA`, a type of letters
/// and digits, and a hyphen (elements 1-3 of the form, which is enough to tell).
pub fn is_encapsulated(addr: &str) -> bool {
    split(addr).is_some()
}

/// The type and the encoded address of an encapsulated address.
fn split(addr: &str) -> Option<(&str, &str)> {
    let a = addr
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    let a = a
        .strip_prefix("SMTP:")
        .or_else(|| a.strip_prefix("smtp:"))
        .or_else(|| a.strip_prefix("mailto:"))
        .unwrap_or(a);
    let head = a.get(..5)?;
    if !head.eq_ignore_ascii_case("IMCEA") {
        return None;
    }
    let rest = a.get(5..)?;
    let dash = rest.find('-')?;
    let kind = rest.get(..dash)?;
    if kind.is_empty() || !kind.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let encoded = rest.get(dash + 1..)?;
    // The encapsulating domain follows the last `@` (the encoded part has none of its own).
    let (encoded, domain) = encoded.rsplit_once('@')?;
    (!encoded.is_empty() && !domain.is_empty()).then_some((kind, encoded))
}

/// Decodes an encapsulated address; `None` when `addr` is not one.
pub fn decode(addr: &str) -> Option<Encapsulated> {
    let (kind, encoded) = split(addr)?;
    let mut bytes = Vec::with_capacity(encoded.len());
    let raw = encoded.as_bytes();
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        let hex = |at: usize| raw.get(at).and_then(|c| (*c as char).to_digit(16));
        match b {
            b'_' => {
                bytes.push(b'/');
                i += 1;
            }
            b'+' => match (hex(i + 1), hex(i + 2)) {
                (Some(h), Some(l)) => {
                    bytes.push(((h << 4) | l) as u8);
                    i += 3;
                }
                // Not an escape: kept as written.
                _ => {
                    bytes.push(b);
                    i += 1;
                }
            },
            _ => {
                bytes.push(b);
                i += 1;
            }
        }
    }
    let address = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let (s, _, _) = encoding_rs::WINDOWS_1252.decode(e.as_bytes());
            s.into_owned()
        }
    };
    Some(Encapsulated {
        kind: kind.to_ascii_uppercase(),
        address,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchange_dns_are_decoded() {
        let e = decode(
            "IMCEAEX-_O=CONTOSO_OU=EXCHANGE+20ADMINISTRATIVE+20GROUP+20+28FYDIBOHF23SPDLT+29_CN=RECIPIENTS_CN=JDOE@contoso.com",
        )
        .unwrap();
        assert!(e.is_exchange());
        assert_eq!(
            e.address,
            "/O=CONTOSO/OU=EXCHANGE ADMINISTRATIVE GROUP (FYDIBOHF23SPDLT)/CN=RECIPIENTS/CN=JDOE"
        );
        assert_eq!(e.smtp(), None);
        // Any case, in angle brackets or with a scheme.
        assert_eq!(
            decode("<imceaex-_o=Org_cn=x@d.com>").unwrap().address,
            "/o=Org/cn=x"
        );
        assert!(is_encapsulated("SMTP:IMCEAEX-_O=A_CN=B@x.org"));
    }

    #[test]
    fn gateway_addresses_give_their_smtp_address() {
        let smtp = |a: &str| decode(a).and_then(|e| e.smtp());
        // Lotus Notes through Enron's gateway.
        assert_eq!(
            smtp("IMCEANOTES-+22Jim+20Lokay+22+20+3CLokay+40bigfoot+2Ecom+3E+40ENRON@ENRON.com")
                .as_deref(),
            Some("Lokay@bigfoot.com")
        );
        assert_eq!(
            smtp("IMCEANOTES-tsschuler+40pplweb+2Ecom+40ENRON@ENRON.com").as_deref(),
            Some("tsschuler@pplweb.com")
        );
        assert_eq!(
            smtp("IMCEANOTES-MKM+40enron+2Ecom@ENRON.com").as_deref(),
            Some("MKM@enron.com")
        );
        assert_eq!(
            smtp("IMCEANOTES-jennifersmith+40kaseco+2Ecom+20+28Jennifer+20Smith+29+40ENRON@ENRON.com")
                .as_deref(),
            Some("jennifersmith@kaseco.com")
        );
        assert_eq!(
            smtp("IMCEASMTP-jo+40example+2Eorg@gw.example.com").as_deref(),
            Some("jo@example.org")
        );
        // A Notes name with no Internet address, a broken group, a fax number: none.
        for a in [
            "IMCEANOTES-General+20Announcements+40ENRON@ENRON.com",
            "IMCEANOTES-+3CUndisclosed-Recipient+3A+40mailman+2Eenron+2Ecom+3B+3E@ENRON.com",
            "IMCEAFAX-+2B1+20555+200100@example.com",
            "IMCEAINVALID-x+40@example.com",
        ] {
            assert_eq!(smtp(a), None, "{a}");
        }
    }

    #[test]
    fn ordinary_addresses_are_not_encapsulated() {
        for a in [
            "jo@example.com",
            "imcea@example.com",
            "IMCEA-x@example.com",
            "IMCEAEX-@example.com",
            "IMCEAEX-_O=A",
            "IMCE+AEX-x@example.com",
        ] {
            assert!(!is_encapsulated(a), "{a}");
        }
        // A broken escape is kept as written; no input panics.
        assert_eq!(decode("IMCEAEX-a+4@x.y").unwrap().address, "a+4");
        assert_eq!(decode("IMCEAEX-+ZZ+e9@x.y").unwrap().address, "+ZZé");
    }
}
