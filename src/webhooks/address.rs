//! Outbound safety (SSRF): a webhook goes only to public addresses. An endpoint's URL is
//! checked when it is registered, and every connection resolves the name again through
//! [`PublicOnlyResolver`], so a DNS change cannot turn an endpoint inward. Unless
//! `WEBHOOK_ALLOW_PRIVATE_NETWORKS` is on, loopback, private, link-local, shared, documentation,
//! multicast and reserved addresses are refused.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::config::WebhookSettings;

/// How long a registration waits for the name to resolve.
const RESOLVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// The longest endpoint URL accepted.
pub const MAX_URL_CHARS: usize = 2000;

/// Whether an address is anything but a public unicast address.
pub fn is_special(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_special_v4(v4),
        IpAddr::V6(v6) => is_special_v6(v6),
    }
}

fn is_special_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24.
        || (a == 192 && b == 0 && c == 0)
        // Benchmarking, 198.18.0.0/15.
        || (a == 198 && (b == 18 || b == 19))
        // Reserved, 240.0.0.0/4.
        || a >= 240
}

fn is_special_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_special_v4(v4);
    }
    let embedded_v4 = |high: u16, low: u16| {
        Ipv4Addr::new(
            (high >> 8) as u8,
            (high & 0xff) as u8,
            (low >> 8) as u8,
            (low & 0xff) as u8,
        )
    };
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local, fc00::/7.
        || (segments[0] & 0xfe00) == 0xfc00
        // Link-local, fe80::/10.
        || (segments[0] & 0xffc0) == 0xfe80
        // Site-local (deprecated), fec0::/10.
        || (segments[0] & 0xffc0) == 0xfec0
        // Documentation, 2001:db8::/32.
        || (segments[0] == 0x2001 && segments[1] == 0x0db8)
        // Teredo, 2001::/32, and other IETF assignments in 2001::/23 but not global unicast.
        || (segments[0] == 0x2001 && segments[1] < 0x0200)
        // IPv4-compatible (::a.b.c.d), deprecated.
        || (segments[..6].iter().all(|s| *s == 0))
        // NAT64, 64:ff9b::/96: the IPv4 address inside decides.
        || (segments[0] == 0x64 && segments[1] == 0xff9b && segments[2..6].iter().all(|s| *s == 0)
            && is_special_v4(embedded_v4(segments[6], segments[7])))
        // 6to4, 2002::/16: the IPv4 address inside decides.
        || (segments[0] == 0x2002 && is_special_v4(embedded_v4(segments[1], segments[2])))
}

/// Why an endpoint URL is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlProblem {
    TooLong,
    Unparsable,
    /// Not http(s), or http where https is required.
    Scheme {
        https_only: bool,
    },
    /// User name or password in the URL, or a fragment.
    Credentials,
    /// The host is, or resolves to, a special address.
    PrivateAddress,
    /// The host does not resolve.
    Unresolvable,
}

/// Checks an endpoint URL's form (not yet where it resolves).
pub fn parse_url(text: &str, settings: &WebhookSettings) -> Result<url::Url, UrlProblem> {
    if text.chars().count() > MAX_URL_CHARS {
        return Err(UrlProblem::TooLong);
    }
    let url = url::Url::parse(text).map_err(|_| UrlProblem::Unparsable)?;
    let https_only = settings.require_https;
    match url.scheme() {
        "https" => {}
        "http" if !https_only => {}
        _ => return Err(UrlProblem::Scheme { https_only }),
    }
    if url.host().is_none() {
        return Err(UrlProblem::Unparsable);
    }
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(UrlProblem::Credentials);
    }
    if let Some(ip) = literal_ip(&url)
        && !settings.allow_private_networks
        && is_special(ip)
    {
        return Err(UrlProblem::PrivateAddress);
    }
    Ok(url)
}

/// The host of a URL when it is an IP address.
pub fn literal_ip(url: &url::Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        url::Host::Domain(_) => None,
    }
}

/// Resolves the URL's host and checks every address it resolves to.
pub async fn check_resolves(url: &url::Url, settings: &WebhookSettings) -> Result<(), UrlProblem> {
    if literal_ip(url).is_some() {
        return Ok(());
    }
    let host = url.host_str().ok_or(UrlProblem::Unparsable)?.to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    // A name server that does not answer must not hold the request.
    let lookup = tokio::net::lookup_host((host.as_str(), port));
    let addresses: Vec<SocketAddr> = tokio::time::timeout(RESOLVE_TIMEOUT, lookup)
        .await
        .map_err(|_| UrlProblem::Unresolvable)?
        .map_err(|_| UrlProblem::Unresolvable)?
        .collect();
    if addresses.is_empty() {
        return Err(UrlProblem::Unresolvable);
    }
    if !settings.allow_private_networks && addresses.iter().any(|a| is_special(a.ip())) {
        return Err(UrlProblem::PrivateAddress);
    }
    Ok(())
}

