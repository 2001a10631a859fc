//! The ASCII slug rule, for URLs and heading anchors.
//!
//! Chinese file names and headings are the norm on government sites, but percent-encoded URLs are
//! unreadable when pasted into a notice or read over the phone. The rule, stable across builds:
//!
//! 1. Every character is transliterated to ASCII with `deunicode`: Chinese characters become their
//!    Mandarin pinyin without tones (法治 → "Fa Zhi"), full-width forms become ASCII, accented
//!    letters lose their accents.
//! 2. The result is lower-cased; every run of characters other than `a-z` and `0-9` becomes one `-`;
//!    leading and trailing `-` are dropped.
//! 3. Slugs are cut to at most [`MAX_SLUG_LEN`] bytes at a `-` boundary.
//! 4. An input with nothing left (only punctuation, say) gets the slug `page`.
//!
//! So `2023年度法治政府建设报告` → `2023-nian-du-fa-zhi-zheng-fu-jian-she-bao-gao` and
//! `一、主要工作` → `yi-zhu-yao-gong-zuo`. A page's front matter `slug` overrides the rule.

/// Longest slug, in bytes.
pub const MAX_SLUG_LEN: usize = 96;

/// Applies the slug rule above.
pub fn slugify(input: &str) -> String {
    let mut ascii = String::with_capacity(input.len() * 2);
    for c in input.chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else if let Some(latin) = deunicode::deunicode_char(c) {
            // A Chinese character is a syllable of its own: keep it apart from its neighbours.
            let syllable = is_han(c);
            if syllable {
                ascii.push(' ');
            }
            ascii.push_str(latin);
            if syllable {
                ascii.push(' ');
            }
        }
    }
    let mut slug = String::with_capacity(ascii.len());
    let mut pending_dash = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
    }
    if slug.len() > MAX_SLUG_LEN {
        let cut = slug[..=MAX_SLUG_LEN].rfind('-').unwrap_or(MAX_SLUG_LEN);
        slug.truncate(cut);
    }
    if slug.is_empty() {
        slug.push_str("page");
    }
    slug
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFD)
}

/// Whether `s` is already a slug: what users may write in `slug` and `{#id}`.
pub fn is_valid_slug_component(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !s.starts_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_becomes_pinyin() {
        assert_eq!(slugify("一、主要工作"), "yi-zhu-yao-gong-zuo");
        assert_eq!(
            slugify("2023年度法治政府建设报告"),
            "2023-nian-du-fa-zhi-zheng-fu-jian-she-bao-gao"
        );
    }

    #[test]
    fn ascii_is_lowercased_and_punctuation_collapsed() {
        assert_eq!(slugify("Hello,  World!"), "hello-world");
        assert_eq!(slugify("ＡＢＣ１２３"), "abc123");
        assert_eq!(
            slugify("（一）坚持党的领导"),
            "yi-jian-chi-dang-de-ling-dao"
        );
    }

    #[test]
    fn empty_and_long_inputs() {
        assert_eq!(slugify("——"), "page");
        let long = slugify(&"法".repeat(100));
        assert!(long.len() <= MAX_SLUG_LEN && !long.ends_with('-'), "{long}");
    }
}
