//! `terraform output -json`: any bytes are addresses for the mapped outputs or a reason,
//! never a panic.
#![no_main]

use check_split_order::terraform::read_maps;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let maps: Vec<(String, String)> = ["web_ips", "monitoring_ip", "", "value"]
        .iter()
        .map(|o| (o.to_string(), "group".to_string()))
        .collect();
    for map in maps.chunks(1) {
        match read_maps(data, map) {
            Ok(found) => assert_eq!(found.len(), 1),
            Err(why) => assert!(!why.is_empty()),
        }
    }
});
