//! How deep YAML flow collections (`[…]`, `{…}`) nest, measured before libyaml sees the text.
//!
//! libyaml's scanner walks its stack of open flow levels on every token, so a document nested
//! `n` deep costs `n²`: 100,000 `[` took 74 s just to reach serde's recursion error. This pass
//! finds the first `[` or `{` that opens a level past the limit in one linear pass, so such a
//! document is refused in milliseconds.
//!
//! It must not be fooled: a `[` inside a quoted string, a block scalar or a comment opens
//! nothing, and a `]` there closes nothing (`["]", ["]", …` nests as deep as it looks). So it
//! follows the token boundaries of libyaml's scanner: quoted, plain and block scalars, comments,
//! tags, anchors, and the indentation that decides where a block scalar or a multi-line plain
//! scalar ends. Where libyaml would stop with a syntax error anyway, what this pass says does
//! not matter: that error comes quickly.

/// Bytes that end a line for libyaml: `\n`, `\r`, `\r\n`, NEL, LS and PS.
fn break_len(b: &[u8], pos: usize) -> usize {
    match b.get(pos..).unwrap_or_default() {
        [b'\r', b'\n', ..] => 2,
        [b'\n' | b'\r', ..] => 1,
        [0xC2, 0x85, ..] => 2,
        [0xE2, 0x80, 0xA8 | 0xA9, ..] => 3,
        _ => 0,
    }
}

