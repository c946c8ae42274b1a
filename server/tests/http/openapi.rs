//! `GET /openapi.json` (issue 14): the description is served without a token, is OpenAPI 3
//! JSON whose references resolve, and describes exactly the Easemob routes the routers have —
//! the routes are read from the route modules' source (`.route(...)` calls and the methods
//! chained in them), and each described route is requested to show the router serves it.

use std::collections::BTreeSet;

use imcore_server::openapi::easemob_routes;
use serde_json::Value;

use super::fixture::{APP, ORG, api, request};

/// The described (METHOD, path) pairs of a description.
fn described(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in ["get", "post", "put", "delete", "patch", "head", "options"] {
            if item.get(m).is_some() {
                out.insert((m.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// The text of the string literal starting at `s` (after its opening quote).
fn literal(s: &str) -> &str {
    &s[..s.find('"').expect("closing quote")]
}

/// The (METHOD, path) pairs the route modules register, read from their source: each
/// `.route(PATH, get(..).post(..))` call, `PATH` a literal or `&at("tail")` (the moderation
/// lists, registered under every `const PATH` of a `Moderated` implementation).
fn registered() -> BTreeSet<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/routes");
    let sources: Vec<String> = std::fs::read_dir(dir)
        .expect("routes dir")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("source"))
        .collect();
    let marker = "const PATH: &'static str = \"";
    let bases: Vec<&str> = sources
        .iter()
        .flat_map(|s| {
            s.match_indices(marker)
                .map(move |(i, _)| literal(&s[i + marker.len()..]))
        })
        .collect();
    assert_eq!(bases.len(), 2, "groups and rooms have moderation lists");
    let mut out = BTreeSet::new();
    for src in &sources {
        for (start, _) in src.match_indices(".route(") {
            let args = &src[start + ".route(".len()..];
            // The call's arguments: up to the parenthesis closing `.route(`.
            let mut depth = 1;
            let end = args
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .expect("closing parenthesis")
                .0;
            let args = &args[..end];
            let trimmed = args.trim_start();
            let paths: Vec<String> = if let Some(rest) = trimmed.strip_prefix('"') {
                vec![literal(rest).to_owned()]
            } else if let Some(rest) = trimmed.strip_prefix("&at(\"") {
                let tail = literal(rest);
                bases.iter().map(|b| format!("{b}{tail}")).collect()
            } else {
                panic!("a route whose path this test cannot read: {args}");
            };
            let mut methods = Vec::new();
            for m in [
                "get", "post", "put", "delete", "patch", "head", "options", "any",
            ] {
                let needle = format!("{m}(");
                for (i, _) in args.match_indices(&needle) {
                    let before = args[..i].chars().next_back();
                    if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        methods.push(m.to_ascii_uppercase());
                    }
                }
            }
            assert!(!methods.is_empty(), "no method read in .route({args})");
            for p in paths.iter().filter(|p| p.starts_with("/{org}/{app}/")) {
                for m in &methods {
                    assert!(
                        out.insert((m.clone(), p.clone())),
                        "{m} {p} registered twice"
                    );
                }
            }
        }
    }
    out
}

#[test]
fn the_description_is_openapi_3_and_served_without_a_token() {
    let a = api();
    let r = request(a.addr, "GET", "/openapi.json", None, None, b"");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.headers
            .iter()
            .any(|(k, v)| k == "content-type" && v.starts_with("application/json")),
        "{:?}",
        r.headers
    );
    let doc = &r.body;
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{}",
        doc["openapi"]
    );
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"]
            .as_str()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("bearer")
    );
    // Every reference names a schema the document has.
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    let mut refs = 0;
    for (i, _) in text.match_indices("\"$ref\":\"#/components/schemas/") {
        let name = literal(&text[i + "\"$ref\":\"#/components/schemas/".len()..]);
        assert!(schemas.contains_key(name), "dangling reference to {name}");
        refs += 1;
    }
    assert!(refs > 100, "{refs} references");
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            // Each path parameter of the template is declared, and nothing else in the path.
            let declared: BTreeSet<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            let in_template: BTreeSet<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .collect();
            assert_eq!(declared, in_template, "{method} {path}");
            assert_eq!(
                op["responses"]["default"]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/Error",
                "{method} {path}"
            );
            assert!(op["responses"]["200"].is_object(), "{method} {path}");
        }
    }
    // Every link (for stateful testing) names a described operation, and every creating
    // operation in `LINKS` has links.
    let ids: BTreeSet<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().expect("operationId"))
        .collect();
    assert_eq!(
        ids.len(),
        easemob_routes().len(),
        "operation ids are unique"
    );
    let mut linked = BTreeSet::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            for link in op["responses"]["200"]["links"]
                .as_object()
                .into_iter()
                .flatten()
            {
                let target = link.1["operationId"].as_str().unwrap();
                assert!(ids.contains(target), "link to {target}");
                linked.insert(op["operationId"].as_str().unwrap());
            }
        }
    }
    for (source, _, _) in imcore_server::openapi::LINKS {
        assert!(linked.contains(source), "{source} has no links");
    }
    // The token endpoint takes no token; the rest take the bearer token.
    assert_eq!(
        doc["paths"]["/{org}/{app}/token"]["post"]["security"],
        serde_json::json!([{}])
    );
    assert!(doc["paths"]["/{org}/{app}/users/{username}"]["get"]["security"].is_null());
    let statuses = |path: &str, method: &str| -> Vec<String> {
        let r = doc["paths"][path][method]["responses"].as_object().unwrap();
        r.keys().cloned().collect()
    };
    assert_eq!(
        statuses("/{org}/{app}/token", "post"),
        ["200", "400", "413", "415", "429", "default"]
    );
    assert_eq!(
        statuses("/{org}/{app}/users/{username}", "get"),
        ["200", "400", "401", "404", "429", "default"]
    );
    assert_eq!(doc["security"], serde_json::json!([{"bearer": []}]));
}

