//! The dashboard's pages as one typed enum: every link is built from a
//! `Page`, so paths are spelled once (here and in the route table in `app`).

/// A page of the dashboard, deep-linkable by its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// `/`: every team as a card, organisation roll-up on top.
    Overview,
    /// `/team/<name>`: one team's flow, sprints and lists.
    Team(String),
    /// `/forecast`: when will it land, and what if.
    Forecast,
    /// `/risks`: risk scores with their evidence; dependencies.
    Risks,
    /// `/alerts`: live alerts, acknowledge, filter.
    Alerts,
    /// `/summary`: the week's executive summary.
    Summary,
    /// `/ask`: questions in plain words.
    Ask,
    /// `/settings`: sync status, freshness, refresh.
    Settings,
}

impl Page {
    /// Pages in the navigation bar, in order.
    pub const NAV: [Page; 7] = [
        Page::Overview,
        Page::Forecast,
        Page::Risks,
        Page::Alerts,
        Page::Summary,
        Page::Ask,
        Page::Settings,
    ];

    /// The page's path, with the team name percent-encoded.
    pub fn path(&self) -> String {
        match self {
            Page::Overview => "/".to_owned(),
            Page::Team(name) => format!("/team/{}", encode_segment(name)),
            Page::Forecast => "/forecast".to_owned(),
            Page::Risks => "/risks".to_owned(),
            Page::Alerts => "/alerts".to_owned(),
            Page::Summary => "/summary".to_owned(),
            Page::Ask => "/ask".to_owned(),
            Page::Settings => "/settings".to_owned(),
        }
    }

    /// The page's title for the navigation bar and the document title.
    pub fn title(&self) -> String {
        match self {
            Page::Overview => "Overview".to_owned(),
            Page::Team(name) => format!("Team {name}"),
            Page::Forecast => "Forecast".to_owned(),
            Page::Risks => "Risks".to_owned(),
            Page::Alerts => "Alerts".to_owned(),
            Page::Summary => "Summary".to_owned(),
            Page::Ask => "Ask".to_owned(),
            Page::Settings => "Settings".to_owned(),
        }
    }
}

/// Percent-encodes a path segment (team names may hold spaces or slashes).
fn encode_segment(segment: &str) -> String {
    let mut res = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                res.push(byte as char)
            }
            _ => res.push_str(&format!("%{byte:02X}")),
        }
    }
    res
}

/// Decodes a percent-encoded path segment; malformed escapes are kept as typed.
pub fn decode_segment(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut res = Vec::with_capacity(bytes.len());
    let mut idx = 0;
    while idx < bytes.len() {
        if bytes[idx] == b'%' && idx + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[idx + 1..idx + 3]).ok();
            if let Some(byte) = hex.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                res.push(byte);
                idx += 3;
                continue;
            }
        }
        res.push(bytes[idx]);
        idx += 1;
    }
    String::from_utf8_lossy(&res).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_paths_round_trip_names_with_spaces_and_slashes() {
        let page = Page::Team("Platform / Core".to_owned());
        let path = page.path();
        assert_eq!(path, "/team/Platform%20%2F%20Core");
        assert_eq!(decode_segment(path.trim_start_matches("/team/")), "Platform / Core");
    }

    #[test]
    fn malformed_escapes_are_kept_verbatim() {
        assert_eq!(decode_segment("Alpha%2"), "Alpha%2");
        assert_eq!(decode_segment("Alpha%zz"), "Alpha%zz");
        assert_eq!(decode_segment("Alpha"), "Alpha");
    }

    #[test]
    fn every_nav_page_has_a_distinct_path() {
        let mut paths: Vec<String> = Page::NAV.iter().map(Page::path).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), Page::NAV.len());
    }
}
