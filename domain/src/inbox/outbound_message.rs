//! Salesforce outbound messages (PROTOCOLS.md A10.1): the SOAP 1.1 envelope Salesforce POSTs
//! when a workflow or flow action fires, and the two answers a listener can give.
//!
//! Parsing is pure and defensive because the body comes from the internet before anything
//! else has looked at it: elements are matched by namespace URI and local name (never by
//! prefix), a DTD is refused outright (no entity expansion), and depth, notification count,
//! fields per record and value length are all capped. Values are kept exactly as sent: only
//! the XML decoding itself (entities, character references, CDATA, line ends) applies.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

/// Most notifications one message may hold (Salesforce sends 1 to 100).
pub const MAX_NOTIFICATIONS: usize = 100;
/// Most fields one `sObject` may hold, `Id` aside.
pub const MAX_FIELDS: usize = 500;
/// Longest decoded text of any one element, in bytes (a long text area is at most 128 KiB).
pub const MAX_VALUE_BYTES: usize = 128 * 1024;
/// Deepest element nesting accepted; a real message nests six levels.
pub const MAX_DEPTH: usize = 32;
/// `Content-Type` of [`ack_response`] and [`fault_response`].
pub const CONTENT_TYPE: &str = "text/xml; charset=utf-8";

const SOAP_ENV_NS: &[u8] = b"http://schemas.xmlsoap.org/soap/envelope/";
const OUTBOUND_NS: &[u8] = b"http://soap.sforce.com/2005/09/outbound";
const SOBJECT_NS: &[u8] = b"urn:sobject.enterprise.soap.sforce.com";
const XSI_NS: &[u8] = b"http://www.w3.org/2001/XMLSchema-instance";

/// One outbound message: the org it comes from and its notifications, in the order sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundMessage {
    /// The sending org (`00D…`).
    pub organization_id: String,
    /// The outbound-message action (`04k…`), when the message names it.
    pub action_id: Option<String>,
    /// 1 to [`MAX_NOTIFICATIONS`] notifications. A single Ack covers them all.
    pub notifications: Vec<Notification>,
}

/// One notification: a snapshot of the chosen fields of one record.
///
/// `SessionId`, `EnterpriseUrl` and `PartnerUrl` are read but not kept: Ferry calls back with
/// its own connection, and a session id must not end up in storage or logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The notification id (`04l…`): redeliveries repeat it, so it is the de-duplication key.
    pub id: String,
    /// The object type from `xsi:type`, prefix stripped: `Contact`.
    pub object: String,
    /// The record id (`sf:Id`).
    pub record_id: String,
    /// Every other field of the `sObject` by its API name, `None` for `xsi:nil="true"`.
    /// Fields the action does not send are simply absent.
    pub fields: BTreeMap<String, Option<String>>,
}

