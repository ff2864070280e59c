//! Where a `next` parameter may send someone: only a path on this site,
//! rebuilt from its parsed parts. Browsers forgive a lot (they drop tabs and
//! newlines, read `\` as `/`, and `//host` as another site), so the target
//! is parsed the way a browser would, against a placeholder origin, and
//! kept only if it stays on that origin; what is sent back is the parsed
//! path and query, percent-encoded, never the text as given.

/// The placeholder origin targets are resolved against.
const ORIGIN: &str = "http://paydesk.invalid/";

/// `next` as a path (and query) on this site, or `default`.
pub fn local_target(next: Option<&str>, default: &str) -> String {
    next.and_then(parse).unwrap_or_else(|| default.to_string())
}

fn parse(next: &str) -> Option<String> {
    // Relative paths ("agent", "../x") and anything with a scheme are not
    // ours to follow; only an absolute path is.
    if !next.starts_with('/') {
        return None;
    }
    let origin = url::Url::parse(ORIGIN).ok()?;
    let target = origin.join(next).ok()?;
    if target.origin() != origin.origin() || !target.username().is_empty() || target.password().is_some() {
        return None;
    }
    let mut local = target.path().to_string();
    if !local.starts_with('/') || local.starts_with("//") {
        return None;
    }
    if let Some(query) = target.query() {
        local.push('?');
        local.push_str(query);
    }
    // What the parser kept is URL-safe ASCII; anything else is refused.
    local.bytes().all(|b| b.is_ascii_graphic()).then_some(local)
}

#[cfg(test)]
mod tests {
    use super::local_target;

    #[test]
    fn local_paths_are_kept() {
        assert_eq!(local_target(Some("/agent?view=open"), "/"), "/agent?view=open");
        assert_eq!(local_target(Some("/t/abc/created"), "/"), "/t/abc/created");
        assert_eq!(local_target(Some("/tickets/new?symptom=error_shown"), "/"), "/tickets/new?symptom=error_shown");
        assert_eq!(local_target(None, "/agent"), "/agent");
    }

    #[test]
    fn anything_that_could_leave_the_site_goes_to_the_default() {
        for hostile in [
            "//evil.example",
            "/\t/evil.example",
            "/%09/evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\n/evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "evil.example",
            "//user:pass@evil.example/",
            "",
        ] {
            let got = local_target(Some(hostile), "/agent");
            assert!(got == "/agent" || (got.starts_with('/') && !got.starts_with("//")), "{hostile:?} -> {got:?}");
            assert!(!got.contains("evil.example") || got.starts_with("/%"), "{hostile:?} -> {got:?}");
        }
    }

    #[test]
    fn control_characters_never_reach_the_header() {
        let got = local_target(Some("/agent\r\nSet-Cookie: x=1"), "/agent");
        assert!(got.bytes().all(|b| b.is_ascii_graphic()), "{got:?}");
        assert!(!got.contains('\r') && !got.contains('\n'));
    }
}
