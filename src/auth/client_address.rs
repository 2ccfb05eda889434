//! The caller's address: the peer, or, behind a configured reverse proxy, the address that
//! proxy saw (the last `X-Forwarded-For` entry not added by a trusted proxy).

use std::net::IpAddr;

/// The client's address given the peer, the `X-Forwarded-For` header, and the trusted proxies.
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let Some(header) = forwarded_for else {
        return Some(peer);
    };
    let mut last_trusted = peer;
    for entry in header.rsplit(',') {
        match entry.trim().parse::<IpAddr>() {
            Ok(address) if trusted.contains(&address) => last_trusted = address,
            Ok(address) => return Some(address),
            Err(_) => return Some(last_trusted),
        }
    }
    Some(last_trusted)
}

/// The caller's address of a request, per configuration.
pub fn of_request(req: &actix_web::HttpRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    client_address(req.peer_addr().map(|a| a.ip()), forwarded, trusted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_ignored_from_untrusted_peers() {
        assert_eq!(
            client_address(Some(ip("203.0.113.9")), Some("1.2.3.4"), &[]),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_last_untrusted_hop_counts() {
        let trusted = [ip("10.0.0.1"), ip("10.0.0.2")];
        assert_eq!(
            client_address(
                Some(ip("10.0.0.1")),
                Some("6.6.6.6, 198.51.100.7, 10.0.0.2"),
                &trusted
            ),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            client_address(Some(ip("10.0.0.1")), None, &trusted),
            Some(ip("10.0.0.1"))
        );
        assert_eq!(
            client_address(Some(ip("10.0.0.1")), Some("garbage"), &trusted),
            Some(ip("10.0.0.1"))
        );
    }

    proptest! {
        #[test]
        fn an_untrusted_peer_cannot_choose_its_address(header in ".{0,100}") {
            prop_assert_eq!(client_address(Some(ip("198.51.100.1")), Some(&header), &[ip("10.0.0.1")]), Some(ip("198.51.100.1")));
        }
    }
}
