//! What a server's X.509 certificate says, read from its DER for the words an admin needs: the
//! subject's CN, the names of its subjectAltName (none at all is its own finding: modern TLS
//! ignores the CN), its validity dates and whether it is a CA. Malformed input is an error in
//! words, never a panic.

use crate::ber::{self, Reader, SEQUENCE};

/// The parts of a certificate the plugins report on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// The subject's common name, when it has one.
    pub common_name: Option<String>,
    /// `None`: no subjectAltName extension at all; else its DNS names and IP addresses.
    pub alt_names: Option<Vec<String>>,
    /// Validity, Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// basicConstraints cA.
    pub is_ca: bool,
}

const OID: u8 = 0x06;
const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];

impl Certificate {
    pub fn parse(der: &[u8]) -> Result<Certificate, String> {
        let mut outer = Reader::new(der);
        let mut certificate = Reader::new(outer.expect(SEQUENCE, "the certificate")?);
        let mut tbs = Reader::new(certificate.expect(SEQUENCE, "the certificate's body")?);
        tbs.optional(0xa0)?;
        tbs.expect(ber::INTEGER, "the serial number")?;
        tbs.expect(SEQUENCE, "the signature algorithm")?;
        tbs.expect(SEQUENCE, "the issuer")?;
        let mut validity = Reader::new(tbs.expect(SEQUENCE, "the validity")?);
        let not_before = time(&mut validity, "notBefore")?;
        let not_after = time(&mut validity, "notAfter")?;
        let subject = tbs.expect(SEQUENCE, "the subject")?;
        tbs.expect(SEQUENCE, "the public key")?;
        tbs.optional(0x81)?;
        tbs.optional(0x82)?;
        let mut alt_names = None;
        let mut is_ca = false;
        if let Some(extensions) = tbs.optional(0xa3)? {
            let mut list = Reader::new(Reader::new(extensions).expect(SEQUENCE, "the extensions")?);
            while !list.is_empty() {
                let mut extension = Reader::new(list.expect(SEQUENCE, "an extension")?);
                let id = extension.expect(OID, "an extension's OID")?;
                extension.optional(ber::BOOLEAN)?;
                let value = extension.expect(ber::OCTET_STRING, "an extension's value")?;
                if id == SUBJECT_ALT_NAME {
                    alt_names = Some(general_names(value)?);
                } else if id == BASIC_CONSTRAINTS {
                    let mut constraints =
                        Reader::new(Reader::new(value).expect(SEQUENCE, "basicConstraints")?);
                    if let Some(ca) = constraints.optional(ber::BOOLEAN)? {
                        is_ca = ber::boolean(ca, "basicConstraints cA")?;
                    }
                }
            }
        }
        Ok(Certificate {
            common_name: common_name(subject)?,
            alt_names,
            not_before,
            not_after,
            is_ca,
        })
    }
}

/// The last CN of a Name (the most specific), as text.
fn common_name(name: &[u8]) -> Result<Option<String>, String> {
    let mut rdns = Reader::new(name);
    let mut found = None;
    while !rdns.is_empty() {
        let mut set = Reader::new(rdns.expect(ber::SET, "a name's component")?);
        while !set.is_empty() {
            let mut pair = Reader::new(set.expect(SEQUENCE, "a name's attribute")?);
            let id = pair.expect(OID, "a name attribute's OID")?;
            let value = pair.take()?;
            if id == COMMON_NAME {
                found = Some(match value.tag {
                    // BMPString: UTF-16BE.
                    0x1e => String::from_utf16_lossy(
                        &value
                            .value
                            .chunks(2)
                            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                            .collect::<Vec<_>>(),
                    ),
                    _ => ber::text(value.value),
                });
            }
        }
    }
    Ok(found)
}

