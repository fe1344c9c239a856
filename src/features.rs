//! FEAT (RFC 2389) replies parsed: what the server says it supports, kept by the
//! session (`extended.rs` asks) for queries such as "does it do MLST?".

use crate::reply::Reply;

/// The features a FEAT reply listed: each name (upper-cased) with its parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Features {
    entries: Vec<(String, String)>,
}

impl Features {
    /// Parses a 211 reply: the lines between the first and the last, each one feature
    /// ("MLST type*;size*;", "REST STREAM", "UTF8"), indented by a space.
    pub fn parse(reply: &Reply) -> Features {
        let inner = reply.lines.len().saturating_sub(1);
        let entries = reply
            .lines
            .iter()
            .take(inner)
            .skip(1)
            .filter_map(|line| {
                let text = String::from_utf8_lossy(line);
                let text = text.trim();
                if text.is_empty() {
                    return None;
                }
                let (name, params) = text.split_once(' ').unwrap_or((text, ""));
                Some((name.to_ascii_uppercase(), params.trim().to_string()))
            })
            .collect();
        Features { entries }
    }

    /// True when the server listed `name` (any case). "REST STREAM" and the like match
    /// on the name and its parameters.
    pub fn has(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// The parameters listed with `name` ("type*;size*;" for MLST), "" if none.
    pub fn params(&self, name: &str) -> Option<&str> {
        self.find(name).map(|(_, p)| p.as_str())
    }

    fn find(&self, name: &str) -> Option<&(String, String)> {
        let (name, want) = name.trim().split_once(' ').unwrap_or((name.trim(), ""));
        self.entries
            .iter()
            .find(|(n, p)| n.eq_ignore_ascii_case(name) && (want.is_empty() || p.eq_ignore_ascii_case(want)))
    }

    /// The MLST facts the server offers, each with whether it is enabled ('*').
    pub fn mlst_facts(&self) -> Vec<(String, bool)> {
        self.params("MLST")
            .unwrap_or("")
            .split(';')
            .filter(|f| !f.is_empty())
            .map(|f| match f.strip_suffix('*') {
                Some(name) => (name.to_ascii_lowercase(), true),
                None => (f.to_ascii_lowercase(), false),
            })
            .collect()
    }

    /// Every feature as (name, parameters).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, p)| (n.as_str(), p.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(lines: &[&str]) -> Reply {
        Reply { code: 211, lines: lines.iter().map(|l| l.as_bytes().to_vec()).collect() }
    }

    #[test]
    fn parses_the_usual_forms() {
        let f = Features::parse(&reply(&[
            "211-Features:",
            " MDTM",
            " MLST type*;size*;modify*;perm;unique;",
            " REST STREAM",
            " SIZE",
            " utf8",
            " AUTH TLS",
            "211 End",
        ]));
        assert!(f.has("mdtm") && f.has("UTF8") && f.has("REST STREAM") && f.has("REST") && f.has("AUTH TLS"));
        assert!(!f.has("MFMT") && !f.has("REST FOO") && !f.has("End") && !f.has("Features:"));
        assert_eq!(f.params("MLST"), Some("type*;size*;modify*;perm;unique;"));
        assert_eq!(f.params("SIZE"), Some(""));
        assert_eq!(
            f.mlst_facts(),
            vec![
                ("type".into(), true),
                ("size".into(), true),
                ("modify".into(), true),
                ("perm".into(), false),
                ("unique".into(), false)
            ]
        );
        assert_eq!(f.iter().count(), 6);
    }

    #[test]
    fn a_single_line_211_has_no_features() {
        assert_eq!(Features::parse(&reply(&["211 no features"])), Features::default());
    }
}