/// The resolver every webhook connection uses: the system's, with special addresses dropped
/// (all of them special: the connection fails) unless private networks are allowed.
#[derive(Debug, Clone)]
pub struct PublicOnlyResolver {
    pub allow_private_networks: bool,
}

impl reqwest::dns::Resolve for PublicOnlyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow = self.allow_private_networks;
        Box::pin(async move {
            let resolved: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| allow || !is_special(a.ip()))
                .collect();
            if resolved.is_empty() {
                return Err(format!(
                    "{} resolves to no public address (refused: loopback, private or special)",
                    name.as_str()
                )
                .into());
            }
            let addresses: reqwest::dns::Addrs = Box::new(resolved.into_iter());
            Ok(addresses)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn settings(allow: bool, https: bool) -> WebhookSettings {
        WebhookSettings {
            allow_private_networks: allow,
            require_https: https,
            watch_for: chrono::Duration::days(180),
            first_retry: std::time::Duration::from_secs(30),
            give_up_after: chrono::Duration::days(1),
            disable_after: chrono::Duration::days(3),
            timeout: std::time::Duration::from_secs(10),
            poll: std::time::Duration::from_secs(1),
        }
    }

    #[test]
    fn special_addresses_are_told_apart_from_public_ones() {
        for special in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "240.0.0.1",
            "192.0.2.1",
            "198.18.0.1",
            "192.0.0.8",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "2001:db8::1",
            "64:ff9b::a00:1",
            "2002:c0a8:101::1",
            "::127.0.0.1",
        ] {
            assert!(is_special(special.parse().unwrap()), "{special} is special");
        }
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "203.0.114.1",
            "2606:4700::1111",
            "2a00:1450::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(!is_special(public.parse().unwrap()), "{public} is public");
        }
    }

    #[test]
    fn urls_are_checked_for_form_scheme_and_literal_addresses() {
        let open = settings(false, false);
        assert!(parse_url("https://hooks.example.com/x?y=1", &open).is_ok());
        assert!(parse_url("http://hooks.example.com/x", &open).is_ok());
        assert_eq!(
            parse_url("http://hooks.example.com/x", &settings(false, true)),
            Err(UrlProblem::Scheme { https_only: true })
        );
        assert_eq!(
            parse_url("ftp://example.com/", &open),
            Err(UrlProblem::Scheme { https_only: false })
        );
        assert_eq!(
            parse_url("https://u:p@example.com/", &open),
            Err(UrlProblem::Credentials)
        );
        assert_eq!(
            parse_url("https://127.0.0.1/", &open),
            Err(UrlProblem::PrivateAddress)
        );
        assert_eq!(
            parse_url("https://[::1]:8443/", &open),
            Err(UrlProblem::PrivateAddress)
        );
        assert_eq!(
            parse_url("https://0x7f.1/", &open),
            Err(UrlProblem::PrivateAddress)
        );
        assert!(parse_url("https://127.0.0.1/", &settings(true, false)).is_ok());
        assert_eq!(parse_url("not a url", &open), Err(UrlProblem::Unparsable));
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_CHARS - 20));
        assert_eq!(long.chars().count(), MAX_URL_CHARS);
        assert!(parse_url(&long, &open).is_ok());
        assert_eq!(
            parse_url(&format!("{long}a"), &open),
            Err(UrlProblem::TooLong)
        );
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused_unless_allowed() {
        let url = url::Url::parse("http://localhost:9/").unwrap();
        assert_eq!(
            check_resolves(&url, &settings(false, false)).await,
            Err(UrlProblem::PrivateAddress)
        );
        assert_eq!(check_resolves(&url, &settings(true, false)).await, Ok(()));
    }

    proptest! {
        #[test]
        fn every_mapped_address_is_judged_as_its_ipv4_address(a: u8, b: u8, c: u8, d: u8) {
            let v4 = Ipv4Addr::new(a, b, c, d);
            prop_assert_eq!(is_special(IpAddr::V6(v4.to_ipv6_mapped())), is_special(IpAddr::V4(v4)));
        }
    }
}
