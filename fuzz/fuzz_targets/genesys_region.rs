//! `genesys_region`, `genesys_api_url` and `genesys_login_url` as a user or the environment
//! (GENESYSCLOUD_REGION) gives them, through `check::genesys`. Never panics; a region it accepts yields the
//! login and API hosts of that region's domain; errors are one line.
//!
//! Input: one byte picks what the rest, as text, is given to, by its low two bits (`0` to `3` in a seed):
//! `endpoint` as the region, `region_note`, `closest_region` with `domain_of`, and `endpoint` with the text as the
//! API and login URLs. One an input: an unknown region costs an edit distance to every region name, in
//! `endpoint`'s error and in `region_note` and `closest_region` alike.
#![no_main]

use authcheck::check::Plain;
use authcheck::check::internals::genesys;
use authcheck::check::internals::genesys::regions::Hosts;
use libfuzzer_sys::fuzz_target;

fn assert_one_line(what: &str, text: &str) {
    assert!(
        !text.contains(char::is_control),
        "{what} is not one line: {text:?}"
    );
}

fn region(text: &str) {
    match genesys::endpoint(Some(text), None, None) {
        Ok(Hosts {
            login_base,
            api_base,
            region,
        }) => {
            let region = region.expect("an accepted region has a name");
            let domain = genesys::domain_of(&region).expect("the name is a known region");
            assert_eq!(
                login_base,
                format!("https://login.{domain}"),
                "for {text:?}"
            );
            assert_eq!(api_base, format!("https://api.{domain}"), "for {text:?}");
            assert_eq!(genesys::region_of_domain(domain), Some(region.as_str()));
        }
        Err((summary, _detail)) => assert_one_line("summary", &summary.render(&Plain)),
    }
}

/// The URL overrides, alone, together, and with a region.
fn urls(text: &str) {
    let _ = genesys::endpoint(None, Some(text), None).expect("an API URL alone is enough");
    let _ = genesys::endpoint(None, None, Some(text)).expect("a login URL alone is enough");
    let _ = genesys::endpoint(None, Some(text), Some(text));
    let _ = genesys::endpoint(Some("eu-west-1"), Some(text), None);
}

fn closest(text: &str) {
    let closest = genesys::closest_region(text);
    assert!(
        genesys::domain_of(closest).is_some(),
        "closest_region gave {closest:?}"
    );
    if let Some(domain) = genesys::domain_of(text) {
        assert!(genesys::region_of_domain(domain).is_some());
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&what, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match what & 0x03 {
        0 => region(text),
        1 => {
            if let Some(note) = genesys::region_note(text) {
                assert_one_line("region note", &note.render(&Plain));
            }
        }
        2 => closest(text),
        _ => urls(text),
    }
});
