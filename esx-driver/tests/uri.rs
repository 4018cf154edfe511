//! Connection and migration URIs: every accepted form with what it parses to, every refused form
//! with its exact message, and the warnings a user sees.

use esx_driver::uri::{
    ConnectUri, InventoryPath, MigrationUri, Proxy, ProxyKind, Scheme, Thumbprint, TlsPolicy,
    Transport, UriError, VCenter,
};
use pretty_assertions::assert_eq;

const SHA256: &str =
    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";

/// Accepted URIs: (input, canonical form, SDK URL, user, host, port used).
const GOOD: &[(&str, &str, &str)] = &[
    // esx
    ("esx://esx1.example.com", "esx://esx1.example.com/", "https://esx1.example.com:443/sdk"),
    ("esx://esx1.example.com/", "esx://esx1.example.com/", "https://esx1.example.com:443/sdk"),
    ("ESX://Esx1.Example.com/", "esx://Esx1.Example.com/", "https://Esx1.Example.com:443/sdk"),
    ("esx://root@10.0.0.5/", "esx://root@10.0.0.5/", "https://10.0.0.5:443/sdk"),
    ("esx://esx1:8443/", "esx://esx1:8443/", "https://esx1:8443/sdk"),
    ("esx://esx1:/", "esx://esx1/", "https://esx1:443/sdk"),
    ("esx://esx1/?transport=http", "esx://esx1/?transport=http", "http://esx1:80/sdk"),
    ("esx://esx1/?transport=https", "esx://esx1/", "https://esx1:443/sdk"),
    ("esx://esx1:8080/?transport=http", "esx://esx1:8080/?transport=http", "http://esx1:8080/sdk"),
    ("esx://esx1/?no_verify=1", "esx://esx1/?no_verify=1", "https://esx1:443/sdk"),
    ("esx://esx1/?no_verify=0&auto_answer=0", "esx://esx1/", "https://esx1:443/sdk"),
    ("esx://esx1/?auto_answer=1", "esx://esx1/?auto_answer=1", "https://esx1:443/sdk"),
    ("esx://esx1/?No_Verify=01&AUTO_ANSWER=+1", "esx://esx1/?no_verify=1&auto_answer=1", "https://esx1:443/sdk"),
    ("esx://esx1/?vcenter=vc.example.com", "esx://esx1/?vcenter=vc.example.com", "https://esx1:443/sdk"),
    ("esx://esx1/?vcenter=*", "esx://esx1/?vcenter=*", "https://esx1:443/sdk"),
    ("esx://esx1/?vcenter=[fd00::1]", "esx://esx1/?vcenter=fd00::1", "https://esx1:443/sdk"),
    ("esx://esx1/?proxy=proxy.example.com", "esx://esx1/?proxy=http://proxy.example.com:1080", "https://esx1:443/sdk"),
    ("esx://esx1/?proxy=http://proxy:3128/", "esx://esx1/?proxy=http://proxy:3128", "https://esx1:443/sdk"),
    ("esx://esx1/?proxy=socks://proxy", "esx://esx1/?proxy=socks5://proxy:1080", "https://esx1:443/sdk"),
    ("esx://esx1/?proxy=socks5://proxy:9050", "esx://esx1/?proxy=socks5://proxy:9050", "https://esx1:443/sdk"),
    ("esx://esx1/?proxy=socks4://proxy:1081", "esx://esx1/?proxy=socks4://proxy:1081", "https://esx1:443/sdk"),
    ("esx://esx1/?proxy=socks4a://proxy", "esx://esx1/?proxy=socks4a://proxy:1080", "https://esx1:443/sdk"),
    ("esx://esx1/?proxy=socks5://[fd00::9]:1085", "esx://esx1/?proxy=socks5://[fd00::9]:1085", "https://esx1:443/sdk"),
    ("esx://esx1/?thumbprint=ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89",
     "esx://esx1/?thumbprint=AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89",
     "https://esx1:443/sdk"),
    ("esx://esx1/?thumbprint=ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789",
     "esx://esx1/?thumbprint=AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89",
     "https://esx1:443/sdk"),
    ("esx://esx1/?cacert=/etc/pki/vmca.pem", "esx://esx1/?cacert=/etc/pki/vmca.pem", "https://esx1:443/sdk"),
    ("esx://esx1/?authfile=/home/me/my%20auth.conf", "esx://esx1/?authfile=/home/me/my%20auth.conf", "https://esx1:443/sdk"),
    ("esx://esx1/?transport=http;auto_answer=1", "esx://esx1/?transport=http&auto_answer=1", "http://esx1:80/sdk"),
    ("esx://esx1/?&&auto_answer=1&", "esx://esx1/?auto_answer=1", "https://esx1:443/sdk"),
    // user names
    ("esx://DOMAIN%5Cadmin@esx1/", "esx://DOMAIN%5Cadmin@esx1/", "https://esx1:443/sdk"),
    ("esx://j%C3%BCrgen@esx1/", "esx://j%C3%BCrgen@esx1/", "https://esx1:443/sdk"),
    ("esx://my+user@esx1/", "esx://my+user@esx1/", "https://esx1:443/sdk"),
    // IPv6
    ("esx://[fd00::5]/", "esx://[fd00::5]/", "https://[fd00::5]:443/sdk"),
    ("esx://root@[fd00::5]:8443/", "esx://root@[fd00::5]:8443/", "https://[fd00::5]:8443/sdk"),
    ("esx://[fe80::1%25eth0]/", "esx://[fe80::1%25eth0]/", "https://[fe80::1%25eth0]:443/sdk"),
    ("esx://[::ffff:10.0.0.5]/", "esx://[::ffff:10.0.0.5]/", "https://[::ffff:10.0.0.5]:443/sdk"),
    // gsx
    ("gsx://gsx1/", "gsx://gsx1/", "https://gsx1:8333/sdk"),
    ("gsx://gsx1/?transport=http", "gsx://gsx1/?transport=http", "http://gsx1:8222/sdk"),
    ("gsx://gsx1:9000/?transport=http", "gsx://gsx1:9000/?transport=http", "http://gsx1:9000/sdk"),
    // vpx
    ("vpx://vc.example.com/dc1/esx1.example.com", "vpx://vc.example.com/dc1/esx1.example.com", "https://vc.example.com:443/sdk"),
    ("vpx://vc/dc1/cluster1/esx1", "vpx://vc/dc1/cluster1/esx1", "https://vc:443/sdk"),
    ("vpx://vc/folder1/dc1/folder2/cluster1/esx1/", "vpx://vc/folder1/dc1/folder2/cluster1/esx1", "https://vc:443/sdk"),
    ("vpx://vc//dc1///esx1?no_verify=1", "vpx://vc/dc1/esx1?no_verify=1", "https://vc:443/sdk"),
    ("vpx://vc/My%20DC/host%2Fwith%2Fslashes", "vpx://vc/My%20DC/host%2Fwith%2Fslashes", "https://vc:443/sdk"),
    ("vpx://vc/My DC/esx1", "vpx://vc/My%20DC/esx1", "https://vc:443/sdk"),
    ("vpx://administrator%40vsphere.local@vc/dc1/esx1", "vpx://administrator%40vsphere.local@vc/dc1/esx1", "https://vc:443/sdk"),
    ("vpx://administrator@vsphere.local@vc/dc1/esx1", "vpx://administrator%40vsphere.local@vc/dc1/esx1", "https://vc:443/sdk"),
    ("vpx://vc:8443/dc1/esx1?transport=http&auto_answer=1", "vpx://vc:8443/dc1/esx1?transport=http&auto_answer=1", "http://vc:8443/sdk"),
    ("vpx://[fd00::10]/dc1/esx1", "vpx://[fd00::10]/dc1/esx1", "https://[fd00::10]:443/sdk"),
];

