//! What is wrong with a DNS message that does not decode, in the check's own words: a walk of its
//! sections, names and record lengths (RFC 1035 4.1), pure and bounded, run only when the decoder
//! has refused the message (its own error texts name the wrong numbers or none).

/// The header: ID, flags and the four section counts.
const HEADER_LEN: usize = 12;
const SECTIONS: [&str; 4] = ["question", "answer", "authority", "additional"];
/// A name on the wire, its length octets and the root's zero octet included (RFC 1035 2.3.4).
const MAX_NAME_OCTETS: usize = 255;
const MAX_LABEL_OCTETS: usize = 63;
/// Compression pointers followed in the whole walk: a message of at most 64 KiB with names that
/// each point backwards needs far fewer; past this the walk gives up (the decoder's words stand).
const MAX_POINTER_HOPS: usize = 1 << 17;

/// The first thing in `message` that breaks the wire format, as words that follow "a malformed
/// answer: ", naming where it is (`a label of 64 octets (at most 63) in the answer section`).
/// `None` when the walk finds nothing wrong with the names and lengths (the decoder then refused
/// the data of a record, which its own words describe).
pub fn fault(message: &[u8]) -> Option<String> {
    if message.len() < HEADER_LEN {
        return Some(format!(
            "{} bytes, shorter than a DNS header",
            message.len()
        ));
    }
    let mut walk = Walk {
        message,
        hops_left: MAX_POINTER_HOPS,
    };
    match walk.sections() {
        Ok(()) => None,
        Err(Fault::Said(words)) => Some(words),
        Err(Fault::GaveUp) => None,
    }
}

enum Fault {
    Said(String),
    /// The pointer budget ran out: nothing to say in the check's words.
    GaveUp,
}

impl From<String> for Fault {
    fn from(words: String) -> Fault {
        Fault::Said(words)
    }
}

struct Walk<'m> {
    message: &'m [u8],
    hops_left: usize,
}

impl Walk<'_> {
    fn u16_at(&self, at: usize) -> Option<u16> {
        match self.message.get(at..at.checked_add(2)?)? {
            [hi, lo] => Some(u16::from_be_bytes([*hi, *lo])),
            _ => None,
        }
    }

    fn sections(&mut self) -> Result<(), Fault> {
        let mut at = HEADER_LEN;
        for (index, section) in SECTIONS.iter().enumerate() {
            let count = self.u16_at(4 + 2 * index).unwrap_or(0);
            let ends_inside = || {
                Fault::Said(format!(
                    "fewer records than its header announces (it ends inside the {section} section)"
                ))
            };
            for _ in 0..count {
                if at >= self.message.len() {
                    return Err(ends_inside());
                }
                at = self
                    .name(at)
                    .map_err(|fault| fault.within(&format!("in the {section} section")))?;
                if index == 0 {
                    // A question: the name, then its type and class.
                    at = at
                        .checked_add(4)
                        .filter(|end| *end <= self.message.len())
                        .ok_or_else(ends_inside)?;
                    continue;
                }
                let record_type = self.u16_at(at).ok_or_else(ends_inside)?;
                let data_len = self.u16_at(at + 8).ok_or_else(ends_inside)?;
                // OPT, SIG(0) and TSIG belong to the additional section only (RFC 6891 6.1.1,
                // RFC 2931 3, RFC 8945 5.1).
                if index != 3
                    && let Some(kind) = meta_record(record_type)
                {
                    return Err(Fault::Said(format!(
                        "an {kind} record in the {section} section"
                    )));
                }
                let data = at + 10;
                let end = data + usize::from(data_len);
                if end > self.message.len() {
                    return Err(Fault::Said(format!(
                        "a record whose data runs past the end of the message, in the {section} section"
                    )));
                }
                self.names_in_data(record_type, data, end)
                    .map_err(|fault| {
                        fault.within(&format!(
                            "in the data of {} in the {section} section",
                            record_of(record_type)
                        ))
                    })?;
                at = end;
            }
        }
        Ok(())
    }

    /// The names inside a record's data, for the types whose data the decoder reads as names.
    fn names_in_data(&mut self, record_type: u16, data: usize, end: usize) -> Result<(), Fault> {
        let starts: &[usize] = match record_type {
            // NS, CNAME, PTR, DNAME: one name.
            2 | 5 | 12 | 39 => &[0],
            // MX: preference, then the exchange.
            15 => &[2],
            // SRV: priority, weight, port, then the target.
            33 => &[6],
            // SOA: two names, one after the other.
            6 => &[0, usize::MAX],
            _ => &[],
        };
        let mut next = data;
        for start in starts {
            let at = match *start {
                usize::MAX => next,
                offset => data + offset,
            };
            if at >= end {
                return Err(Fault::Said(
                    "a record's data that ends before its name".into(),
                ));
            }
            next = self.name(at)?;
            if next > end {
                return Err(Fault::Said(
                    "a name that runs past the end of its record's data".into(),
                ));
            }
        }
        Ok(())
    }

    /// Walk the name at `start`; where it ends in place (after its first pointer, or its root).
    /// Every pointer must go back before the run of labels it ends, and the labels it leads to
    /// must end before that run: the walk always moves back, so it ends.
    fn name(&mut self, start: usize) -> Result<usize, Fault> {
        let message = self.message;
        let runs_past = || Fault::Said("a name that runs past the end of the message".into());
        let mut at = start;
        // Where the current run of labels began, and where the run before it began.
        let mut run = start;
        let mut before: Option<usize> = None;
        let mut in_place_end: Option<usize> = None;
        let mut octets = 0usize;
        loop {
            if let Some(limit) = before
                && at >= limit
            {
                return Err(Fault::Said(
                    "a compression pointer to labels that run into the name pointing at them"
                        .into(),
                ));
            }
            let length = *message.get(at).ok_or_else(runs_past)?;
            match length {
                0 => {
                    octets += 1;
                    if octets > MAX_NAME_OCTETS {
                        return Err(too_long());
                    }
                    return Ok(in_place_end.unwrap_or(at + 1));
                }
                1..=0x3f => {
                    let label = usize::from(length);
                    octets += 1 + label;
                    // One more octet for the root at least.
                    if octets + 1 > MAX_NAME_OCTETS {
                        return Err(too_long());
                    }
                    at += 1 + label;
                    if at > message.len() {
                        return Err(runs_past());
                    }
                }
                // 0b01 and 0b10 are no label lengths (RFC 1035 4.1.4: reserved; RFC 6891
                // retired the extended labels); read as a length, it is too long.
                0x40..=0xbf => {
                    return Err(Fault::Said(format!(
                        "a label of {length} octets (at most {MAX_LABEL_OCTETS})"
                    )));
                }
                0xc0..=0xff => {
                    let low = *message.get(at + 1).ok_or_else(runs_past)?;
                    let target = usize::from(length & 0x3f) << 8 | usize::from(low);
                    in_place_end.get_or_insert(at + 2);
                    if target >= message.len() {
                        return Err(Fault::Said(
                            "a compression pointer past the end of the message".into(),
                        ));
                    }
                    if target >= run {
                        return Err(Fault::Said(
                            "a compression pointer that does not point backwards (a loop, or forwards)"
                                .into(),
                        ));
                    }
                    self.hops_left = self.hops_left.checked_sub(1).ok_or(Fault::GaveUp)?;
                    before = Some(run);
                    run = target;
                    at = target;
                }
            }
        }
    }
}

