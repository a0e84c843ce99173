#![allow(clippy::unwrap_used, clippy::expect_used)]
use serde_json::json;

use super::*;

fn doc(v: serde_json::Value) -> TourDoc {
    serde_json::from_value(v).unwrap()
}

fn two_scenes() -> serde_json::Value {
    json!({"title": " Flat ", "initialSceneId": "living", "scenes": [
        {"id": "living", "panoramaId": Uuid::nil(), "title": "Living room",
         "initialView": {"yaw": 10, "pitch": -5},
         "hotspots": [{"yaw": 90, "pitch": 0, "type": "scene", "targetSceneId": "kitchen"},
                      {"yaw": -30, "pitch": 10, "type": "info", "title": "Fireplace", "text": "Works in winter"}]},
        {"id": "kitchen", "panoramaId": Uuid::nil(),
         "hotspots": [{"yaw": -90, "pitch": 0, "type": "scene", "targetSceneId": "living"}]}]})
}

fn fields(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn a_two_scene_tour_is_valid_and_keeps_its_shape() {
    let mut d = doc(two_scenes());
    assert!(validate(&mut d).is_empty());
    assert_eq!(d.title.as_deref(), Some("Flat"));
    assert_eq!(d.start().unwrap().id, "living");
    assert_eq!(d.scenes[0].initial_view.fov, 90.0);
    assert_eq!(d.scenes[1].initial_view, View::default());
    let back = serde_json::to_value(&d).unwrap();
    assert_eq!(back["scenes"][0]["hotspots"][0]["type"], "scene");
    assert_eq!(back["scenes"][0]["hotspots"][0]["targetSceneId"], "kitchen");
    assert_eq!(back["scenes"][0]["hotspots"][1]["title"], "Fireplace");
    assert_eq!(doc(back), d);
}

#[test]
fn broken_links_angles_and_ids_are_named_by_field() {
    let mut v = two_scenes();
    v["initialSceneId"] = json!("attic");
    v["scenes"][0]["hotspots"][0]["targetSceneId"] = json!("garden");
    v["scenes"][1]["hotspots"][0]["targetSceneId"] = json!("kitchen");
    v["scenes"][1]["id"] = json!("kitchen");
    v["scenes"][0]["initialView"]["pitch"] = json!(91);
    v["scenes"][0]["hotspots"][1]["yaw"] = json!(180.5);
    let mut d = doc(v);
    let errors = validate(&mut d);
    let f = fields(&errors);
    for expected in [
        "initialSceneId",
        "scenes[0].hotspots[0].targetSceneId",
        "scenes[1].hotspots[0].targetSceneId",
        "scenes[0].initialView.pitch",
        "scenes[0].hotspots[1].yaw",
    ] {
        assert!(f.contains(&expected), "{expected} missing from {f:?}");
    }
}

#[test]
fn duplicate_or_malformed_scene_ids_and_empty_tours_are_refused() {
    let mut v = two_scenes();
    v["scenes"][1]["id"] = json!("living");
    assert!(fields(&validate(&mut doc(v))).contains(&"scenes[1].id"));
    let mut v = two_scenes();
    v["scenes"][1]["id"] = json!("Kitchen!");
    assert!(fields(&validate(&mut doc(v))).contains(&"scenes[1].id"));
    assert!(fields(&validate(&mut doc(json!({"scenes": []})))).contains(&"scenes"));
}

#[test]
fn unknown_fields_and_hotspot_types_do_not_parse() {
    assert!(serde_json::from_value::<TourDoc>(json!({"scenes": [], "extra": 1})).is_err());
    let mut v = two_scenes();
    v["scenes"][0]["hotspots"][0]["type"] = json!("door");
    assert!(serde_json::from_value::<TourDoc>(v).is_err());
}

#[test]
fn info_cards_need_a_title() {
    let mut v = two_scenes();
    v["scenes"][0]["hotspots"][1]["title"] = json!("  ");
    assert!(fields(&validate(&mut doc(v))).contains(&"scenes[0].hotspots[1].title"));
}