#[test]
fn good_uris_print_back_canonically_with_their_sdk_url() {
    for (input, canonical, sdk_url) in GOOD {
        let uri = ConnectUri::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(uri.to_string(), *canonical, "canonical form of {input}");
        assert_eq!(uri.sdk_url(), *sdk_url, "SDK URL of {input}");
    }
}

#[test]
fn the_canonical_form_parses_to_the_same_uri() {
    for (input, ..) in GOOD {
        let mut uri = ConnectUri::parse(input).unwrap();
        let again = ConnectUri::parse(&uri.to_string()).unwrap();
        assert!(again.warnings.is_empty(), "{input}: {:?}", again.warnings);
        uri.warnings.clear();
        assert_eq!(again, uri, "{input}");
    }
}

/// What an accepted URI means, one line per field that is not at its default, for review.
fn describe(uri: &ConnectUri) -> String {
    let mut lines = vec![
        format!(
            "scheme {}, host {:?}, port {}{}",
            uri.scheme,
            uri.host,
            uri.port(),
            if uri.port.is_some() { "" } else { " (default)" }
        ),
        format!(
            "user {}",
            match &uri.user {
                Some(user) => format!("{user:?}"),
                None => format!("from auth.conf, else {:?}", uri.scheme.default_user()),
            }
        ),
        format!("sdk {}", uri.sdk_url()),
    ];
    if let Some(path) = &uri.path {
        lines.push(format!("inventory path {:?}", path.items));
    }
    if let Some(vcenter) = &uri.vcenter {
        lines.push(format!("vcenter {vcenter:?}"));
    }
    if let Some(proxy) = &uri.proxy {
        lines.push(format!(
            "proxy {:?} {:?} port {}",
            proxy.kind, proxy.host, proxy.port
        ));
    }
    if uri.tls_policy() != TlsPolicy::SystemRoots {
        lines.push(format!("tls {:?}", uri.tls_policy()));
    }
    if uri.auto_answer {
        lines.push("auto_answer".into());
    }
    if let Some(path) = &uri.auth_file {
        lines.push(format!("authfile {path:?}"));
    }
    lines.iter().map(|line| format!("    {line}\n")).collect()
}

