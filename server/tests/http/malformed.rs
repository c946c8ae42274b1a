//! Requests the HTTP layer itself refuses (issue 14): each malformed family is answered with
//! the vendor's JSON error and the right 4xx, over raw TCP; nothing from the request is echoed
//! unbounded or unchecked.

use crate::fixture::*;
use serde_json::json;

fn raw_json(addr: std::net::SocketAddr, req: &[u8]) -> Resp {
    let r = raw(addr, req);
    assert!(
        r.headers
            .iter()
            .any(|(k, v)| k == "content-type" && v.starts_with("application/json")),
        "{:?}",
        r.headers
    );
    r
}

#[test]
fn a_malformed_content_length_is_a_json_400() {
    let api = api();
    for cl in [
        "Content-Length: abc\r\n",
        "Content-Length: -1\r\n",
        "Content-Length: 5\r\nContent-Length: 6\r\n",
        "Content-Length: 99999999999999999999999\r\n",
    ] {
        let req = format!(
            "POST {} HTTP/1.1\r\nHost: x\r\n{cl}\r\nhello",
            path("/users")
        );
        raw_json(api.addr, req.as_bytes()).assert_error(400, "bad_request");
    }
    assert_eq!(api.get("/users").status, 200);
}

#[test]
fn a_100_kb_url_is_a_json_414_and_1000_headers_a_json_431() {
    let api = api();
    let long = format!(
        "GET {}?q={} HTTP/1.1\r\nHost: x\r\n\r\n",
        path("/users"),
        "a".repeat(100 * 1024)
    );
    raw_json(api.addr, long.as_bytes()).assert_error(414, "uri_too_long");
    let mut many = format!("GET {} HTTP/1.1\r\nHost: x\r\n", path("/users"));
    for i in 0..1000 {
        many.push_str(&format!("X-H{i}: v\r\n"));
    }
    many.push_str("\r\n");
    raw_json(api.addr, many.as_bytes()).assert_error(431, "request_header_fields_too_large");
    let big = format!(
        "GET {} HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        path("/users"),
        "v".repeat(100 * 1024)
    );
    raw_json(api.addr, big.as_bytes()).assert_error(431, "request_header_fields_too_large");
    assert_eq!(api.get("/users").status, 200);
}

#[test]
fn nul_and_non_utf8_bytes_in_the_path_are_a_json_400() {
    let api = api();
    for bad in [
        &b"/acme/chat/us\0ers"[..],
        b"/acme/chat/users/\xff",
        b"/acme/\x01chat",
    ] {
        let mut req = b"GET ".to_vec();
        req.extend_from_slice(bad);
        req.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\n\r\n");
        raw_json(api.addr, &req).assert_error(400, "bad_request");
    }
}

#[test]
fn a_bad_chunk_size_is_a_json_400_not_413() {
    let api = api();
    let req = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{{}}\r\n0\r\n\r\n",
        path("/users"),
        api.admin
    );
    raw_json(api.addr, req.as_bytes()).assert_error(400, "bad_request");
}

#[test]
fn the_host_header_is_not_echoed_unchecked() {
    let api = api();
    let get = |host: &str| {
        let req = format!(
            "GET {} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nAuthorization: Bearer {}\r\n\r\n",
            path("/users"),
            api.admin
        );
        raw_json(api.addr, req.as_bytes())
    };
    let r = get("im.example.com:8080");
    assert_eq!(
        r.ok()["uri"],
        format!("http://im.example.com:8080{}", path("/users"))
    );
    for evil in ["evil<script>alert(1)</script>", "a/b?c", &"h".repeat(300)] {
        let r = get(evil);
        assert_eq!(r.ok()["uri"], format!("http://localhost{}", path("/users")));
    }
}

#[test]
fn errors_do_not_echo_huge_input() {
    let api = api();
    let name = format!("bad name {}", "x".repeat(900 * 1024));
    let r = api.admin(
        "POST",
        "/users",
        &json!({"username": name, "password": "pw"}),
    );
    r.assert_error(400, "illegal_argument");
    let d = r.body["error_description"].as_str().unwrap();
    assert!(
        d.len() <= imcore_server::error::DESCRIPTION_BYTES_MAX,
        "{}",
        d.len()
    );
    assert!(d.ends_with('…'), "{d}");
    let long_path = format!("/nothing/{}", "p".repeat(20_000));
    let r = api.get(&long_path);
    r.assert_error(404, "service_resource_not_found");
    assert!(r.body["error_description"].as_str().unwrap().len() <= 512);
}

#[test]
fn a_refused_large_body_is_drained_so_its_answer_arrives() {
    use std::io::{Read, Write};
    let api = api();
    for _ in 0..3 {
        let body = vec![b' '; 6 * 1024 * 1024];
        let mut req = format!(
            "POST {} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            path("/users"),
            api.admin,
            body.len()
        )
        .into_bytes();
        req.extend_from_slice(&body);
        let mut s = std::net::TcpStream::connect(api.addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .ok();
        // The whole body goes out (the server reads and drops it while closing) ...
        s.write_all(&req).expect("the body is drained, not reset");
        // ... and the answer is there to read.
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        parse(&buf).assert_error(413, "Request Entity Too Large");
    }
}