/// Why a body is not an acceptable outbound message. Each variant has a stable
/// [`code`](MessageError::code) for logs and metrics; the message is meant for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// `not_xml`: the body is not well-formed UTF-8 XML.
    #[error("the body is not well-formed XML: {0}")]
    NotXml(String),
    /// `unsupported_encoding`: the XML declaration names an encoding other than UTF-8.
    #[error("the XML declares encoding {0:?}; only UTF-8 is accepted")]
    UnsupportedEncoding(String),
    /// `dtd_present`: the body carries a document type declaration.
    #[error("the body contains a document type declaration (DTD), which is refused")]
    DtdPresent,
    /// `undefined_entity`: an entity reference other than the five predefined ones.
    #[error("the body references the undefined entity &{0};")]
    UndefinedEntity(String),
    /// `too_deep`: elements nest deeper than [`MAX_DEPTH`].
    #[error("elements are nested more than {limit} levels deep")]
    TooDeep { limit: usize },
    /// `not_soap_envelope`: the root element is not a SOAP 1.1 `Envelope`.
    #[error("the root element is {found}, not a SOAP 1.1 Envelope")]
    NotSoapEnvelope { found: String },
    /// `no_notifications_element`: the SOAP body holds no outbound `notifications` element.
    #[error(
        "the SOAP body has no notifications element in namespace \
         http://soap.sforce.com/2005/09/outbound"
    )]
    NoNotificationsElement,
    /// `missing_organization_id`: `OrganizationId` is absent, nil or empty.
    #[error("the message has no OrganizationId")]
    MissingOrganizationId,
    /// `invalid_organization_id`: `OrganizationId` is not a Salesforce id.
    #[error("OrganizationId {0:?} is not a 15- or 18-character Salesforce id")]
    InvalidOrganizationId(String),
    /// `invalid_action_id`: `ActionId` is present but not a Salesforce id.
    #[error("ActionId {0:?} is not a 15- or 18-character Salesforce id")]
    InvalidActionId(String),
    /// `no_notifications`: the message holds no `Notification`.
    #[error("the message holds no Notification")]
    NoNotifications,
    /// `too_many_notifications`: more than [`MAX_NOTIFICATIONS`] notifications.
    #[error("the message holds more than {limit} notifications")]
    TooManyNotifications { limit: usize },
    /// `notification_without_id`: a `Notification` (numbered from 1) has no `Id`.
    #[error("notification {notification} has no Id")]
    NotificationWithoutId { notification: usize },
    /// `invalid_notification_id`: a notification `Id` is not a Salesforce id.
    #[error(
        "notification {notification} has Id {value:?}, not a 15- or 18-character Salesforce id"
    )]
    InvalidNotificationId { notification: usize, value: String },
    /// `notification_without_sobject`: a `Notification` has no `sObject`.
    #[error("notification {notification} has no sObject")]
    NotificationWithoutSObject { notification: usize },
    /// `sobject_without_type`: an `sObject` has no `xsi:type`.
    #[error("the sObject of notification {notification} has no xsi:type")]
    SObjectWithoutType { notification: usize },
    /// `invalid_sobject_type`: an `xsi:type` that names no object.
    #[error(
        "the sObject of notification {notification} has xsi:type {value:?}, not an object name"
    )]
    InvalidSObjectType { notification: usize, value: String },
    /// `sobject_without_id`: an `sObject` has no `sf:Id` (or a nil or empty one).
    #[error("the sObject of notification {notification} has no sf:Id")]
    SObjectWithoutId { notification: usize },
    /// `invalid_record_id`: `sf:Id` is not a Salesforce id.
    #[error(
        "the sObject of notification {notification} has Id {value:?}, \
         not a 15- or 18-character Salesforce id"
    )]
    InvalidRecordId { notification: usize, value: String },
    /// `too_many_fields`: an `sObject` holds more than [`MAX_FIELDS`] fields.
    #[error("the sObject of notification {notification} has more than {limit} fields")]
    TooManyFields { notification: usize, limit: usize },
    /// `field_too_large`: an element's text is longer than [`MAX_VALUE_BYTES`].
    #[error("the value of {element} is longer than {limit} bytes")]
    FieldTooLarge { element: String, limit: usize },
    /// `nested_element`: an element that holds a value contains an element instead.
    #[error("{element} should hold text but contains a {child} element")]
    NestedElement { element: String, child: String },
    /// `duplicate_element`: an element that may appear once appears again.
    #[error("{element} appears more than once in {parent}")]
    DuplicateElement { element: String, parent: String },
}

impl MessageError {
    /// Stable snake_case code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotXml(_) => "not_xml",
            Self::UnsupportedEncoding(_) => "unsupported_encoding",
            Self::DtdPresent => "dtd_present",
            Self::UndefinedEntity(_) => "undefined_entity",
            Self::TooDeep { .. } => "too_deep",
            Self::NotSoapEnvelope { .. } => "not_soap_envelope",
            Self::NoNotificationsElement => "no_notifications_element",
            Self::MissingOrganizationId => "missing_organization_id",
            Self::InvalidOrganizationId(_) => "invalid_organization_id",
            Self::InvalidActionId(_) => "invalid_action_id",
            Self::NoNotifications => "no_notifications",
            Self::TooManyNotifications { .. } => "too_many_notifications",
            Self::NotificationWithoutId { .. } => "notification_without_id",
            Self::InvalidNotificationId { .. } => "invalid_notification_id",
            Self::NotificationWithoutSObject { .. } => "notification_without_sobject",
            Self::SObjectWithoutType { .. } => "sobject_without_type",
            Self::InvalidSObjectType { .. } => "invalid_sobject_type",
            Self::SObjectWithoutId { .. } => "sobject_without_id",
            Self::InvalidRecordId { .. } => "invalid_record_id",
            Self::TooManyFields { .. } => "too_many_fields",
            Self::FieldTooLarge { .. } => "field_too_large",
            Self::NestedElement { .. } => "nested_element",
            Self::DuplicateElement { .. } => "duplicate_element",
        }
    }
}