#[test]
fn good_uris_snapshot() {
    let rendered: String = GOOD
        .iter()
        .map(|(input, ..)| format!("{input}\n{}", describe(&ConnectUri::parse(input).unwrap())))
        .collect();
    insta::assert_snapshot!("good_uris", rendered);
}

#[test]
fn parsed_fields_of_typical_uris() {
    let uri = ConnectUri::parse(
        "vpx://administrator%40vsphere.local@vc.example.com:8443/Lab/DC1/Cluster%201/esx7.example.com?auto_answer=1&no_verify=1&proxy=socks://proxy:9050",
    )
    .unwrap();
    assert_eq!(uri.scheme, Scheme::Vpx);
    assert_eq!(uri.user.as_deref(), Some("administrator@vsphere.local"));
    assert_eq!(uri.password, None);
    assert_eq!(uri.host, "vc.example.com");
    assert_eq!(uri.port, Some(8443));
    assert_eq!(
        uri.path,
        Some(InventoryPath {
            items: vec![
                "Lab".into(),
                "DC1".into(),
                "Cluster 1".into(),
                "esx7.example.com".into()
            ]
        })
    );
    assert_eq!(uri.transport, Transport::Https);
    assert!(uri.auto_answer && uri.no_verify);
    assert_eq!(
        uri.proxy,
        Some(Proxy {
            kind: ProxyKind::Socks5,
            host: "proxy".into(),
            port: 9050
        })
    );
    assert_eq!(uri.proxy.as_ref().unwrap().url(), "socks5://proxy:9050");
    assert_eq!(uri.tls_policy(), TlsPolicy::NoVerify);
    assert!(uri.warnings.is_empty());

    let uri = ConnectUri::parse("esx://esx1/").unwrap();
    assert_eq!(uri.scheme, Scheme::Esx);
    assert_eq!(uri.user, None);
    assert_eq!(uri.scheme.default_user(), "root");
    assert_eq!((uri.port, uri.port()), (None, 443));
    assert_eq!(uri.path, None);
    assert_eq!(uri.vcenter, None);
    assert!(!uri.no_verify && !uri.auto_answer);
    assert_eq!(uri.tls_policy(), TlsPolicy::SystemRoots);
    assert_eq!(Scheme::Vpx.default_user(), "administrator");
    assert_eq!(Scheme::Gsx.default_user(), "root");
}

#[test]
fn vcenter_parameter_and_the_vcenter_sdk_url() {
    let uri = ConnectUri::parse("esx://esx1/?vcenter=vc.example.com").unwrap();
    assert_eq!(uri.vcenter, Some(VCenter::Host("vc.example.com".into())));
    assert_eq!(
        uri.vcenter_sdk_url("vc.example.com"),
        "https://vc.example.com:443/sdk"
    );
    let uri = ConnectUri::parse("esx://esx1:8443/?vcenter=*&transport=http").unwrap();
    assert_eq!(uri.vcenter, Some(VCenter::Managing));
    assert_eq!(uri.vcenter_sdk_url("10.0.0.9"), "http://10.0.0.9:8443/sdk");
    assert_eq!(uri.vcenter_sdk_url("fd00::9"), "http://[fd00::9]:8443/sdk");
}

