//! Which site a document belongs to: the key its lines are counted under, from the page's
//! own site name or the registrable domain of its URL.

use crate::Cleaned;

/// The site a cleaned document belongs to: `meta.site` (lower case, without `www.`), else
/// the registrable domain of `meta.canonical_url` (see [`site_of`]), else none (the document
/// neither teaches nor loses anything).
///
/// # Example
///
/// ```
/// use clean_news::Cleaned;
/// use clean_news::clean::site::site_key;
///
/// let mut doc = Cleaned::default();
/// doc.meta.canonical_url = Some("https://news.example.co.uk/a/1".into());
/// assert_eq!(site_key(&doc).as_deref(), Some("example.co.uk"));
/// doc.meta.site = Some("WWW.Example.com".into());
/// assert_eq!(site_key(&doc).as_deref(), Some("example.com"));
/// # Ok::<(), clean_news::Error>(())
/// ```
pub fn site_key(doc: &Cleaned) -> Option<String> {
    if let Some(site) = doc.meta.site.as_deref() {
        let site = site.trim().trim_end_matches('.').to_lowercase();
        let site = site.strip_prefix("www.").map(str::to_owned).unwrap_or(site);
        if !site.is_empty() {
            return Some(site);
        }
    }
    doc.meta.canonical_url.as_deref().and_then(site_of)
}

/// Second-level labels under which a two-letter country domain sells names (`co.uk`,
/// `com.au`, `gov.kz`, `org.ru`). A heuristic, not the public-suffix list: it is right for
/// the news sites of most countries and wrong for a few (`city.kawasaki.jp`), where two
/// sites may share a key; that only pools their counts.
const SECOND_LEVEL_LABELS: [&str; 20] = [
    "ac", "biz", "co", "com", "edu", "gob", "go", "gouv", "gov", "info", "int", "ltd", "me", "mil",
    "ne", "net", "nic", "nom", "or", "org",
];

/// The registrable domain of a URL's host: the last two labels, or three when the last two
/// are a country's second level (`www.bbc.co.uk` → `bbc.co.uk`, `news.example.com` →
/// `example.com`, `astana.gov.kz` → `astana.gov.kz`). IP addresses and one-label hosts are
/// returned as they are; `None` when there is no host.
///
/// # Example
///
/// ```
/// use clean_news::clean::site::site_of;
///
/// assert_eq!(site_of("https://www.bbc.co.uk/news/1").as_deref(), Some("bbc.co.uk"));
/// assert_eq!(site_of("http://user@News.Example.com:8080/x?y").as_deref(), Some("example.com"));
/// assert_eq!(site_of("https://lenta.org.ru/").as_deref(), Some("lenta.org.ru"));
/// assert_eq!(site_of("kazinform.kz/page").as_deref(), Some("kazinform.kz"));
/// assert_eq!(site_of(""), None);
/// # Ok::<(), clean_news::Error>(())
/// ```
pub fn site_of(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = match url.find("://") {
        Some(i) => &url[i + 3..],
        None => url.strip_prefix("//").unwrap_or(url),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    if host_port.starts_with('[') {
        // An IPv6 literal: the address is the site.
        let end = host_port.find(']')?;
        return Some(host_port[..=end].to_lowercase());
    }
    let host = host_port.split(':').next().unwrap_or("").trim_end_matches('.').to_lowercase();
    if host.is_empty() || host.contains(char::is_whitespace) {
        return None;
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        return None;
    }
    if labels.iter().all(|l| l.bytes().all(|b| b.is_ascii_digit())) || labels.len() <= 2 {
        return Some(host);
    }
    let n = labels.len();
    let take = if labels[n - 1].len() == 2 && SECOND_LEVEL_LABELS.contains(&labels[n - 2]) {
        3
    } else {
        2
    };
    Some(labels[n - take..].join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains() {
        for (url, site) in [
            ("https://www.bbc.co.uk/news", Some("bbc.co.uk")),
            ("https://abc.net.au/x", Some("abc.net.au")),
            ("https://sport.example.com.au", Some("example.com.au")),
            ("http://astana.gov.kz/ru", Some("astana.gov.kz")),
            ("https://tengrinews.kz/", Some("tengrinews.kz")),
            ("https://m.lenta.ru/news", Some("lenta.ru")),
            ("https://192.168.0.1:8080/", Some("192.168.0.1")),
            ("https://[::1]:80/", Some("[::1]")),
            ("https://localhost/", Some("localhost")),
            ("https:///nohost", None),
            ("https://bad..host/", None),
        ] {
            assert_eq!(site_of(url).as_deref(), site, "{url}");
        }
    }
}
