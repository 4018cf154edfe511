//! Redaction of secrets in SOAP bodies before they reach a log: the text of every element whose
//! local name is `password` (as in `Login`) becomes `***`.

/// Returns `xml` with the content of every `<password>` / `<prefix:password>` element replaced by
/// `***`. Works on text, never fails: a malformed body is redacted as far as it can be parsed, and
/// an unterminated password element is cut at its start tag.
pub fn redact_passwords(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>').map(|i| start + i) else {
            break;
        };
        let tag = &rest[start + 1..end];
        out.push_str(&rest[..=end]);
        rest = &rest[end + 1..];
        if is_password_start_tag(tag) {
            out.push_str("***");
            match rest.find('<') {
                Some(next) => rest = &rest[next..],
                None => return out,
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_password_start_tag(tag: &str) -> bool {
    if tag.starts_with('/') || tag.ends_with('/') || tag.starts_with('?') || tag.starts_with('!') {
        return false;
    }
    let name = tag.split_whitespace().next().unwrap_or("");
    let local = name.rsplit(':').next().unwrap_or(name);
    local.eq_ignore_ascii_case("password")
}

#[cfg(test)]
mod tests {
    use super::redact_passwords;

    #[test]
    fn login_password_is_redacted_and_the_rest_kept() {
        let body = r#"<Login xmlns="urn:vim25"><_this type="SessionManager">ha-sessionmgr</_this><userName>root</userName><password>s3cr&amp;t</password></Login>"#;
        let redacted = redact_passwords(body);
        assert!(!redacted.contains("s3cr"), "{redacted}");
        assert!(redacted.contains("<password>***</password>"), "{redacted}");
        assert!(redacted.contains("<userName>root</userName>"), "{redacted}");
    }

    #[test]
    fn prefixed_and_attributed_password_elements_are_redacted() {
        let body =
            r#"<v:password xsi:type="xsd:string">abc</v:password><passwordX>keep</passwordX>"#;
        let redacted = redact_passwords(body);
        assert_eq!(
            redacted,
            r#"<v:password xsi:type="xsd:string">***</v:password><passwordX>keep</passwordX>"#
        );
    }

    #[test]
    fn unterminated_password_never_leaks() {
        let redacted = redact_passwords("<password>abc");
        assert_eq!(redacted, "<password>***");
        assert_eq!(redact_passwords("<password"), "<password");
        assert_eq!(redact_passwords(""), "");
    }
}
