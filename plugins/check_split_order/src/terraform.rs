//! Addresses from `terraform output -json`: each output's value, a string or a list (or map) of
//! strings, as a list of addresses.

use serde_json::Value;

/// For every `(output, group)` of `maps`, the output's addresses from the JSON text of
/// `terraform output -json`, or why they cannot be had.
pub fn read_maps(
    json: &[u8],
    maps: &[(String, String)],
) -> Result<Vec<(String, String, Vec<String>)>, String> {
    let json: Value = serde_json::from_slice(json).map_err(|e| format!("not valid JSON: {e}"))?;
    maps.iter()
        .map(|(output, group)| {
            addresses(&json, output).map(|addresses| (output.clone(), group.clone(), addresses))
        })
        .collect()
}

/// The addresses of output `name`, or why they cannot be had.
pub fn addresses(json: &Value, name: &str) -> Result<Vec<String>, String> {
    let outputs = json
        .as_object()
        .ok_or("not a JSON object of outputs (as `terraform output -json` writes)")?;
    let output = outputs.get(name).ok_or_else(|| {
        let mut known: Vec<&str> = outputs.keys().map(String::as_str).collect();
        known.sort_unstable();
        format!(
            "no output '{name}' (outputs: {})",
            if known.is_empty() {
                "none".into()
            } else {
                known.join(", ")
            }
        )
    })?;
    // `terraform output -json` wraps each value: {"sensitive": .., "type": .., "value": ..}.
    let value = match output {
        Value::Object(o) if o.contains_key("value") => &o["value"],
        other => other,
    };
    let expected = || {
        format!(
            "output '{name}' is {}, expected a string or a list of strings",
            describe(value)
        )
    };
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string).ok_or_else(expected))
            .collect(),
        Value::Object(map) => map
            .values()
            .map(|i| i.as_str().map(str::to_string).ok_or_else(expected))
            .collect(),
        _ => Err(expected()),
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list with a non-string item",
        Value::Object(_) => "a map with a non-string value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_in_every_shape() {
        let json: Value = serde_json::from_str(
            r#"{
              "master_ip": {"sensitive": false, "type": "string", "value": "10.0.0.1"},
              "web_ips": {"sensitive": false, "type": ["list", "string"], "value": ["10.0.0.2", "10.0.0.3"]},
              "by_name": {"value": {"db1": "10.0.0.4"}},
              "count": {"value": 3},
              "mixed": {"value": ["a", 1]},
              "bare": ["10.0.0.9"]
            }"#,
        )
        .expect("json");
        assert_eq!(
            addresses(&json, "master_ip"),
            Ok(vec!["10.0.0.1".to_string()])
        );
        assert_eq!(
            addresses(&json, "web_ips"),
            Ok(vec!["10.0.0.2".to_string(), "10.0.0.3".to_string()])
        );
        assert_eq!(
            addresses(&json, "by_name"),
            Ok(vec!["10.0.0.4".to_string()])
        );
        assert_eq!(addresses(&json, "bare"), Ok(vec!["10.0.0.9".to_string()]));
        assert_eq!(
            addresses(&json, "count"),
            Err("output 'count' is a number, expected a string or a list of strings".into())
        );
        assert_eq!(addresses(&json, "mixed"), Err("output 'mixed' is a list with a non-string item, expected a string or a list of strings".into()));
        assert_eq!(
            addresses(&json, "nope"),
            Err(
                "no output 'nope' (outputs: bare, by_name, count, master_ip, mixed, web_ips)"
                    .into()
            )
        );
        assert!(addresses(&Value::Array(vec![]), "x").is_err());
    }
}
