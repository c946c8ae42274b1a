//! A RongCloud request's parameters: ordered `(key, value)` pairs from a form body (decoded
//! with `serde_urlencoded`, which keeps a repeated key's every value) or from a JSON object
//! (a list becomes one pair per element), read with the helpers below. Missing or bad
//! parameters are `1002`.

use imcore::UserName;
use serde_json::Value;

use super::reply::RongError;

/// The parameters of one request, in body order.
#[derive(Debug, Default, Clone)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// From an `application/x-www-form-urlencoded` body.
    ///
    /// # Errors
    /// `1002` for a body that is not form-encoded UTF-8.
    pub fn from_form(bytes: &[u8]) -> Result<Params, RongError> {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes)
            .map(Params)
            .map_err(|e| RongError::param(format!("form body is not valid: {e}")))
    }

    /// From a JSON object body: strings, numbers and booleans as they read, arrays one pair
    /// per element.
    ///
    /// # Errors
    /// `1002` for a body that is not a JSON object.
    pub fn from_json(bytes: &[u8]) -> Result<Params, RongError> {
        if bytes.is_empty() {
            return Ok(Params::default());
        }
        let v: Value = serde_json::from_slice(bytes)
            .map_err(|e| RongError::param(format!("JSON body is not valid: {e}")))?;
        let Value::Object(m) = v else {
            return Err(RongError::param("JSON body must be an object"));
        };
        let scalar = |v: &Value| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        let mut out = Vec::new();
        for (k, v) in &m {
            match v {
                Value::Array(a) => out.extend(a.iter().filter_map(scalar).map(|s| (k.clone(), s))),
                v => out.extend(scalar(v).map(|s| (k.clone(), s))),
            }
        }
        Ok(Params(out))
    }

    /// Every value of `key`, in order.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first non-empty value of `key`.
    pub fn opt(&self, key: &str) -> Option<&str> {
        self.all(key).into_iter().find(|v| !v.is_empty())
    }

    /// The value of `key`, required.
    ///
    /// # Errors
    /// `1002` "`key` is required".
    pub fn req(&self, key: &str) -> Result<&str, RongError> {
        self.opt(key)
            .ok_or_else(|| RongError::param(format!("{key} is required")))
    }

    /// An integer `key`, if given.
    ///
    /// # Errors
    /// `1002` for a value that is not an integer of the type.
    pub fn int<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>, RongError> {
        self.opt(key)
            .map(|v| {
                v.trim()
                    .parse()
                    .map_err(|_| RongError::param(format!("{key} must be an integer")))
            })
            .transpose()
    }

    /// A user id `key`, required.
    ///
    /// # Errors
    /// `1002` when missing or not a legal id.
    pub fn user(&self, key: &str) -> Result<UserName, RongError> {
        parse_user(self.req(key)?)
    }

    /// The user ids of `key`: every value, each split at commas, empty parts dropped; at
    /// least one.
    ///
    /// # Errors
    /// `1002` when none is given or one is not a legal id.
    pub fn users(&self, key: &str) -> Result<Vec<UserName>, RongError> {
        let ids: Vec<UserName> = self
            .all(key)
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(parse_user)
            .collect::<Result<_, _>>()?;
        if ids.is_empty() {
            return Err(RongError::param(format!("{key} is required")));
        }
        Ok(ids)
    }
}

/// A user id, or `1002`.
fn parse_user(s: &str) -> Result<UserName, RongError> {
    UserName::parse(s).map_err(|e| RongError::param(format!("userId {s} is not valid: {e}")))
}
