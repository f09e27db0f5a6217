//! YAML inventories, and the plugin chain that falls back to INI: any bytes are an inventory or
//! an error naming a line, never a panic, whatever aliases, merges, tags or nesting they hold;
//! a parsed one is evaluated and rendered within the output cap.
#![no_main]

use std::path::Path;

use check_split_order::inventory::{Format, ini};
use libfuzzer_sys::fuzz_target;

#[path = "common_inventory.rs"]
mod common_inventory;

fuzz_target!(|data: &[u8]| {
    let decoded = ini::decode(data);
    let (format, parsed) = check_split_order::inventory::parse(
        data,
        decoded.as_deref(),
        Path::new("hosts.yml"),
        None,
    );
    common_inventory::check(parsed, format);
    if let Ok(text) = std::str::from_utf8(data) {
        let (format, parsed) =
            check_split_order::inventory::parse(data, Ok(text), Path::new("hosts.yml"), Some(Format::Yaml));
        common_inventory::check(parsed, format);
    }
});
