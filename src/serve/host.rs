//! Which host names a request may use: the preview's defence against DNS rebinding.
//!
//! A web page at `http://rebind.attacker.example:1111/` can have its name re-pointed at
//! `127.0.0.1` once it has loaded; its scripts then reach the preview as their own origin and
//! could read it, drafts included. Its requests still name the attacker's host in `Host`, so the
//! preview answers only names that no one else can point at it:
//!
//! - **On loopback** (the default, or `--bind` with a loopback address): `localhost`, any
//!   `NAME.localhost` (RFC 6761: always this computer), `127.0.0.1`, `[::1]` and the address
//!   given with `--bind`, each with or without a port.
//! - **On the network** (`--bind` with any other address, `::` and `0.0.0.0` included, which
//!   the user opts into): any IP address (IPv4, or IPv6 in brackets), the loopback names above,
//!   and this computer's host name, as `NAME` and `NAME.local` (mDNS; for a host name with dots,
//!   its first label too), case aside. An IP address in `Host` means the browser opened that
//!   address itself, so no name was re-pointed.
//!
//! Anything else is answered 421 (Misdirected Request) with a short text saying why (on
//! loopback, also that `--bind ::` opens the preview to other computers). The rule is applied
//! to the authority of a target in absolute form (`GET http://127.0.0.1:1111/ HTTP/1.1`), which
//! then stands in for `Host` (RFC 9112 §3.2.2), else to `Host`; an HTTP/1.1 request without
//! `Host`, or with more than one, is a 400 (RFC 9112 §3.2); HTTP/1.0 may leave `Host` out.
//! Every request goes through this check first: pages, files, the live-reload event stream and
//! the injected scripts alike.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The host names a running preview answers to.
#[derive(Debug, Clone)]
pub struct Hosts {
    /// Bound to a network address: every IP literal and this computer's names are answered.
    network: bool,
    /// Loopback addresses bound with `--bind` beyond `127.0.0.1` and `::1` (`127.0.0.2`, say).
    bound: Vec<IpAddr>,
    /// This computer's names, lower case (on the network only).
    names: Vec<String>,
}

impl Hosts {
    /// The default: loopback names only.
    pub fn loopback() -> Hosts {
        Hosts {
            network: false,
            bound: Vec::new(),
            names: Vec::new(),
        }
    }

    /// The names a server listening on `addrs` answers to: loopback names, unless one of them
    /// is a network address (then IP literals and `machine`'s names too).
    pub fn for_addrs(addrs: &[SocketAddr], machine: Option<&str>) -> Hosts {
        if addrs.iter().all(|a| a.ip().is_loopback()) {
            return Hosts {
                bound: addrs.iter().map(SocketAddr::ip).collect(),
                ..Hosts::loopback()
            };
        }
        let mut names = Vec::new();
        if let Some(name) = machine.map(str::to_ascii_lowercase) {
            let name = name.trim_end_matches('.');
            if is_reg_name(name) && name != "localhost" {
                let short = name.split('.').next().unwrap_or(name);
                for candidate in [
                    name.to_string(),
                    format!("{name}.local"),
                    short.to_string(),
                    format!("{short}.local"),
                ] {
                    if !names.contains(&candidate) {
                        names.push(candidate);
                    }
                }
            }
        }
        Hosts {
            network: true,
            bound: Vec::new(),
            names,
        }
    }

    /// Whether a request naming `authority` (`host[:port]`, as in `Host`) is answered.
    pub fn allows(&self, authority: &str) -> bool {
        let Some(host) = host_of(authority) else {
            return false;
        };
        match host {
            Host::Ip(ip) => {
                self.network
                    || ip == IpAddr::V4(Ipv4Addr::LOCALHOST)
                    || ip == IpAddr::V6(Ipv6Addr::LOCALHOST)
                    || self.bound.contains(&ip)
            }
            Host::Name(name) => {
                name == "localhost"
                    || name
                        .strip_suffix(".localhost")
                        .is_some_and(|sub| !sub.is_empty())
                    || self.names.contains(&name)
            }
        }
    }

    /// What a refused request is told.
    pub fn refusal(&self) -> &'static str {
        if self.network {
            "This preview answers only to an IP address, localhost or this computer's name \
             (a page using another name may be a DNS-rebinding attack).\n"
        } else {
            "This preview answers only at localhost, 127.0.0.1 and [::1] (a page using another \
             name may be a DNS-rebinding attack). To open it from other computers, start it with \
             --bind :: and use this computer's address or name.\n"
        }
    }
}