#[test]
fn certificate_parameters_decide_the_tls_policy() {
    let thumbprint: Thumbprint = SHA256.parse().unwrap();
    let pinned = format!("esx://h/?thumbprint={SHA256}");
    let pinned_and_no_verify = format!("esx://h/?no_verify=1&thumbprint={SHA256}");
    for (input, policy) in [
        ("esx://h/", TlsPolicy::SystemRoots),
        (
            "esx://h/?cacert=/ca.pem",
            TlsPolicy::CaFile("/ca.pem".into()),
        ),
        ("esx://h/?no_verify=1", TlsPolicy::NoVerify),
        ("esx://h/?no_verify=1&cacert=/ca.pem", TlsPolicy::NoVerify),
        (pinned.as_str(), TlsPolicy::Pinned(thumbprint)),
        (pinned_and_no_verify.as_str(), TlsPolicy::Pinned(thumbprint)),
    ] {
        assert_eq!(
            ConnectUri::parse(input).unwrap().tls_policy(),
            policy,
            "{input}"
        );
    }
    assert_eq!(thumbprint.to_string(), SHA256);
    assert_eq!(format!("{thumbprint:?}"), format!("Thumbprint({SHA256})"));
}

/// Refused URIs and the exact message a user sees.
const BAD: &[(&str, &str)] = &[
    ("", "URI is empty (expected esx://host/, gsx://host/ or vpx://vcenter/datacenter/computeresource)"),
    ("   ", "URI is empty (expected esx://host/, gsx://host/ or vpx://vcenter/datacenter/computeresource)"),
    ("esx1.example.com", "URI has no scheme (expected esx://, gsx:// or vpx://)"),
    ("//esx1/", "URI has no scheme (expected esx://, gsx:// or vpx://)"),
    ("1esx://h/", "URI has no scheme (expected esx://, gsx:// or vpx://)"),
    ("qemu:///system", "URI scheme 'qemu' is not supported (expected esx://, gsx:// or vpx://)"),
    ("https://esx1/sdk", "URI scheme 'https' is not supported (expected esx://, gsx:// or vpx://)"),
    ("esx+ssh://esx1/", "Transport 'ssh' in URI scheme is not supported, try again without the transport part"),
    ("VPX+tls://vc/dc/h", "Transport 'tls' in URI scheme is not supported, try again without the transport part"),
    ("esx:esx1", "URI is missing the server part"),
    ("esx:///", "URI is missing the server part"),
    ("esx://", "URI is missing the server part"),
    ("esx://root@/", "URI is missing the server part"),
    ("esx://:443/", "URI is missing the server part"),
    ("esx://@esx1/", "URI has an empty user name before '@'"),
    ("esx://:secret@esx1/", "URI has an empty user name before '@'"),
    ("esx://esx1:abc/", "URI has a port that is not a number (should be [1..65535]); if the part before the host is 'user:password', the '@' after it is missing"),
    ("esx://esx1:0/", "URI has unexpected port value '0' (should be [1..65535])"),
    ("esx://esx1:65536/", "URI has unexpected port value '65536' (should be [1..65535])"),
    ("esx://esx1:-1/", "URI has unexpected port value '-1' (should be [1..65535])"),
    ("esx://esx1:+443/", "URI has unexpected port value '+443' (should be [1..65535])"),
    ("esx://fd00::5/", "URI has an invalid server part 'fd00::5': an IPv6 address must be written in brackets, e.g. esx://[fe80::1]/"),
    ("esx://[fd00::5/", "URI has an invalid server part '[fd00::5': the IPv6 address has no closing ']'"),
    ("esx://[fd00::zz]/", "URI has an invalid server part '[fd00::zz]': not a valid IPv6 address"),
    ("esx://[10.0.0.1]/", "URI has an invalid server part '[10.0.0.1]': not a valid IPv6 address"),
    ("esx://[fd00::5]x/", "URI has an invalid server part '[fd00::5]x': expected ':port' after the IPv6 address"),
    ("esx://[fe80::1%25]/", "URI has an invalid server part '[fe80::1%25]': not a valid IPv6 zone"),
    ("esx://esx one/", "URI has an invalid server part 'esx one': a host name has only letters, digits, '-', '.' and '_'"),
    ("esx://esx%2Fone/", "URI has an invalid server part 'esx%2Fone': a host name has only letters, digits, '-', '.' and '_'"),
    ("esx://a%zzb@esx1/", "URI has an invalid percent-escape '%zz' in the user name (a '%' must be followed by two hex digits)"),
    ("esx://user%4@esx1/", "URI has an invalid percent-escape '%4' in the user name (a '%' must be followed by two hex digits)"),
    ("esx://user:pa%zzss@esx1/", "URI has an invalid percent-escape in the password (a '%' must be followed by two hex digits)"),
    ("esx://user%FF@esx1/", "URI has a user name that is not UTF-8 once percent-decoded"),
    ("esx://esx%1/", "URI has an invalid percent-escape '%1' in the server part (a '%' must be followed by two hex digits)"),
    ("esx://es\tx1/", "URI contains a control character in the text as written: control characters (tab, newline, NUL, escape...) are not allowed, written as they are or percent-escaped"),
    ("esx://es\nx1/", "URI contains a control character in the text as written: control characters (tab, newline, NUL, escape...) are not allowed, written as they are or percent-escaped"),
    ("esx://esx1/?transport=%0Aerror:%20forged", "URI contains a control character in the value of query parameter 'transport': control characters (tab, newline, NUL, escape...) are not allowed, written as they are or percent-escaped"),
    ("esx://esx1/?cacert=/tmp/%1B[2J", "URI contains a control character in the value of query parameter 'cacert': control characters (tab, newline, NUL, escape...) are not allowed, written as they are or percent-escaped"),
    ("esx://esx1/?x%0A=1", "URI contains a control character in the name of a query parameter: control characters (tab, newline, NUL, escape...) are not allowed, written as they are or percent-escaped"),
    ("esx://ro%00ot@esx1/", "URI contains a control character in the user name: control characters (tab, newline, NUL, escape...) are not allowed, written as they are or percent-escaped"),
    ("esx://root:pa%0Ass@esx1/", "URI contains a control character in the password: control characters (tab, newline, NUL, escape...) are not allowed, written as they are or percent-escaped"),
    ("esx://es%1Bx1/", "URI contains a control character in the server part: control characters (tab, newline, NUL, escape...) are not allowed, written as they are or percent-escaped"),
    ("vpx://vc/dc%0A/h", "URI contains a control character in the path: control characters (tab, newline, NUL, escape...) are not allowed, written as they are or percent-escaped"),
    // parameters, with libvirt's messages
    ("esx://esx1/?transport=ftp", "Query parameter 'transport' has unexpected value 'ftp' (should be http|https)"),
    ("esx://esx1/?transport=HTTPS", "Query parameter 'transport' has unexpected value 'HTTPS' (should be http|https)"),
    ("esx://esx1/?transport", "Query parameter 'transport' has unexpected value '' (should be http|https)"),
    ("esx://esx1/?Transport=x", "Query parameter 'transport' has unexpected value 'x' (should be http|https)"),
    ("esx://esx1/?no_verify=2", "Query parameter 'no_verify' has unexpected value '2' (should be 0 or 1)"),
    ("esx://esx1/?no_verify=yes", "Query parameter 'no_verify' has unexpected value 'yes' (should be 0 or 1)"),
    ("esx://esx1/?no_verify=", "Query parameter 'no_verify' has unexpected value '' (should be 0 or 1)"),
    ("esx://esx1/?auto_answer=true", "Query parameter 'auto_answer' has unexpected value 'true' (should be 0 or 1)"),
    ("esx://esx1/?auto_answer=1%20", "Query parameter 'auto_answer' has unexpected value '1 ' (should be 0 or 1)"),
    ("esx://esx1/?vcenter=", "Query parameter 'vcenter' has unexpected value '' (should be a host name, an IP address or *)"),
    ("esx://esx1/?vcenter=vc:443", "Query parameter 'vcenter' has unexpected value 'vc:443' (should be a host name, an IP address or *)"),
    ("esx://esx1/?vcenter=https://vc/", "Query parameter 'vcenter' has unexpected value 'https://vc/' (should be a host name, an IP address or *)"),
    ("esx://esx1/?proxy=ftp://proxy", "Query parameter 'proxy' contains unexpected type 'ftp' (should be (http|socks(|4|4a|5))"),
    ("esx://esx1/?proxy=https://proxy", "Query parameter 'proxy' contains unexpected type 'https' (should be (http|socks(|4|4a|5))"),
    ("esx://esx1/?proxy=:3128", "Query parameter 'proxy' doesn't contain a hostname"),
    ("esx://esx1/?proxy=", "Query parameter 'proxy' doesn't contain a hostname"),
    ("esx://esx1/?proxy=socks5://", "Query parameter 'proxy' doesn't contain a hostname"),
    ("esx://esx1/?proxy=proxy:", "Query parameter 'proxy' has unexpected port value '' (should be [1..65535])"),
    ("esx://esx1/?proxy=proxy:0", "Query parameter 'proxy' has unexpected port value '0' (should be [1..65535])"),
    ("esx://esx1/?proxy=proxy:70000", "Query parameter 'proxy' has unexpected port value '70000' (should be [1..65535])"),
    ("esx://esx1/?proxy=http://proxy:31x8", "Query parameter 'proxy' has unexpected port value '31x8' (should be [1..65535])"),
    ("esx://esx1/?proxy=http://bob:s3cret@proxy:3128", "Query parameter 'proxy' contains credentials ('user@'), which are not supported; use a proxy that needs none"),
    ("esx://esx1/?proxy=prox%20y", "Query parameter 'proxy' has unexpected value 'prox y' (should be [http|socks|socks4|socks4a|socks5://]host[:port])"),
    ("esx://esx1/?thumbprint=AB:CD", "Query parameter 'thumbprint' has unexpected value 'AB:CD' (should be a SHA-256 fingerprint: 32 hex pairs like AA:BB:...:FF)"),
    ("esx://esx1/?thumbprint=0123456789ABCDEF0123456789ABCDEF01234567", "Query parameter 'thumbprint' has unexpected value '0123456789ABCDEF0123456789ABCDEF01234567' (should be a SHA-256 fingerprint, not a 20-byte SHA-1 one: 32 hex pairs like AA:BB:...:FF)"),
    ("esx://esx1/?thumbprint=GG:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89", "Query parameter 'thumbprint' has unexpected value 'GG:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89' (should be a SHA-256 fingerprint: 32 hex pairs like AA:BB:...:FF)"),
    ("esx://esx1/?cacert=", "Query parameter 'cacert' has unexpected value '' (should be a file path)"),
    ("esx://esx1/?authfile", "Query parameter 'authfile' has unexpected value '' (should be a file path)"),
    ("esx://esx1/?x%zz=1", "URI has an invalid percent-escape '%zz' in the query parameter (a '%' must be followed by two hex digits)"),
    // vpx paths
    ("vpx://vc", "Path has to specify the datacenter and compute resource"),
    ("vpx://vc/", "Path has to specify the datacenter and compute resource"),
    ("vpx://vc//?no_verify=1", "Path has to specify the datacenter and compute resource"),
    ("vpx://vc/dc1", "Path '/dc1' does not specify a compute resource"),
    ("vpx://vc/My%20DC/", "Path '/My%20DC' does not specify a compute resource"),
    ("vpx://vc/dc%zz/h", "URI has an invalid percent-escape '%zz' in the path (a '%' must be followed by two hex digits)"),
];