/// Parses the body of an outbound-message POST.
///
/// Unknown elements (a SOAP `Header`, future additions) are skipped, children may come in any
/// order, and the optional ones may be missing. Never panics.
pub fn parse(body: &[u8]) -> Result<OutboundMessage, MessageError> {
    let mut cursor = Cursor::new(body);
    let root = loop {
        match cursor.next()? {
            Node::Open(element) => break element,
            Node::Text(text) => outside_root(&text)?,
            Node::Close => return Err(MessageError::NotXml("unexpected end tag".into())),
            Node::Eof => return Err(MessageError::NotXml("the body has no root element".into())),
        }
    };
    if !root.is(&Ns::SoapEnv, "Envelope") {
        return Err(MessageError::NotSoapEnvelope {
            found: root.describe(),
        });
    }
    let message = envelope(&mut cursor)?;
    loop {
        match cursor.next()? {
            Node::Eof => return Ok(message),
            Node::Text(text) => outside_root(&text)?,
            Node::Open(_) | Node::Close => {
                return Err(MessageError::NotXml(
                    "content follows the end of the envelope".into(),
                ));
            }
        }
    }
}

/// The acknowledgement that tells Salesforce every notification of the message arrived.
/// Send it with HTTP 200 and [`CONTENT_TYPE`].
pub fn ack_response() -> String {
    concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">"#,
        "<soapenv:Body>",
        r#"<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">"#,
        "<Ack>true</Ack>",
        "</notificationsResponse>",
        "</soapenv:Body>",
        "</soapenv:Envelope>",
    )
    .to_owned()
}

/// A SOAP 1.1 fault (`soapenv:Server`) carrying `reason`, so Salesforce keeps the message and
/// redelivers it. SOAP 1.1 sends faults with HTTP 500 and [`CONTENT_TYPE`].
pub fn fault_response(reason: &str) -> String {
    // Characters XML 1.0 cannot carry at all would make the whole fault unreadable.
    let printable: String = reason
        .chars()
        .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
        .collect();
    let reason = quick_xml::escape::escape(printable.as_str());
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">"#,
            "<soapenv:Body>",
            "<soapenv:Fault>",
            "<faultcode>soapenv:Server</faultcode>",
            "<faultstring>{}</faultstring>",
            "</soapenv:Fault>",
            "</soapenv:Body>",
            "</soapenv:Envelope>",
        ),
        reason
    )
}

fn envelope(cursor: &mut Cursor<'_>) -> Result<OutboundMessage, MessageError> {
    let mut seen = Seen::new("Envelope");
    let mut message = None;
    each_child(cursor, |cursor, element| {
        if element.is(&Ns::SoapEnv, "Body") {
            seen.once(&element)?;
            message = soap_body(cursor)?;
            Ok(())
        } else {
            skip(cursor)
        }
    })?;
    message.ok_or(MessageError::NoNotificationsElement)
}

fn soap_body(cursor: &mut Cursor<'_>) -> Result<Option<OutboundMessage>, MessageError> {
    let mut seen = Seen::new("Body");
    let mut message = None;
    each_child(cursor, |cursor, element| {
        if element.is(&Ns::Outbound, "notifications") {
            seen.once(&element)?;
            message = Some(notifications(cursor)?);
            Ok(())
        } else {
            skip(cursor)
        }
    })?;
    Ok(message)
}

fn notifications(cursor: &mut Cursor<'_>) -> Result<OutboundMessage, MessageError> {
    let mut seen = Seen::new("notifications");
    let mut organization_id = None;
    let mut action_id = None;
    let mut notifications = Vec::new();
    each_child(cursor, |cursor, element| {
        if element.ns != Ns::Outbound {
            return skip(cursor);
        }
        match element.name.as_str() {
            "Notification" => {
                if notifications.len() >= MAX_NOTIFICATIONS {
                    return Err(MessageError::TooManyNotifications {
                        limit: MAX_NOTIFICATIONS,
                    });
                }
                let number = notifications.len() + 1;
                notifications.push(notification(cursor, number)?);
            }
            "OrganizationId" => {
                seen.once(&element)?;
                organization_id = text(cursor, &element)?;
            }
            "ActionId" => {
                seen.once(&element)?;
                action_id = text(cursor, &element)?;
            }
            "SessionId" | "EnterpriseUrl" | "PartnerUrl" => {
                seen.once(&element)?;
                text(cursor, &element)?;
            }
            _ => skip(cursor)?,
        }
        Ok(())
    })?;
    let organization_id = organization_id
        .filter(|id| !id.is_empty())
        .ok_or(MessageError::MissingOrganizationId)?;
    if !looks_like_id(&organization_id) {
        return Err(MessageError::InvalidOrganizationId(excerpt(
            &organization_id,
        )));
    }
    let action_id = action_id.filter(|id| !id.is_empty());
    if let Some(id) = &action_id
        && !looks_like_id(id)
    {
        return Err(MessageError::InvalidActionId(excerpt(id)));
    }
    if notifications.is_empty() {
        return Err(MessageError::NoNotifications);
    }
    Ok(OutboundMessage {
        organization_id,
        action_id,
        notifications,
    })
}