/// Length in bytes of the UTF-8 character starting with `byte`.
fn char_len(byte: u8) -> usize {
    match byte {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Byte offset of the first `[` or `{` that opens flow level `limit + 1`, if there is one.
pub fn too_deep(text: &str, limit: usize) -> Option<usize> {
    let mut scan = Scan::new(text.as_bytes(), limit);
    scan.run()
}

/// The deepest flow level `text` reaches (for tests: the real thing stops at the limit).
#[cfg(test)]
fn max_depth(text: &str) -> usize {
    let mut scan = Scan::new(text.as_bytes(), usize::MAX);
    scan.run();
    scan.deepest
}

/// The scanner's position and the state libyaml keeps that decides token boundaries.
struct Scan<'a> {
    b: &'a [u8],
    pos: usize,
    /// Column in characters, as libyaml counts it.
    column: usize,
    line: usize,
    /// Open flow collections.
    flow: usize,
    deepest: usize,
    limit: usize,
    /// libyaml's indentation stack (block collections); its top is `parser->indent`.
    indents: Vec<isize>,
    /// Whether a node starting here could be a mapping key (libyaml's `simple_key_allowed`).
    key_allowed: bool,
    /// Line and column of the node that would be the key if a `:` follows on that line.
    key: Option<(usize, usize)>,
}

impl<'a> Scan<'a> {
    fn new(b: &'a [u8], limit: usize) -> Self {
        Scan {
            b,
            pos: 0,
            column: 0,
            line: 0,
            flow: 0,
            deepest: 0,
            limit,
            indents: Vec::new(),
            key_allowed: true,
            key: None,
        }
    }

    fn at(&self, offset: usize) -> u8 {
        self.b.get(self.pos + offset).copied().unwrap_or(0)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.b.len()
    }

    fn is_break(&self, offset: usize) -> bool {
        break_len(self.b, self.pos + offset) > 0
    }

    fn is_blank(&self, offset: usize) -> bool {
        matches!(self.at(offset), b' ' | b'\t')
    }

    /// Blank, line break or end of text.
    fn is_blankz(&self, offset: usize) -> bool {
        self.pos + offset >= self.b.len() || self.is_blank(offset) || self.is_break(offset)
    }

    /// Moves past one character, keeping line and column.
    fn advance(&mut self) {
        let breaks = break_len(self.b, self.pos);
        if breaks > 0 {
            self.pos += breaks;
            self.line += 1;
            self.column = 0;
        } else if !self.at_end() {
            self.pos += char_len(self.b[self.pos]);
            self.column += 1;
        }
    }

    fn indent(&self) -> isize {
        self.indents.last().copied().unwrap_or(-1)
    }

    /// A block collection starts at `column` (libyaml's `roll_indent`).
    fn roll(&mut self, column: usize) {
        if self.flow == 0 && self.indent() < column as isize {
            self.indents.push(column as isize);
        }
    }

    /// Block collections indented deeper than `column` end (libyaml's `unroll_indent`).
    fn unroll(&mut self, column: isize) {
        if self.flow == 0 {
            while self.indent() > column {
                self.indents.pop();
            }
        }
    }

    /// `---` or `...` at the start of a line.
    fn at_document_marker(&self) -> bool {
        self.column == 0
            && (self.b[self.pos..].starts_with(b"---") || self.b[self.pos..].starts_with(b"..."))
            && self.is_blankz(3)
    }

    /// A node starts here: remember it as the possible key of a block mapping.
    fn node_starts(&mut self) {
        if self.key_allowed && self.flow == 0 {
            self.key = Some((self.line, self.column));
        }
        self.key_allowed = false;
    }

    fn run(&mut self) -> Option<usize> {
        loop {
            self.skip_to_next_token();
            if self.at_end() {
                return None;
            }
            self.unroll(self.column as isize);
            if self.at_document_marker() {
                self.unroll(-1);
                for _ in 0..3 {
                    self.advance();
                }
                continue;
            }
            match self.at(0) {
                b'[' | b'{' => {
                    self.node_starts();
                    self.flow += 1;
                    self.deepest = self.deepest.max(self.flow);
                    if self.flow > self.limit {
                        return Some(self.pos);
                    }
                    self.key_allowed = true;
                    self.advance();
                }
                b']' | b'}' => {
                    self.flow = self.flow.saturating_sub(1);
                    self.key_allowed = false;
                    self.advance();
                }
                b',' => {
                    self.key_allowed = true;
                    self.advance();
                }
                b'-' if self.is_blankz(1) => {
                    self.roll(self.column);
                    self.key_allowed = true;
                    self.advance();
                }
                b'?' if self.flow > 0 || self.is_blankz(1) => {
                    self.roll(self.column);
                    self.key_allowed = true;
                    self.advance();
                }
                b':' if self.flow > 0 || self.is_blankz(1) => {
                    match self.key.take() {
                        Some((line, column)) if line == self.line => self.roll(column),
                        _ => self.roll(self.column),
                    }
                    self.key_allowed = self.flow == 0;
                    self.advance();
                }
                b'*' | b'&' => {
                    self.node_starts();
                    self.advance();
                    while self.at(0).is_ascii_alphanumeric() || matches!(self.at(0), b'-' | b'_') {
                        self.advance();
                    }
                }
                b'!' => {
                    self.node_starts();
                    self.skip_tag();
                }
                b'|' | b'>' if self.flow == 0 => {
                    self.node_starts();
                    self.skip_block_scalar();
                    self.key_allowed = true;
                }
                b'\'' | b'"' => {
                    self.node_starts();
                    self.skip_quoted();
                }
                _ => {
                    self.node_starts();
                    self.skip_plain();
                }
            }
        }
    }

    /// Blanks, comments and line breaks between tokens.
    fn skip_to_next_token(&mut self) {
        loop {
            while self.is_blank(0) {
                self.advance();
            }
            if self.at(0) == b'#' {
                while !self.at_end() && !self.is_break(0) {
                    self.advance();
                }
            }
            if self.is_break(0) {
                self.advance();
                if self.flow == 0 {
                    self.key_allowed = true;
                }
            } else {
                return;
            }
        }
    }

    /// `!tag`, `!!str`, `!e!suffix` or `!<verbatim>`: libyaml's URI characters.
    fn skip_tag(&mut self) {
        let verbatim = self.at(1) == b'<';
        self.advance();
        if verbatim {
            self.advance();
        }
        loop {
            let c = self.at(0);
            let uri = c.is_ascii_alphanumeric()
                || b"-_;/?:@&=+$.%!~*'()".contains(&c)
                || (verbatim && b",[]".contains(&c));
            if !uri || self.at_end() {
                break;
            }
            self.advance();
        }
        if verbatim && self.at(0) == b'>' {
            self.advance();
        }
    }

    /// A single- or double-quoted scalar, which may run over several lines.
    fn skip_quoted(&mut self) {
        let quote = self.at(0);
        self.advance();
        while !self.at_end() {
            match self.at(0) {
                b'\'' if quote == b'\'' => {
                    if self.at(1) == b'\'' {
                        self.advance();
                    } else {
                        self.advance();
                        return;
                    }
                }
                b'\\' if quote == b'"' => self.advance(),
                b'"' if quote == b'"' => {
                    self.advance();
                    return;
                }
                _ => {}
            }
            self.advance();
        }
    }

    /// A plain scalar: to `: `, ` #`, a flow indicator inside a flow collection, or a line
    /// indented no deeper than the block it belongs to (libyaml's `scan_plain_scalar`).
    fn skip_plain(&mut self) {
        let indent = self.indent() + 1;
        loop {
            if self.at_document_marker() || self.at(0) == b'#' {
                return;
            }
            while !self.is_blankz(0) {
                let c = self.at(0);
                let flow_indicator = |c: u8| b",[]{}".contains(&c);
                if (c == b':' && (self.is_blankz(1) || (self.flow > 0 && self.at(1) == b'?')))
                    || (self.flow > 0
                        && (flow_indicator(c) || (c == b':' && flow_indicator(self.at(1)))))
                {
                    return;
                }
                self.advance();
            }
            if !(self.is_blank(0) || self.is_break(0)) {
                return;
            }
            while self.is_blank(0) || self.is_break(0) {
                if self.is_break(0) {
                    self.key_allowed = true;
                }
                self.advance();
            }
            if self.flow == 0 && (self.column as isize) < indent {
                return;
            }
        }
    }

    /// `|` or `>` with its header, then every line indented at least as deep as its content
    /// (libyaml's `scan_block_scalar`; the indentation is explicit or taken from the first
    /// non-empty line, and at least one more than the enclosing block's).
    fn skip_block_scalar(&mut self) {
        self.advance();
        let mut increment = 0;
        for _ in 0..2 {
            match self.at(0) {
                b'+' | b'-' => self.advance(),
                c @ b'1'..=b'9' => {
                    increment = (c - b'0') as isize;
                    self.advance();
                }
                _ => {}
            }
        }
        while self.is_blank(0) {
            self.advance();
        }
        if self.at(0) == b'#' {
            while !self.at_end() && !self.is_break(0) {
                self.advance();
            }
        }
        if !self.is_break(0) {
            // libyaml reports an error here.
            return;
        }
        self.advance();
        let parent = self.indent();
        let mut indent = if increment > 0 {
            parent.max(0) + increment
        } else {
            0
        };
        // Leading empty lines, and the indentation of the first non-empty one.
        let mut deepest = 0;
        loop {
            while (indent == 0 || (self.column as isize) < indent) && self.at(0) == b' ' {
                self.advance();
            }
            deepest = deepest.max(self.column as isize);
            if !self.is_break(0) {
                break;
            }
            self.advance();
        }
        if indent == 0 {
            indent = deepest.max(parent + 1).max(1);
        }
        // Content lines: each starts at `indent` after the loop below has eaten its spaces.
        while self.column as isize == indent && !self.at_end() {
            while !self.at_end() && !self.is_break(0) {
                self.advance();
            }
            if self.at_end() {
                return;
            }
            self.advance();
            loop {
                while (self.column as isize) < indent && self.at(0) == b' ' {
                    self.advance();
                }
                if !self.is_break(0) {
                    break;
                }
                self.advance();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts that libyaml accepts `yaml` (so the case is one it would scan to the end) and
    /// that its flow collections nest `depth` deep.
    #[track_caller]
    fn depth_of_valid(yaml: &str, depth: usize) {
        let parsed: Result<serde_yaml_ng::Value, _> = serde_yaml_ng::from_str(yaml);
        assert!(parsed.is_ok(), "libyaml rejects {yaml:?}: {parsed:?}");
        assert_eq!(max_depth(yaml), depth, "in {yaml:?}");
    }

    #[test]
    fn flow_collections_are_counted() {
        depth_of_valid("a: [1, [2, {b: [3]}]]\n", 4);
        depth_of_valid("a: []\nb: {}\nc: [[]]\n", 2);
        depth_of_valid("- [a]\n- [b, [c]]\n", 2);
        depth_of_valid("a: [\n  [1,\n   [2]],\n  3]\n", 3);
        depth_of_valid("[a]: b\n", 1);
    }

    #[test]
    fn brackets_in_scalars_and_comments_are_text() {
        depth_of_valid("a: \"[[[[\"\nb: '{{{{'\n", 0);
        depth_of_valid("a: x[[[[y\nb: c{{\n", 0);
        depth_of_valid("a: 1 # [[[[\n# {{{{\n", 0);
        depth_of_valid("a: |\n  [[[[\n  {{{{\nb: >-\n  [[[[\n", 0);
        depth_of_valid("a: it's [[[[ here\n", 0);
        depth_of_valid("a: !<tag:x,2024:[a]> b\n", 0);
        depth_of_valid("a: 'it''s [['\n", 0);
        depth_of_valid("a: \"\\\"[[\"\n", 0);
    }

    #[test]
    fn closing_brackets_in_strings_do_not_hide_nesting() {
        let sneaky = format!("a: {}\n", "[\"]\", ".repeat(10) + &"]".repeat(10));
        depth_of_valid(&sneaky, 10);
        let single = format!("a: {}\n", "['}', ".repeat(10) + &"]".repeat(10));
        depth_of_valid(&single, 10);
        let commented = format!("a: {}\n", "[ # ]\n".repeat(10) + &"]".repeat(10));
        depth_of_valid(&commented, 10);
    }

    #[test]
    fn quotes_inside_plain_scalars_open_no_string() {
        // `a"b` and `a 'b` are plain scalars: what follows their quote is structure.
        let doc = format!("a: {}\n", "[a\"b, ".repeat(10) + &"]".repeat(10));
        depth_of_valid(&doc, 10);
        let doc = format!("a: {}\n", "[a 'b, ".repeat(10) + &"]".repeat(10));
        depth_of_valid(&doc, 10);
        // A plain scalar that goes on over an indented line, quote and all.
        depth_of_valid("a: x\n  \"y\nb: [[[1]]]\n", 3);
    }

    #[test]
    fn block_scalars_end_where_libyaml_ends_them() {
        // The block scalar ends at `b:`; its quote opens nothing.
        depth_of_valid("a: |\n  \"\nb: [[[1]]]\n", 3);
        // `- x: |` opens a mapping at column 2: a line at column 2 is its next key, not text.
        depth_of_valid("- x: |\n  y: [[[1]]]\n", 3);
        depth_of_valid("- x: |\n   text \"\n  y: [[[1]]]\n", 3);
        // Explicit indentation.
        depth_of_valid("a: |2\n   \"x\nb: [[1]]\n", 2);
        // Empty lines inside, and more indented lines.
        depth_of_valid("a: |\n  x\n\n    \"y\n  z\nb: [[1]]\n", 2);
    }

    /// Nesting of a parsed value: what libyaml itself found.
    fn value_depth(value: &serde_yaml_ng::Value) -> usize {
        use serde_yaml_ng::Value as V;
        match value {
            V::Sequence(items) => 1 + items.iter().map(value_depth).max().unwrap_or(0),
            V::Mapping(map) => {
                1 + map
                    .iter()
                    .map(|(k, v)| value_depth(k).max(value_depth(v)))
                    .max()
                    .unwrap_or(0)
            }
            V::Tagged(tagged) => value_depth(&tagged.value),
            _ => 0,
        }
    }

    /// Random documents of flow collections, strings, plain scalars, comments and block scalars
    /// under a top-level mapping: wherever libyaml accepts one, this pass must agree with it on
    /// the depth (the mapping adds one).
    #[test]
    fn agrees_with_libyaml_on_random_documents() {
        const PIECES: &[&str] = &[
            "[",
            "]",
            "{",
            "}",
            ", ",
            ",",
            " ",
            "\"]\"",
            "\"[\"",
            "'['",
            "'}'",
            "a",
            "a'b",
            "a\"b",
            " # ]\n",
            "\n",
            "\n  ",
            "{k: ",
            "\"\\\"]\"",
            "'it''s ]'",
            "!t ",
            "&a ",
            "-1",
            "\"a\n ]\"",
            "a ]",
        ];
        const VALUES: &[&str] = &["", "|\n  ]\n  \"\n", ">-\n   ['\n", "1 # [\n", "'a ['\n"];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut checked = 0;
        for _ in 0..40_000 {
            let mut doc = String::new();
            for key in 0..1 + next(3) {
                doc.push_str(&format!("k{key}: "));
                if next(3) == 0 {
                    doc.push_str(VALUES[next(VALUES.len())]);
                    continue;
                }
                // Inside a flow list, so that no block collection can nest below the top; and no bare
                // `key: ` in a list, whose implicit one-pair table is not a flow level of libyaml's.
                doc.push('[');
                for _ in 0..next(14) {
                    doc.push_str(PIECES[next(PIECES.len())]);
                }
                doc.push_str("]\n");
            }
            let Ok(value) = serde_yaml_ng::from_str::<serde_yaml_ng::Value>(&doc) else {
                continue;
            };
            if !value.is_mapping() {
                continue;
            }
            checked += 1;
            assert_eq!(max_depth(&doc) + 1, value_depth(&value), "in {doc:?}");
        }
        assert!(checked > 2_000, "only {checked} documents were valid YAML");
    }

    #[test]
    fn tags_and_anchors() {
        depth_of_valid("a: !!seq [[1]]\nb: &x [[[2]]]\nc: *x\n", 3);
    }

    #[test]
    fn the_first_bracket_past_the_limit_is_found() {
        let doc = format!("title: a\nx: {}{}\n", "[".repeat(100), "]".repeat(100));
        assert_eq!(too_deep(&doc, 64), Some("title: a\nx: ".len() + 64));
        assert_eq!(too_deep(&doc, 100), None);
    }

    #[test]
    fn deep_nesting_is_refused_in_linear_time() {
        for n in [100_000, 1_000_000] {
            let doc = format!("x: {}{}\n", "[".repeat(n), "]".repeat(n));
            let start = std::time::Instant::now();
            assert!(too_deep(&doc, 64).is_some());
            assert!(start.elapsed() < std::time::Duration::from_millis(500));
        }
        // Unterminated strings and odd bytes end the scan, not the process.
        for doc in [
            "a: \"[[[",
            "a: '[[",
            "a: |",
            "a: !<",
            "\u{2028}[\u{85}]",
            "[\r\n[",
            "é[ü",
        ] {
            let _ = too_deep(doc, 1);
        }
    }
}