#[test]
fn bad_uris_are_refused_with_their_message() {
    for (input, message) in BAD {
        match ConnectUri::parse(input) {
            Ok(uri) => panic!("{input:?} was accepted: {uri:?}"),
            Err(error) => assert_eq!(error.to_string(), *message, "{input:?}"),
        }
    }
}

#[test]
fn no_message_or_debug_output_shows_a_password() {
    let uri = ConnectUri::parse("esx://root:hunter2-secret@esx1/").unwrap();
    assert_eq!(uri.user.as_deref(), Some("root"));
    assert_eq!(
        uri.password.as_ref().map(|p| p.expose()),
        Some("hunter2-secret")
    );
    let shown = format!("{uri} {uri:?} {:?}", uri.warnings);
    assert!(!shown.contains("hunter2"), "{shown}");
    assert_eq!(uri.to_string(), "esx://root@esx1/");

    for input in [
        "esx://root:hunter2-secret@esx1:99999/",
        "esx://root:hunter2-secret@esx1/?transport=x",
        "esx://root:hunter2%zz-secret@esx1/",
        "esx://esx1/?proxy=http://root:hunter2-secret@proxy",
    ] {
        let message = ConnectUri::parse(input).unwrap_err().to_string();
        assert!(!message.contains("hunter2"), "{input}: {message}");
    }

    let uri = ConnectUri::parse("esx://root:p%40ss%3Aw0rd@esx1/").unwrap();
    assert_eq!(uri.password.unwrap().expose(), "p@ss:w0rd");
}

