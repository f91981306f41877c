//! Terraform's JSON DynamicValue (older Terraform and some state upgrades send it): against the provider's and the
//! data source's object types and against `dynamic`. Never panics; a decoded value encodes to msgpack and back
//! as `common::check_round_trip` promises.
#![no_main]

mod common;

use authcheck::plugin::cty;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let types = common::types();
    for ty in [&types.provider, &types.data_source, &types.dynamic] {
        if let Ok(value) = cty::decode_json(data, ty) {
            assert!(
                !value.contains_unknown(),
                "JSON cannot carry unknowns, yet decoded {value:?}"
            );
            common::check_round_trip(&value, ty);
        }
    }
    // decode_dynamic picks JSON when the msgpack field is empty, as the protocol says.
    let _ = cty::decode_dynamic(&[], data, &types.data_source);
});
