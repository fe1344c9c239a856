//! MLSD/MLST entries (RFC 3659): `fact=value;fact=value; name`.

/// One MLSD line: the name (bytes: servers send names that are not UTF-8) and its facts,
/// fact names lower-cased as ftplib does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlsdEntry {
    pub name: Vec<u8>,
    pub facts: Vec<(String, String)>,
    /// The facts part exactly as received.
    pub raw_facts: Vec<u8>,
}

impl MlsdEntry {
    /// Splits at the first space, like ftplib: facts before it, the name after it.
    /// A line without a space is all name.
    pub fn parse(line: &[u8]) -> MlsdEntry {
        let (facts_part, name) = match line.iter().position(|&b| b == b' ') {
            Some(p) => (&line[..p], &line[p + 1..]),
            None => (&line[..0], line),
        };
        let text = String::from_utf8_lossy(facts_part);
        let facts = text
            .split(';')
            .filter(|f| !f.is_empty())
            .map(|f| match f.split_once('=') {
                Some((k, v)) => (k.to_ascii_lowercase(), v.to_string()),
                None => (f.to_ascii_lowercase(), String::new()),
            })
            .collect();
        MlsdEntry { name: name.to_vec(), facts, raw_facts: facts_part.to_vec() }
    }

    /// The value of a fact, by case-insensitive name.
    pub fn fact(&self, name: &str) -> Option<&str> {
        self.facts.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// A fact's value as the server sent it: `fact` decodes the facts as UTF-8 (lossily),
    /// which a value that holds a path (a link's target) must not go through.
    pub fn raw_fact(&self, name: &str) -> Option<&[u8]> {
        self.raw_facts.split(|&b| b == b';').find_map(|f| {
            let eq = f.iter().position(|&b| b == b'=')?;
            f[..eq].eq_ignore_ascii_case(name.as_bytes()).then(|| &f[eq + 1..])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_facts_and_name() {
        let e = MlsdEntry::parse(b"Type=file;Size=1024;Modify=20240101120000; my file.txt");
        assert_eq!(e.name, b"my file.txt");
        assert_eq!(e.fact("type"), Some("file"));
        assert_eq!(e.fact("SIZE"), Some("1024"));
        assert_eq!(e.facts[0].0, "type");
        assert_eq!(e.raw_facts, b"Type=file;Size=1024;Modify=20240101120000;");
    }

    #[test]
    fn odd_lines() {
        let e = MlsdEntry::parse(b" name-only");
        assert_eq!(e.name, b"name-only");
        assert!(e.facts.is_empty());
        let e = MlsdEntry::parse(b"type=dir;perm=el; \xffbad");
        assert_eq!(e.name, b"\xffbad");
        let e = MlsdEntry::parse(b"type=file;weird; x");
        assert_eq!(e.fact("weird"), Some(""));
        let e = MlsdEntry::parse(b"");
        assert!(e.name.is_empty());
    }
}