/// Accepted URIs that come with warnings, and the warnings' text.
const WARNED: &[(&str, &[&str])] = &[
    ("esx://esx1/?foo=bar", &["Ignoring unexpected query parameter 'foo'"]),
    ("esx://esx1/?Foo=bar&baz", &["Ignoring unexpected query parameter 'foo'", "Ignoring unexpected query parameter 'baz'"]),
    ("esx://esx1/?=bar", &["Ignoring query parameter without a name '=bar'"]),
    ("esx://esx1/vm/path", &["Ignoring unexpected path '/vm/path' for non-vpx scheme 'esx'"]),
    ("gsx://gsx1/x", &["Ignoring unexpected path '/x' for non-vpx scheme 'gsx'"]),
    ("esx://esx1/#frag", &["Ignoring URI fragment '#frag'"]),
    ("gsx://gsx1/?vcenter=vc", &["Ignoring query parameter 'vcenter' for a gsx:// URI (only esx:// connections use it)"]),
    ("vpx://vc/dc/h?vcenter=*", &["Ignoring query parameter 'vcenter' for a vpx:// URI (only esx:// connections use it)"]),
    ("esx://esx1/?transport=http&transport=https", &["Query parameter 'transport' is given more than once; using the last value 'https'"]),
    ("esx://esx1/?auto_answer=1&AUTO_ANSWER=0", &["Query parameter 'auto_answer' is given more than once; using the last value '0'"]),
    ("esx://root:secret@esx1/", &["The URI contains a password, which other users can see in process listings and shell history; put it in auth.conf or ESX_PASSWORD instead"]),
    ("esx://esx1/?no_verify=1&thumbprint=ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789", &["Query parameter 'no_verify=1' is ignored: 'thumbprint' pins the server certificate"]),
    ("esx://esx1/?cacert=/ca.pem&no_verify=1", &["Query parameter 'cacert' is ignored: 'no_verify' decides the certificate check"]),
    ("esx://esx1/?transport=http&no_verify=1&cacert=/ca.pem", &[
        "Query parameter 'cacert' is ignored: 'no_verify' decides the certificate check",
        "Query parameter 'no_verify' has no effect with transport=http",
        "Query parameter 'cacert' has no effect with transport=http",
    ]),
];