fn notification(cursor: &mut Cursor<'_>, number: usize) -> Result<Notification, MessageError> {
    let mut seen = Seen::new("Notification");
    let mut id = None;
    let mut record = None;
    each_child(cursor, |cursor, element| {
        if element.is(&Ns::Outbound, "Id") {
            seen.once(&element)?;
            id = text(cursor, &element)?;
            Ok(())
        } else if element.is(&Ns::Outbound, "sObject") {
            seen.once(&element)?;
            record = Some(sobject(cursor, &element, number)?);
            Ok(())
        } else {
            skip(cursor)
        }
    })?;
    let id = id
        .filter(|id| !id.is_empty())
        .ok_or(MessageError::NotificationWithoutId {
            notification: number,
        })?;
    if !looks_like_id(&id) {
        return Err(MessageError::InvalidNotificationId {
            notification: number,
            value: excerpt(&id),
        });
    }
    let record = record.ok_or(MessageError::NotificationWithoutSObject {
        notification: number,
    })?;
    Ok(Notification {
        id,
        object: record.object,
        record_id: record.record_id,
        fields: record.fields,
    })
}

/// What an `sObject` holds.
struct Record {
    object: String,
    record_id: String,
    fields: BTreeMap<String, Option<String>>,
}

fn sobject(
    cursor: &mut Cursor<'_>,
    element: &Element,
    number: usize,
) -> Result<Record, MessageError> {
    let declared = element
        .xsi_type
        .as_deref()
        .ok_or(MessageError::SObjectWithoutType {
            notification: number,
        })?;
    // `sf:Contact`: the object is the local part of the QName.
    let object = declared.rsplit(':').next().unwrap_or_default();
    if !is_object_name(object) {
        return Err(MessageError::InvalidSObjectType {
            notification: number,
            value: excerpt(declared),
        });
    }
    let mut record_id = None;
    let mut seen_id = false;
    let mut fields = BTreeMap::new();
    each_child(cursor, |cursor, field| {
        if field.ns != Ns::SObject {
            return skip(cursor);
        }
        let duplicate = if field.name == "Id" {
            std::mem::replace(&mut seen_id, true)
        } else {
            fields.contains_key(&field.name)
        };
        if duplicate {
            return Err(MessageError::DuplicateElement {
                element: field.name.clone(),
                parent: "sObject".into(),
            });
        }
        if field.name != "Id" && fields.len() >= MAX_FIELDS {
            return Err(MessageError::TooManyFields {
                notification: number,
                limit: MAX_FIELDS,
            });
        }
        let value = text(cursor, &field)?;
        if field.name == "Id" {
            record_id = value;
        } else {
            fields.insert(field.name, value);
        }
        Ok(())
    })?;
    let record_id =
        record_id
            .filter(|id| !id.is_empty())
            .ok_or(MessageError::SObjectWithoutId {
                notification: number,
            })?;
    if !looks_like_id(&record_id) {
        return Err(MessageError::InvalidRecordId {
            notification: number,
            value: excerpt(&record_id),
        });
    }
    Ok(Record {
        object: object.to_owned(),
        record_id,
        fields,
    })
}

/// Visits the child elements of the element just opened until it closes. `visit` must consume
/// the child up to and including its end tag. Text between children is layout and ignored.
fn each_child<'i>(
    cursor: &mut Cursor<'i>,
    mut visit: impl FnMut(&mut Cursor<'i>, Element) -> Result<(), MessageError>,
) -> Result<(), MessageError> {
    loop {
        match cursor.next()? {
            Node::Open(element) => visit(cursor, element)?,
            Node::Text(_) => {}
            Node::Close => return Ok(()),
            Node::Eof => return Err(unexpected_eof()),
        }
    }
}

/// Consumes the element just opened, whatever it holds.
fn skip(cursor: &mut Cursor<'_>) -> Result<(), MessageError> {
    let mut open = 0usize;
    loop {
        match cursor.next()? {
            Node::Open(_) => open += 1,
            Node::Text(_) => {}
            Node::Close if open == 0 => return Ok(()),
            Node::Close => open -= 1,
            Node::Eof => return Err(unexpected_eof()),
        }
    }
}

