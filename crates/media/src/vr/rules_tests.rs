#![allow(clippy::unwrap_used)]
use super::*;

#[test]
fn pins_are_six_digits_in_range_and_vary() {
    let pins: std::collections::BTreeSet<String> = (0..200).map(|_| new_pin().unwrap()).collect();
    assert!(pins.len() > 190, "a CSPRNG repeats rarely among 900 000 values: {}", pins.len());
    for pin in &pins {
        assert!(pin_format_ok(pin), "{pin}");
        let n: u32 = pin.parse().unwrap();
        assert!((100_000..=999_999).contains(&n), "{n}");
    }
}

#[test]
fn pin_format_is_exactly_six_ascii_digits() {
    for ok in ["123456", "000000", "999999"] {
        assert!(pin_format_ok(ok), "{ok}");
    }
    for bad in ["12345", "1234567", "12a456", "", " 12345", "１２３４５６", "12345\n"] {
        assert!(!pin_format_ok(bad), "{bad:?}");
    }
}

#[test]
fn destinations_are_trimmed_lower_cased_and_bounded() {
    assert_eq!(destination(br#"{"destination":"  Paris ","userId":"x"}"#).unwrap(), "paris");
    let long = format!(r#"{{"destination":"{}"}}"#, "a".repeat(MAX_DESTINATION));
    assert_eq!(destination(long.as_bytes()).unwrap().len(), MAX_DESTINATION);
    let too_long = format!(r#"{{"destination":"{}"}}"#, "a".repeat(MAX_DESTINATION + 1));
    for bad in [
        too_long.as_bytes(),
        b"",
        b"not json",
        b"[]",
        br#"{}"#,
        br#"{"destination":""}"#,
        br#"{"destination":"   "}"#,
        br#"{"destination":42}"#,
        br#"{"destination":null}"#,
        br#"{"destination":"a\u0007b"}"#,
    ] {
        let err = destination(bad).unwrap_err();
        assert_eq!((err.status, err.code.as_ref()), (400, "invalid_destination"), "{}", String::from_utf8_lossy(bad));
        assert_eq!(err.message, "Missing or invalid \"destination\" field");
    }
}

#[test]
fn moves_are_checked_against_the_tour_and_the_view_ranges() {
    let input = |v: serde_json::Value| move_from_json(v).unwrap();
    let scenes = |s: &str| s == "hall";
    let ok = input(serde_json::json!({"sceneId": "hall", "view": {"yaw": 10, "pitch": -5}, "pointer": null}));
    let state = ok.validate(scenes).unwrap();
    assert_eq!(state.view.fov, 90.0);
    assert_eq!(state.pointer, None);

    let bad = input(serde_json::json!({"sceneId": "attic", "view": {"yaw": 181, "pitch": 0, "fov": 10},
        "pointer": {"yaw": 0, "pitch": 91}}));
    let err = bad.validate(scenes).unwrap_err();
    let fields: Vec<&str> = err.details.iter().map(|d| d.field.as_str()).collect();
    assert_eq!(fields, ["sceneId", "view.yaw", "view.fov", "pointer.pitch"]);

    let shape = move_from_json(serde_json::json!({"view": {"yaw": 0, "pitch": 0}})).unwrap_err();
    assert_eq!(shape.code, "validation_failed");
    assert_eq!(shape.details[0].field, "sceneId");
}