#[test]
fn ignored_and_risky_parts_are_warnings() {
    for (input, expected) in WARNED {
        let uri = ConnectUri::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        let warnings: Vec<String> = uri.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(warnings, *expected, "{input}");
    }
    for (input, ..) in GOOD {
        let uri = ConnectUri::parse(input).unwrap();
        assert!(uri.warnings.is_empty(), "{input}: {:?}", uri.warnings);
    }
}

#[test]
fn ignored_parameters_do_not_change_the_result() {
    let uri = ConnectUri::parse("gsx://gsx1/?vcenter=vc&foo=1").unwrap();
    assert_eq!(uri.vcenter, None);
    assert_eq!(uri.to_string(), "gsx://gsx1/");
    let uri = ConnectUri::parse("esx://esx1/ignored/path?transport=http&transport=https").unwrap();
    assert_eq!(uri.transport, Transport::Https);
    assert_eq!(uri.path, None);
}

#[test]
fn host_part_of_a_vpx_path_needs_the_inventory() {
    let path = |text: &str| {
        ConnectUri::parse(&format!("vpx://vc{text}"))
            .unwrap()
            .path
            .unwrap()
    };
    // (path, index of the compute resource the resolver found, is it a cluster, result)
    let cases: &[(&str, usize, bool, Result<&str, &str>)] = &[
        ("/dc1/esx1", 1, false, Ok("esx1")),
        ("/dc1/cluster1/esx1", 1, true, Ok("esx1")),
        ("/f1/dc1/f2/cluster1/esx1", 3, true, Ok("esx1")),
        ("/f1/dc1/f2/esx1", 3, false, Ok("esx1")),
        (
            "/dc1/cluster1",
            1,
            true,
            Err("Path '/dc1/cluster1' does not specify a host system"),
        ),
        (
            "/dc1/esx1/esx1",
            1,
            false,
            Err("Path '/dc1/esx1/esx1' ends with an excess item"),
        ),
        (
            "/dc1/cluster1/esx1/x",
            1,
            true,
            Err("Path '/dc1/cluster1/esx1/x' ends with an excess item"),
        ),
        (
            "/dc1/f/x",
            3,
            false,
            Err("Path '/dc1/f/x' does not specify a compute resource"),
        ),
    ];
    for (text, index, is_cluster, expected) in cases {
        let result = path(text)
            .host_system(*index, *is_cluster)
            .map(str::to_owned)
            .map_err(|e| e.to_string());
        assert_eq!(
            result,
            expected.map(str::to_owned).map_err(str::to_owned),
            "{text}"
        );
    }
}

