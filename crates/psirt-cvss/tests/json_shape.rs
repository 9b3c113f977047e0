//! The JSON the REST API returns for a vector, as a whole (guards field names and shapes).

#![allow(clippy::unwrap_used)]

#[test]
fn breakdown_json_shape() {
    let c = psirt_cvss::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P").unwrap();
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["version"], "3.1");
    assert_eq!(
        json["vector"],
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P"
    );
    assert_eq!(json["score"], 9.3);
    assert_eq!(json["severity"], "CRITICAL");
    assert_eq!(json["base_score"], 9.8);
    assert_eq!(json["base_severity"], "CRITICAL");
    assert_eq!(json["scores"]["impact"], 5.9);
    assert_eq!(json["scores"]["exploitability"], 3.9);
    assert_eq!(json["scores"]["temporal"], 9.3);
    assert!(json["scores"].get("macrovector").is_none());
    let m = &json["metrics"][0];
    assert_eq!(m["metric"], "AV");
    assert_eq!(m["name"], "Attack Vector");
    assert_eq!(m["value"], "N");
    assert_eq!(m["value_name"], "Network");
    assert_eq!(m["group"], "base");
    assert_eq!(json["metrics"].as_array().unwrap().len(), 22);
}