/// The DNS names and IP addresses of a GeneralNames.
fn general_names(value: &[u8]) -> Result<Vec<String>, String> {
    let mut names = Reader::new(Reader::new(value).expect(SEQUENCE, "subjectAltName")?);
    let mut out = Vec::new();
    while !names.is_empty() {
        let name = names.take()?;
        match name.tag {
            0x82 => out.push(ber::text(name.value)),
            0x87 => match name.value.len() {
                4 => out.push(
                    std::net::Ipv4Addr::from(<[u8; 4]>::try_from(name.value).unwrap_or_default())
                        .to_string(),
                ),
                16 => out.push(
                    std::net::Ipv6Addr::from(<[u8; 16]>::try_from(name.value).unwrap_or_default())
                        .to_string(),
                ),
                n => return Err(format!("an IP address of {n} bytes in subjectAltName")),
            },
            _ => {}
        }
    }
    Ok(out)
}

/// UTCTime (`YYMMDDHHMMSSZ`, 1950-2049) or GeneralizedTime (`YYYYMMDDHHMMSSZ`), as Unix seconds.
fn time(reader: &mut Reader<'_>, what: &str) -> Result<i64, String> {
    let tlv = reader.take().map_err(|e| format!("{what}: {e}"))?;
    let text = std::str::from_utf8(tlv.value).map_err(|_| format!("{what} is not text"))?;
    let digits = text
        .strip_suffix('Z')
        .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| format!("{what} '{text}' is not a UTC time"))?;
    let full = match (tlv.tag, digits.len()) {
        (0x17, 12) => {
            let year: u32 = digits[..2].parse().unwrap_or(0);
            let century = if year < 50 { "20" } else { "19" };
            format!("{century}{digits}")
        }
        (0x18, 14) => digits.to_string(),
        _ => {
            return Err(format!(
                "{what} '{text}' is not a UTCTime or GeneralizedTime"
            ));
        }
    };
    let field = |range: std::ops::Range<usize>| full[range].parse::<i64>().unwrap_or(0);
    let (year, month, day) = (field(0..4), field(4..6), field(6..8));
    let (hour, minute, second) = (field(8..10), field(10..12), field(12..14));
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return Err(format!("{what} '{text}' is not a date"));
    }
    Ok(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// `2026-11-29`: a Unix time's UTC date.
pub fn date(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_without_subject_alt_name() {
        let cert = Certificate::parse(include_bytes!("testdata/cn-only.der")).expect("parse");
        assert_eq!(cert.common_name.as_deref(), Some("DC1.example.test"));
        assert_eq!(cert.alt_names, None);
        assert!(!cert.is_ca);
        assert_eq!(date(cert.not_before), "2026-11-29");
        assert_eq!(date(cert.not_after), "2028-10-29");
        assert_eq!(cert.not_after - cert.not_before, 700 * 86_400);
    }

    #[test]
    fn a_self_signed_ca_with_names() {
        let cert = Certificate::parse(include_bytes!("testdata/san.der")).expect("parse");
        assert_eq!(cert.common_name.as_deref(), Some("db.example.test"));
        assert_eq!(
            cert.alt_names,
            Some(vec![
                "db.example.test".to_string(),
                "db".into(),
                "127.0.0.1".into(),
                "::1".into()
            ])
        );
        assert!(cert.is_ca);
        assert_eq!(date(cert.not_after), "2026-12-29");
    }

    #[test]
    fn dates_round_trip() {
        for (y, m, d) in [(1970, 1, 1), (2000, 2, 29), (2026, 11, 29), (2049, 12, 31)] {
            let unix = days_from_civil(y, m, d) * 86_400;
            assert_eq!(date(unix), format!("{y:04}-{m:02}-{d:02}"));
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
    }

    #[test]
    fn malformed_certificates_are_errors() {
        let der = include_bytes!("testdata/san.der");
        for cut in [0, 1, 10, 100, der.len() - 1] {
            assert!(Certificate::parse(&der[..cut]).is_err(), "{cut}");
        }
        let mut bad = der.to_vec();
        bad[0] = 0x31;
        assert!(Certificate::parse(&bad).is_err());
    }
}