#[test]
fn every_easemob_route_is_described_and_nothing_else() {
    let a = api();
    let doc = request(a.addr, "GET", "/openapi.json", None, None, b"").body;
    let described = described(&doc);
    let registered = registered();
    assert!(registered.len() > 150, "{} routes read", registered.len());
    let missing: Vec<_> = registered.difference(&described).collect();
    let extra: Vec<_> = described.difference(&registered).collect();
    assert!(missing.is_empty(), "routes not described: {missing:?}");
    assert!(extra.is_empty(), "described but not routed: {extra:?}");
    let table: BTreeSet<(String, String)> = easemob_routes()
        .into_iter()
        .map(|(m, p)| (m.to_string(), p.to_owned()))
        .collect();
    assert_eq!(table.len(), easemob_routes().len(), "a route listed twice");
    assert_eq!(table, described);
}

#[test]
fn every_described_route_is_served() {
    let a = api();
    for (method, path) in easemob_routes() {
        let concrete: String = path
            .split('/')
            .map(|s| match s {
                "{org}" => ORG,
                "{app}" => APP,
                s if s.starts_with('{') => "probe",
                s => s,
            })
            .collect::<Vec<_>>()
            .join("/");
        let r = request(
            a.addr,
            method.as_str(),
            &concrete,
            Some(&a.admin),
            None,
            b"",
        );
        let unrouted = r.status == 405
            || (r.status == 404
                && r.body["error_description"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("no route for")));
        assert!(!unrouted, "{method} {concrete}: {} {}", r.status, r.body);
        assert!(
            r.status < 500,
            "{method} {concrete}: {} {}",
            r.status,
            r.body
        );
    }
    // The probe tells an unrouted request apart.
    let r = request(
        a.addr,
        "GET",
        &format!("/{ORG}/{APP}/no/such/route"),
        Some(&a.admin),
        None,
        b"",
    );
    r.assert_error(404, "service_resource_not_found");
    assert!(
        r.body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("no route for")
    );
}