/// The text of the element just opened, exactly as decoded; `None` when it is `xsi:nil`.
fn text(cursor: &mut Cursor<'_>, element: &Element) -> Result<Option<String>, MessageError> {
    let mut value = String::new();
    loop {
        match cursor.next()? {
            Node::Text(chunk) => {
                if value.len().saturating_add(chunk.len()) > MAX_VALUE_BYTES {
                    return Err(MessageError::FieldTooLarge {
                        element: element.name.clone(),
                        limit: MAX_VALUE_BYTES,
                    });
                }
                value.push_str(&chunk);
            }
            Node::Open(child) => {
                return Err(MessageError::NestedElement {
                    element: element.name.clone(),
                    child: child.name,
                });
            }
            // A nil element should be empty; if it is not, nil still wins.
            Node::Close => return Ok((!element.nil).then_some(value)),
            Node::Eof => return Err(unexpected_eof()),
        }
    }
}

fn outside_root(text: &str) -> Result<(), MessageError> {
    if text.chars().all(is_xml_space) {
        Ok(())
    } else {
        Err(MessageError::NotXml("text outside the root element".into()))
    }
}

fn unexpected_eof() -> MessageError {
    MessageError::NotXml("the body ends before the envelope is closed".into())
}

/// Whether `text` looks like a Salesforce id: 15 or 18 ASCII letters and digits. The checksum
/// of the 18-character form is not checked; Salesforce is trusted to send its own ids.
fn looks_like_id(text: &str) -> bool {
    matches!(text.len(), 15 | 18) && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// An API name such as `Contact` or `Invoice__c`.
fn is_object_name(text: &str) -> bool {
    let mut bytes = text.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// The XML 1.0 `Char` production.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// The start of a wire value for an error message.
fn excerpt(text: &str) -> String {
    const KEEP: usize = 64;
    match text.char_indices().nth(KEEP) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Remembers which once-only children an element has had.
struct Seen {
    parent: &'static str,
    names: BTreeSet<String>,
}

impl Seen {
    fn new(parent: &'static str) -> Self {
        Self {
            parent,
            names: BTreeSet::new(),
        }
    }

    fn once(&mut self, element: &Element) -> Result<(), MessageError> {
        if self.names.insert(element.name.clone()) {
            Ok(())
        } else {
            Err(MessageError::DuplicateElement {
                element: element.name.clone(),
                parent: self.parent.into(),
            })
        }
    }
}

/// The namespaces the message uses, resolved from whatever prefixes the sender chose.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ns {
    SoapEnv,
    Outbound,
    SObject,
    Xsi,
    None,
    Other(String),
}

impl Ns {
    fn resolve(result: ResolveResult<'_>) -> Result<Ns, MessageError> {
        match result {
            ResolveResult::Unbound => Ok(Ns::None),
            ResolveResult::Bound(ns) => Ok(match ns.into_inner() {
                SOAP_ENV_NS => Ns::SoapEnv,
                OUTBOUND_NS => Ns::Outbound,
                SOBJECT_NS => Ns::SObject,
                XSI_NS => Ns::Xsi,
                other => Ns::Other(String::from_utf8_lossy(other).into_owned()),
            }),
            ResolveResult::Unknown(prefix) => Err(MessageError::NotXml(format!(
                "the namespace prefix {:?} is not declared",
                String::from_utf8_lossy(&prefix)
            ))),
        }
    }

    fn uri(&self) -> Option<String> {
        let known = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        match self {
            Ns::SoapEnv => Some(known(SOAP_ENV_NS)),
            Ns::Outbound => Some(known(OUTBOUND_NS)),
            Ns::SObject => Some(known(SOBJECT_NS)),
            Ns::Xsi => Some(known(XSI_NS)),
            Ns::None => None,
            Ns::Other(uri) => Some(uri.clone()),
        }
    }
}

/// An opened element: where it belongs and the attributes the message uses.
#[derive(Debug)]
struct Element {
    ns: Ns,
    name: String,
    nil: bool,
    xsi_type: Option<String>,
}

impl Element {
    fn is(&self, ns: &Ns, name: &str) -> bool {
        &self.ns == ns && self.name == name
    }

    fn describe(&self) -> String {
        match self.ns.uri() {
            Some(uri) => format!("{} in namespace {}", self.name, excerpt(&uri)),
            None => format!("{} in no namespace", self.name),
        }
    }
}

/// What the message structure needs from the XML: elements opening and closing, and their
/// text already decoded. Comments, processing instructions and the declaration never show.
enum Node<'i> {
    Open(Element),
    Text(Cow<'i, str>),
    Close,
    Eof,
}

struct Cursor<'i> {
    reader: NsReader<&'i [u8]>,
    depth: usize,
    /// An empty element was reported as opened; its close comes next.
    pending_close: bool,
}

impl<'i> Cursor<'i> {
    fn new(body: &'i [u8]) -> Self {
        let mut reader = NsReader::from_reader(body);
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        config.check_comments = true;
        Self {
            reader,
            depth: 0,
            pending_close: false,
        }
    }

    fn next(&mut self) -> Result<Node<'i>, MessageError> {
        if std::mem::take(&mut self.pending_close) {
            self.depth = self.depth.saturating_sub(1);
            return Ok(Node::Close);
        }
        loop {
            let (ns, event) = match self.reader.read_resolved_event() {
                Ok((ns, event)) => (Ns::resolve(ns), event),
                Err(e) => {
                    return Err(MessageError::NotXml(format!(
                        "{e} (at byte {})",
                        self.reader.error_position()
                    )));
                }
            };
            match event {
                Event::Start(start) => return self.open(ns?, &start),
                Event::Empty(start) => {
                    let node = self.open(ns?, &start)?;
                    self.pending_close = true;
                    return Ok(node);
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(Node::Close);
                }
                Event::Text(text) => return text.xml10_content().map(Node::Text).map_err(utf8),
                Event::CData(data) => return data.xml10_content().map(Node::Text).map_err(utf8),
                Event::GeneralRef(reference) => {
                    if let Some(c) = reference
                        .resolve_char_ref()
                        .map_err(|e| MessageError::NotXml(e.to_string()))?
                    {
                        return Ok(Node::Text(Cow::Owned(c.to_string())));
                    }
                    let name = reference.decode().map_err(utf8)?;
                    let predefined = match name.as_ref() {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "apos" => "'",
                        "quot" => "\"",
                        other => return Err(MessageError::UndefinedEntity(excerpt(other))),
                    };
                    return Ok(Node::Text(Cow::Borrowed(predefined)));
                }
                Event::DocType(_) => return Err(MessageError::DtdPresent),
                Event::Decl(decl) => check_encoding(&decl)?,
                Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => return Ok(Node::Eof),
            }
        }
    }

    fn open(&mut self, ns: Ns, start: &BytesStart<'_>) -> Result<Node<'i>, MessageError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(MessageError::TooDeep { limit: MAX_DEPTH });
        }
        let name = std::str::from_utf8(start.local_name().into_inner())
            .map_err(|_| utf8_error())?
            .to_owned();
        let mut element = Element {
            ns,
            name,
            nil: false,
            xsi_type: None,
        };
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|e| MessageError::NotXml(e.to_string()))?;
            let (ns, local) = self.reader.resolve_attribute(attribute.key);
            if Ns::resolve(ns)? != Ns::Xsi {
                continue;
            }
            let value = || {
                attribute
                    .decode_and_unescape_value(self.reader.decoder())
                    .map_err(|e| MessageError::NotXml(e.to_string()))
            };
            match local.as_ref() {
                // xsd:boolean: `true` or `1`, surrounding whitespace allowed.
                b"nil" => element.nil = matches!(value()?.trim_matches(is_xml_space), "true" | "1"),
                b"type" => element.xsi_type = Some(value()?.trim_matches(is_xml_space).to_owned()),
                _ => {}
            }
        }
        Ok(Node::Open(element))
    }
}

fn check_encoding(decl: &quick_xml::events::BytesDecl<'_>) -> Result<(), MessageError> {
    match decl.encoding() {
        None => Ok(()),
        Some(Err(e)) => Err(MessageError::NotXml(e.to_string())),
        Some(Ok(name)) => {
            let name = String::from_utf8_lossy(&name);
            if ["utf-8", "utf8", "us-ascii"]
                .iter()
                .any(|ok| name.eq_ignore_ascii_case(ok))
            {
                Ok(())
            } else {
                Err(MessageError::UnsupportedEncoding(excerpt(&name)))
            }
        }
    }
}

fn utf8(_: quick_xml::encoding::EncodingError) -> MessageError {
    utf8_error()
}

fn utf8_error() -> MessageError {
    MessageError::NotXml("the body is not valid UTF-8".into())
}
