//! Text contrast of the dashboard's palette, computed the WCAG 2 way
//! (relative luminance of sRGB colours), so a colour change in `style.css`
//! that makes some text hard to read fails a test instead of a reader.
//!
//! The test reads the custom properties of `style.css` itself, so it checks
//! the colours that ship.

/// WCAG's minimum contrast for body text (level AA).
pub const MIN_TEXT_CONTRAST: f64 = 4.5;

/// A colour from `#rgb` or `#rrggbb`.
pub fn parse_hex(text: &str) -> Option<[u8; 3]> {
    let hex = text.trim().strip_prefix('#')?;
    let digits: Vec<u8> = match hex.len() {
        3 => hex.chars().map(|c| c.to_digit(16).map(|d| (d * 17) as u8)).collect::<Option<_>>()?,
        6 => (0..3)
            .map(|idx| u8::from_str_radix(hex.get(idx * 2..idx * 2 + 2)?, 16).ok())
            .collect::<Option<_>>()?,
        _ => return None,
    };
    digits.try_into().ok()
}

/// Relative luminance (0 for black, 1 for white).
pub fn relative_luminance([r, g, b]: [u8; 3]) -> f64 {
    let channel = |value: u8| {
        let c = f64::from(value) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// Contrast ratio of two colours, from 1 (same) to 21 (black on white).
pub fn contrast_ratio(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (relative_luminance(a), relative_luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// The value of custom property `--name` as first declared in `css`.
pub fn custom_property<'a>(css: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!("--{name}:");
    let start = css.find(&needle)? + needle.len();
    let rest = &css[start..];
    Some(rest[..rest.find(';')?].trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STYLE: &str = include_str!("../style.css");

    /// Text colour, background, where the pair appears.
    const TEXT_PAIRS: &[(&str, &str, &str)] = &[
        ("ink", "bg", "body text"),
        ("ink", "card", "cards and charts"),
        ("muted", "bg", "secondary text on the page"),
        ("muted", "card", "labels, axis text and details in cards"),
        ("blue", "bg", "links on the page"),
        ("blue", "card", "links in cards and lists"),
        ("on-brand", "brand", "header, navigation and buttons"),
        ("brand", "card", "secondary buttons and the skip link"),
        ("warn-ink", "warn-bg", "the staleness banner"),
        ("notice-ink", "notice-bg", "notices"),
        ("green-text", "card", "low risk"),
        ("amber-text", "card", "medium risk"),
        ("vermillion-text", "card", "high risk, alarms and form errors"),
        ("green-text", "bg", "low risk on the page"),
        ("vermillion-text", "bg", "errors on the page"),
        ("ink", "warn-bg", "text inside the banner"),
    ];

    fn colour(name: &str) -> [u8; 3] {
        let value = custom_property(STYLE, name)
            .unwrap_or_else(|| panic!("style.css declares no --{name}"));
        parse_hex(value).unwrap_or_else(|| panic!("--{name} is {value:?}, not a hex colour"))
    }

    #[test]
    fn every_text_colour_of_the_palette_reads_at_4_5_to_1_or_better() {
        let mut failures = Vec::new();
        for (text, background, place) in TEXT_PAIRS {
            let ratio = contrast_ratio(colour(text), colour(background));
            if ratio < MIN_TEXT_CONTRAST {
                failures.push(format!("--{text} on --{background} ({place}): {ratio:.2}:1"));
            }
        }
        assert!(failures.is_empty(), "too little contrast: {failures:#?}");
    }

    #[test]
    fn chart_colours_are_not_used_as_text() {
        // The Okabe-Ito green and vermillion are for marks, not words.
        assert!(contrast_ratio(colour("green"), colour("card")) < MIN_TEXT_CONTRAST);
        for rule in STYLE.split('}') {
            let is_text_rule = rule.contains(" color: var(--green)")
                || rule.contains(" color: var(--vermillion)")
                || rule.contains("{ color: var(--green)")
                || rule.contains("{ color: var(--vermillion)");
            assert!(!is_text_rule, "a text rule uses a chart colour: {rule}");
        }
    }

    #[test]
    fn contrast_matches_known_values() {
        assert!((contrast_ratio([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 1e-9);
        assert!((contrast_ratio([0x77, 0x77, 0x77], [255, 255, 255]) - 4.48).abs() < 0.01);
        assert_eq!(contrast_ratio([10, 20, 30], [10, 20, 30]), 1.0);
        assert_eq!(parse_hex("#123"), Some([0x11, 0x22, 0x33]));
        assert_eq!(parse_hex("#0072B2"), Some([0x00, 0x72, 0xb2]));
        assert_eq!(parse_hex("blue"), None);
        assert_eq!(parse_hex("#12345"), None);
    }
}
