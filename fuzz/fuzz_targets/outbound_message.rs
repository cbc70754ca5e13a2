//! The outbound-message parser on any bytes: it never panics, and what it accepts keeps the
//! promises the rest of the app relies on (1–100 notifications, Salesforce-shaped ids, bounded
//! fields). A SOAP fault built from any text is well-formed XML that reads back as that text.
#![no_main]

use ferry_fuzz::outbound_message::{
    MAX_FIELDS, MAX_NOTIFICATIONS, MAX_VALUE_BYTES, fault_response, parse,
};
use libfuzzer_sys::fuzz_target;
use quick_xml::Reader;
use quick_xml::events::Event;

fn salesforce_id(id: &str) -> bool {
    matches!(id.len(), 15 | 18) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The `faultstring` of a fault, read with a plain XML reader.
fn fault_string(xml: &str) -> String {
    let mut reader = Reader::from_str(xml);
    let mut inside = false;
    let mut text = String::new();
    loop {
        match reader.read_event().expect("the fault is well-formed XML") {
            Event::Start(e) if e.local_name().as_ref() == b"faultstring" => inside = true,
            Event::End(e) if e.local_name().as_ref() == b"faultstring" => inside = false,
            Event::Text(t) if inside => text.push_str(&t.xml10_content().expect("UTF-8")),
            Event::GeneralRef(r) if inside => {
                let c = match r.resolve_char_ref().expect("a valid reference") {
                    Some(c) => c.to_string(),
                    None => match r.decode().expect("UTF-8").as_ref() {
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "amp" => "&".into(),
                        "apos" => "'".into(),
                        "quot" => "\"".into(),
                        other => panic!("unexpected entity {other}"),
                    },
                };
                text.push_str(&c);
            }
            Event::Eof => return text,
            _ => {}
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = parse(data) {
        assert!(salesforce_id(&message.organization_id));
        if let Some(action) = &message.action_id {
            assert!(salesforce_id(action));
        }
        assert!((1..=MAX_NOTIFICATIONS).contains(&message.notifications.len()));
        for n in &message.notifications {
            assert!(salesforce_id(&n.id));
            assert!(salesforce_id(&n.record_id));
            assert!(!n.object.is_empty());
            assert!(n.fields.len() <= MAX_FIELDS);
            assert!(!n.fields.contains_key("Id"), "the record id is not a field");
            for value in n.fields.values().flatten() {
                assert!(value.len() <= MAX_VALUE_BYTES);
            }
        }
    }
    // Error text echoes the request; the fault carrying it must stay readable XML.
    let reason = String::from_utf8_lossy(data);
    let fault = fault_response(&reason);
    let read = fault_string(&fault);
    let printable: String = reason
        .chars()
        .map(|c| {
            let xml = matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
                || c >= '\u{10000}';
            if xml { c } else { '\u{FFFD}' }
        })
        .collect();
    // XML reads `\r\n` and a lone `\r` as `\n`.
    let normalized = printable.replace("\r\n", "\n").replace('\r', "\n");
    assert_eq!(read.replace("\r\n", "\n").replace('\r', "\n"), normalized);
});
