//! Terraform's msgpack DynamicValue, as the plugin decodes configuration: against the provider's and the data
//! source's object types and against `dynamic`. Never panics; decoded values survive an encode/decode round trip
//! (see `common::check_round_trip` for exactly what is promised).
#![no_main]

mod common;

use authcheck::plugin::cty;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let types = common::types();
    for ty in [&types.provider, &types.data_source, &types.dynamic] {
        if let Ok(value) = cty::decode_msgpack(data, ty) {
            common::check_round_trip(&value, ty);
        }
    }
});