/// The host part of an authority.
#[derive(Debug, PartialEq)]
enum Host {
    Ip(IpAddr),
    /// A registered name, lower case.
    Name(String),
}

/// The host of `authority` (`host[:port]`, IPv6 in brackets); `None` when it is not well formed
/// (user information, a bad port, characters no host name has).
fn host_of(authority: &str) -> Option<Host> {
    let (host, port) = match authority.strip_prefix('[') {
        Some(rest) => {
            let (ip, after) = rest.split_once(']')?;
            let port = match after {
                "" => "",
                _ => after.strip_prefix(':')?,
            };
            let ip: Ipv6Addr = ip.parse().ok()?;
            (Host::Ip(ip.into()), port)
        }
        None => {
            let (host, port) = authority.split_once(':').unwrap_or((authority, ""));
            let host = match host.parse::<Ipv4Addr>() {
                Ok(ip) => Host::Ip(ip.into()),
                Err(_) if is_reg_name(host) => Host::Name(host.to_ascii_lowercase()),
                Err(_) => return None,
            };
            (host, port)
        }
    };
    // RFC 3986 allows an empty port; anything else must be a port number.
    let port_ok = port.is_empty()
        || (port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_ok());
    port_ok.then_some(host)
}

/// A DNS name: dot-separated labels of letters, digits and hyphens (no empty label, so no
/// trailing dot either).
fn is_reg_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// This computer's host name, as the system reports it.
pub fn machine_name() -> Option<String> {
    #[cfg(unix)]
    {
        let uname = rustix::system::uname();
        let name = uname.nodename().to_str().ok()?.trim();
        (!name.is_empty()).then(|| name.to_string())
    }
    #[cfg(not(unix))]
    {
        std::env::var("COMPUTERNAME").ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(addr: &str) -> Vec<SocketAddr> {
        vec![addr.parse().unwrap()]
    }

    #[test]
    fn on_loopback_only_loopback_names_are_allowed() {
        let default: Vec<SocketAddr> = vec![
            "[::1]:1111".parse().unwrap(),
            "127.0.0.1:1111".parse().unwrap(),
        ];
        for hosts in [
            Hosts::loopback(),
            Hosts::for_addrs(&default, Some("box")),
            Hosts::for_addrs(&on("127.0.0.2:1111"), Some("box")),
        ] {
            for good in [
                "localhost",
                "localhost:1111",
                "LOCALHOST:1111",
                "localhost:",
                "a.localhost",
                "a.b.localhost:80",
                "127.0.0.1",
                "127.0.0.1:1111",
                "[::1]",
                "[::1]:1111",
                "[0:0:0:0:0:0:0:1]:1111",
            ] {
                assert!(hosts.allows(good), "{good}");
            }
            for bad in [
                "",
                "attacker.example",
                "attacker.example:1111",
                "localhost.attacker.example",
                ".localhost",
                "localhost.",
                "127.0.0.1.nip.io",
                "box",
                "box.local",
                "192.168.1.2",
                "[::2]",
                "[::ffff:127.0.0.1]",
                "localhost:http",
                "localhost:65536",
                "localhost:1111:1",
                "user@localhost",
                "[::1",
                "[::1]x",
                "::1",
                "local host",
                "[fe80::1%25eth0]",
            ] {
                assert!(!hosts.allows(bad), "{bad}");
            }
        }
        let bound = Hosts::for_addrs(&on("127.0.0.2:1111"), None);
        assert!(bound.allows("127.0.0.2:1111"));
        assert!(!Hosts::loopback().allows("127.0.0.2:1111"));
    }

    #[test]
    fn on_the_network_ip_literals_and_this_computers_names_are_allowed() {
        for addr in ["[::]:1111", "0.0.0.0:1111", "192.168.1.2:1111"] {
            let hosts = Hosts::for_addrs(&on(addr), Some("Box.lan"));
            for good in [
                "192.168.1.2:1111",
                "10.0.0.9",
                "[2001:db8::1]:1111",
                "[::1]",
                "localhost:1111",
                "box.lan",
                "BOX.LAN:1111",
                "box.lan.local",
                "box",
                "box.local:1111",
            ] {
                assert!(hosts.allows(good), "{addr}: {good}");
            }
            for bad in [
                "attacker.example",
                "box.attacker.example",
                "box.lan.",
                "other.local",
                "[2001:db8::1",
                "user@192.168.1.2",
            ] {
                assert!(!hosts.allows(bad), "{addr}: {bad}");
            }
        }
        let nameless = Hosts::for_addrs(&on("[::]:1111"), None);
        assert!(nameless.allows("192.168.1.2") && !nameless.allows("box"));
    }
}