#[test]
fn migration_uris() {
    let uri = MigrationUri::parse("vpxmigr://10.0.0.5/resgroup-8/host-21").unwrap();
    assert_eq!(
        uri,
        MigrationUri {
            vcenter: "10.0.0.5".into(),
            resource_pool: "resgroup-8".into(),
            host_system: "host-21".into(),
        }
    );
    assert_eq!(uri.to_string(), "vpxmigr://10.0.0.5/resgroup-8/host-21");
    assert_eq!(uri.ensure_same_vcenter("10.0.0.5"), Ok(()));
    assert_eq!(
        uri.ensure_same_vcenter("10.0.0.6").unwrap_err().to_string(),
        "Migration source and destination have to refer to the same vCenter"
    );
    let uri = MigrationUri::parse("VPXMIGR://VC.example.com/resgroup-8/host-21/").unwrap();
    assert_eq!(uri.ensure_same_vcenter("vc.EXAMPLE.com"), Ok(()));
    assert_eq!(uri.host_system, "host-21");
    let uri = MigrationUri::parse("vpxmigr://[fd00::5]/resgroup-1/host-2").unwrap();
    assert_eq!(uri.vcenter, "fd00::5");
    assert_eq!(uri.to_string(), "vpxmigr://[fd00::5]/resgroup-1/host-2");
    assert_eq!(uri.to_string().parse::<MigrationUri>(), Ok(uri));

    for (input, message) in [
        (
            "esx://esx1/",
            "Only vpxmigr:// migration URIs are supported",
        ),
        (
            "tcp://host:49152",
            "Only vpxmigr:// migration URIs are supported",
        ),
        (
            "resgroup-8/host-21",
            "Only vpxmigr:// migration URIs are supported",
        ),
        ("", "Only vpxmigr:// migration URIs are supported"),
        (
            "vpxmigr:///resgroup-8/host-21",
            "URI is missing the server part",
        ),
        (
            "vpxmigr://vc",
            "Migration URI has to specify resource pool and host system",
        ),
        (
            "vpxmigr://vc/resgroup-8",
            "Migration URI has to specify resource pool and host system",
        ),
        (
            "vpxmigr://vc/resgroup-8/",
            "Migration URI has to specify resource pool and host system",
        ),
        (
            "vpxmigr://vc/resgroup-8/host-21/extra",
            "Migration URI has to specify resource pool and host system",
        ),
    ] {
        assert_eq!(
            MigrationUri::parse(input).unwrap_err().to_string(),
            message,
            "{input:?}"
        );
    }
}

#[test]
fn errors_are_typed_for_callers_that_match_on_them() {
    assert_eq!(
        ConnectUri::parse("esx://esx1/?transport=ftp"),
        Err(UriError::InvalidParameter {
            name: "transport".into(),
            value: "ftp".into(),
            expected: "http|https"
        })
    );
    assert_eq!(
        "qemu:///system".parse::<ConnectUri>(),
        Err(UriError::UnsupportedScheme("qemu".into()))
    );
}