fn too_long() -> Fault {
    Fault::Said(format!("a name longer than {MAX_NAME_OCTETS} octets"))
}

impl Fault {
    fn within(self, place: &str) -> Fault {
        match self {
            Fault::Said(words) => Fault::Said(format!("{words} {place}")),
            Fault::GaveUp => Fault::GaveUp,
        }
    }
}

/// The records that belong to the additional section only.
fn meta_record(record_type: u16) -> Option<&'static str> {
    match record_type {
        41 => Some("OPT"),
        24 => Some("SIG"),
        250 => Some("TSIG"),
        _ => None,
    }
}

/// "an SRV record", "a CNAME record": the types whose data holds names.
fn record_of(record_type: u16) -> String {
    match record_type {
        2 => "an NS record".into(),
        5 => "a CNAME record".into(),
        6 => "an SOA record".into(),
        12 => "a PTR record".into(),
        15 => "an MX record".into(),
        33 => "an SRV record".into(),
        39 => "a DNAME record".into(),
        other => format!("a record of type {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A response header with the given section counts.
    fn header(counts: [u16; 4]) -> Vec<u8> {
        let mut bytes = vec![0x12, 0x34, 0x81, 0x80];
        for count in counts {
            bytes.extend_from_slice(&count.to_be_bytes());
        }
        bytes
    }

    /// `galeradb.service.consul.` IN A, at offset 12.
    fn with_question(counts: [u16; 4]) -> Vec<u8> {
        let mut bytes = header(counts);
        for label in ["galeradb", "service", "consul"] {
            bytes.push(label.len() as u8);
            bytes.extend_from_slice(label.as_bytes());
        }
        bytes.extend_from_slice(&[0, 0, 1, 0, 1]);
        bytes
    }

    /// One answer record: `name`, then `record_type`, class IN, TTL 0, and `data`.
    fn answer(name: &[u8], record_type: u16, data: &[u8]) -> Vec<u8> {
        let mut bytes = with_question([1, 1, 0, 0]);
        bytes.extend_from_slice(name);
        bytes.extend_from_slice(&record_type.to_be_bytes());
        bytes.extend_from_slice(&[0, 1, 0, 0, 0, 0]);
        bytes.extend_from_slice(&(data.len() as u16).to_be_bytes());
        bytes.extend_from_slice(data);
        bytes
    }

    fn labels(count: usize, length: u8) -> Vec<u8> {
        let mut name = Vec::new();
        for _ in 0..count {
            name.push(length);
            name.extend(std::iter::repeat_n(b'a', usize::from(length)));
        }
        name
    }

    const A: &[u8] = &[10, 0, 0, 1];
    /// The question's name: a pointer back to offset 12.
    const TO_QUESTION: &[u8] = &[0xc0, 12];

    #[test]
    fn faults_are_named_with_their_section() {
        let end = with_question([1, 1, 0, 0]).len() as u8;
        let mut label_64 = labels(1, 64);
        label_64.push(0);
        let mut name_257 = labels(4, 63);
        name_257.push(0);
        let mut name_255 = labels(3, 63);
        name_255.extend(labels(1, 61));
        name_255.push(0);
        // The question's type is now 0x0500: the pointer to its first byte leads to a label of
        // 5 octets that runs into the name pointing at it.
        let mut overlap = answer(&[0xc0, end - 4], 1, A);
        overlap[usize::from(end) - 4] = 5;
        let table: Vec<(&str, Vec<u8>, Option<&str>)> = vec![
            ("sound", answer(TO_QUESTION, 1, A), None),
            ("255 octets", answer(&name_255, 1, A), None),
            (
                "64-octet label",
                answer(&label_64, 1, A),
                Some("a label of 64 octets (at most 63) in the answer section"),
            ),
            (
                "0x80 length",
                answer(&[0x80, 0], 1, A),
                Some("a label of 128 octets (at most 63) in the answer section"),
            ),
            (
                "257 octets",
                answer(&name_257, 1, A),
                Some("a name longer than 255 octets in the answer section"),
            ),
            (
                "pointer at itself",
                answer(&[0xc0, end], 1, A),
                Some(
                    "a compression pointer that does not point backwards (a loop, or forwards) in the answer section",
                ),
            ),
            (
                "pointer forwards",
                answer(&[0xc0, end + 2], 1, A),
                Some(
                    "a compression pointer that does not point backwards (a loop, or forwards) in the answer section",
                ),
            ),
            (
                "pointer past the end",
                answer(&[0xc0, 0xff], 1, A),
                Some("a compression pointer past the end of the message in the answer section"),
            ),
            (
                "OPT",
                answer(&[0], 41, &[]),
                Some("an OPT record in the answer section"),
            ),
            (
                "name past the end",
                answer(&[5, b'a'], 0, &[])
                    .into_iter()
                    .take(end as usize + 2)
                    .collect(),
                Some("a name that runs past the end of the message in the answer section"),
            ),
            (
                "data past the end",
                answer(TO_QUESTION, 1, A)
                    .into_iter()
                    .take(end as usize + 13)
                    .collect(),
                Some("a record whose data runs past the end of the message, in the answer section"),
            ),
            (
                "no record",
                with_question([1, 2, 0, 0]),
                Some("fewer records than its header announces (it ends inside the answer section)"),
            ),
            (
                "SRV target looping",
                answer(TO_QUESTION, 33, &[0, 1, 0, 1, 12, 234, 0xc0, end + 18]),
                Some(
                    "a compression pointer that does not point backwards (a loop, or forwards) in the data of an SRV record in the answer section",
                ),
            ),
            (
                "CNAME past its data",
                answer(TO_QUESTION, 5, &[3, b'a', b'b']),
                Some(
                    "a name that runs past the end of the message in the data of a CNAME record in the answer section",
                ),
            ),
            (
                "overlap",
                overlap,
                Some(
                    "a compression pointer to labels that run into the name pointing at them in the answer section",
                ),
            ),
            (
                "header",
                vec![0x12, 0x34, 0x81],
                Some("3 bytes, shorter than a DNS header"),
            ),
        ];
        for (what, bytes, said) in table {
            assert_eq!(fault(&bytes).as_deref(), said, "{what}");
        }
        let mut bytes = with_question([1, 0, 0, 0]);
        bytes[12] = 40; // the question's first label now runs past where a name would follow
        assert_eq!(
            fault(&bytes).as_deref(),
            Some("a name that runs past the end of the message in the question section")
        );
    }

    #[test]
    fn any_byte_changed_is_walked_without_panic() {
        let base = answer(TO_QUESTION, 33, &[0, 1, 0, 1, 12, 234, 0xc0, 12]);
        for at in 0..base.len() {
            for value in 0..=255u8 {
                let mut bytes = base.clone();
                bytes[at] = value;
                let _ = fault(&bytes);
                let _ = fault(&bytes[..at]);
            }
        }
    }

    #[test]
    fn a_long_pointer_chain_ends_within_the_budget() {
        // Every name a pointer to the one before it: each walk goes all the way back.
        let mut bytes = with_question([1, 0, 0, 0]);
        let count = 1000usize;
        bytes[6..8].copy_from_slice(&(count as u16).to_be_bytes());
        let mut previous = 12usize;
        for _ in 0..count {
            let here = bytes.len();
            let pointer = 0xc000 | previous as u16;
            bytes.extend_from_slice(&pointer.to_be_bytes());
            bytes.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 10, 0, 0, 1]);
            previous = here;
        }
        // Sound, but past the budget the walk says nothing rather than walk on.
        assert_eq!(fault(&bytes), None);
    }
}
