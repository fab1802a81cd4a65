//! Devices as JSON (`device list --json`, `device show --json`), following
//! `assets/schema/device-list.v1.json`: an object keyed by the inventory keys of CATALOG.md, with
//! `null` for empty fields, `clinical_impact` and `compliance_pct` as numbers, and `extra` holding
//! the attributes kept from imported inventories.

use serde_json::{Map, Value, json};

use crate::assessment::DeviceProgress;
use crate::device::Device;
use crate::device::fields::{FIELDS, FieldDef};

/// Every field's display text, computed ones included, in `FIELDS` order.
pub(super) fn field_values(d: &Device, p: &DeviceProgress) -> Vec<(&'static FieldDef, String)> {
    FIELDS
        .iter()
        .map(|f| {
            let v = match f.key {
                "device_id" => d.short_id(),
                "compliance_pct" => p
                    .total
                    .compliance()
                    .map(|c| format!("{c:.1}"))
                    .unwrap_or_default(),
                "highest_risk_level" => p
                    .highest_risk
                    .map(|l| l.label().to_string())
                    .unwrap_or_default(),
                "last_assessed" => p
                    .last_assessed
                    .as_ref()
                    .map(|(t, _)| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                "last_assessor" => p
                    .last_assessed
                    .as_ref()
                    .map(|(_, who)| who.clone())
                    .unwrap_or_default(),
                key => d.get(key).to_string(),
            };
            (f, v)
        })
        .collect()
}

/// One device as a JSON object.
pub(super) fn device(d: &Device, p: &DeviceProgress) -> Value {
    let mut obj = Map::new();
    for (f, v) in field_values(d, p) {
        let value = if v.is_empty() {
            Value::Null
        } else {
            match f.key {
                "clinical_impact" => v.parse::<u8>().map(Value::from).unwrap_or(Value::String(v)),
                "compliance_pct" => v
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or(Value::Null),
                _ => Value::String(v),
            }
        };
        obj.insert(f.key.to_string(), value);
    }
    let extra: Map<String, Value> = d
        .extra
        .iter()
        .map(|(h, v)| (h.clone(), Value::String(v.clone())))
        .collect();
    obj.insert("extra".into(), Value::Object(extra));
    obj.insert("progress_pct".into(), json!(p.total.percent()));
    Value::Object(obj)
}
