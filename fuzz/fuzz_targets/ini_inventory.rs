//! INI inventories: any bytes are an inventory or an error naming a line, never a panic; a
//! parsed one is evaluated and rendered within the output cap. Time and memory are held to
//! `-timeout` and `-rss_limit_mb` by libFuzzer.
#![no_main]

use check_split_order::inventory::Format;
use check_split_order::inventory::{ini, parse_ini};
use libfuzzer_sys::fuzz_target;

#[path = "common_inventory.rs"]
mod common_inventory;

fuzz_target!(|data: &[u8]| {
    match ini::decode(data) {
        Ok(text) => common_inventory::check(parse_ini(&text), Format::Ini),
        Err(e) => assert!(e.line >= 1 && !e.message.is_empty()),
    }
});
