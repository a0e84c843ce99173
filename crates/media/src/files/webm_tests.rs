//! The WebM walk on files built element by element (no `ffmpeg` needed); files made by
//! `ffmpeg` are tested in `video_tests.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::files::{probe_video, strip_video_metadata};

fn id_bytes(id: u32) -> Vec<u8> {
    id.to_be_bytes().into_iter().skip_while(|&b| b == 0).collect()
}

/// An element with a known size (written on 8 bytes when `wide`, else as short as possible).
fn el(id: u32, data: &[u8]) -> Vec<u8> {
    let mut out = id_bytes(id);
    let len = data.len() as u64;
    if len < 0x7F {
        out.push(0x80 | len as u8);
    } else {
        out.push(0x01);
        out.extend_from_slice(&len.to_be_bytes()[1..]);
    }
    out.extend_from_slice(data);
    out
}

fn el_unknown(id: u32, data: &[u8]) -> Vec<u8> {
    [id_bytes(id), vec![0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], data.to_vec()].concat()
}

fn ebml_header(doc_type: &str) -> Vec<u8> {
    el(EBML, &[el(0x4286, &[1]), el(DOC_TYPE, doc_type.as_bytes()), el(0x4287, &[4])].concat())
}

fn info(duration: Option<f64>) -> Vec<u8> {
    let mut data = el(TIMESTAMP_SCALE, &[0x0F, 0x42, 0x40]);
    if let Some(d) = duration {
        data.extend_from_slice(&el(DURATION, &d.to_be_bytes()));
    }
    el(INFO, &data)
}

fn tracks(kind: u8, width: u16, height: u16) -> Vec<u8> {
    let video = el(VIDEO, &[el(PIXEL_WIDTH, &width.to_be_bytes()), el(PIXEL_HEIGHT, &height.to_be_bytes())].concat());
    let entry = el(TRACK_ENTRY, &[el(0xD7, &[1]), el(TRACK_TYPE, &[kind]), el(0x86, b"V_VP8"), video].concat());
    el(TRACKS, &entry)
}

fn cluster_data() -> Vec<u8> {
    [el(0xE7, &[0]), el(0xA3, &[0x81, 0, 0, 0x80, 1, 2, 3, 4]), el(0xA3, &[0x81, 0, 100, 0x80, 5, 6])].concat()
}

fn tags() -> Vec<u8> {
    let simple = el(0x67C8, &[el(0x45A3, b"LOCATION"), el(0x4487, b"+48.85+002.35/")].concat());
    el(TAGS, &el(0x7373, &[el(0x63C0, &[]), simple].concat()))
}

fn webm(segment_children: &[Vec<u8>]) -> Vec<u8> {
    [ebml_header("webm"), el(SEGMENT, &segment_children.concat())].concat()
}

fn standard() -> Vec<u8> {
    webm(&[info(Some(2500.0)), tracks(1, 640, 360), tags(), el(CLUSTER, &cluster_data())])
}

fn probe_bytes(bytes: &[u8]) -> Result<VideoInfo, FileError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.webm");
    std::fs::write(&path, bytes).unwrap();
    probe_video(&path)
}

fn invalid(bytes: &[u8]) -> String {
    match probe_bytes(bytes) {
        Err(FileError::Invalid(m)) => m,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn size_and_duration_come_from_the_headers() {
    let info = probe_bytes(&standard()).unwrap();
    let expected =
        VideoInfo { container: Container::Webm, width: Some(640), height: Some(360), duration_ms: Some(2500) };
    assert_eq!(info, expected);
    assert_eq!((info.content_type(), info.extension()), ("video/webm", "webm"));
    // A 4-byte float duration, and a timestamp scale of 1 µs.
    let micro = el(INFO, &[el(TIMESTAMP_SCALE, &[0x03, 0xE8]), el(DURATION, &1_500_000f32.to_be_bytes())].concat());
    let file = webm(&[micro, tracks(1, 8, 8), el(CLUSTER, &cluster_data())]);
    assert_eq!(probe_bytes(&file).unwrap().duration_ms, Some(1500));
}

#[test]
fn a_live_recording_with_unknown_sizes_is_accepted() {
    // As MediaRecorder writes it: unknown Segment and Cluster sizes, no duration.
    let file = [
        ebml_header("webm"),
        el_unknown(
            SEGMENT,
            &[
                info(None),
                tracks(1, 1280, 720),
                el_unknown(CLUSTER, &cluster_data()),
                el_unknown(CLUSTER, &cluster_data()),
                el(CUES, &[0xBB, 0x80]),
                el_unknown(CLUSTER, &cluster_data()),
            ]
            .concat(),
        ),
    ]
    .concat();
    let info = probe_bytes(&file).unwrap();
    assert_eq!((info.width, info.height, info.duration_ms), (Some(1280), Some(720), None));
    // Cut inside the last block: its size runs past the end.
    invalid(&file[..file.len() - 2]);
}

#[test]
fn not_webm_is_unsupported() {
    let mkv = [ebml_header("matroska"), el(SEGMENT, &[info(Some(1.0)), tracks(1, 8, 8)].concat())].concat();
    assert!(matches!(probe_bytes(&mkv), Err(FileError::Unsupported(m)) if m.contains("matroska")));
    let audio = webm(&[info(Some(1.0)), tracks(2, 0, 0), el(CLUSTER, &cluster_data())]);
    assert!(matches!(probe_bytes(&audio), Err(FileError::Unsupported(m)) if m.contains("video track")));
}

#[test]
fn missing_parts_are_invalid() {
    assert!(invalid(&webm(&[tracks(1, 8, 8), el(CLUSTER, &cluster_data())])).contains("Info"));
    assert!(invalid(&webm(&[info(None), el(CLUSTER, &cluster_data())])).contains("Tracks"));
    assert!(invalid(&webm(&[info(None), tracks(1, 8, 8)])).contains("Cluster"));
    invalid(&ebml_header("webm"));
    assert!(invalid(&[ebml_header("webm"), el(INFO, &[])].concat()).contains("Segment"));
}

#[test]
fn truncated_or_lying_files_are_invalid() {
    let file = standard();
    for cut in [5, 20, 40, 60, file.len() / 2, file.len() - 3, file.len() - 1] {
        invalid(&file[..cut]);
    }
    // The Segment claiming one byte more than the file has.
    let segment = file.windows(4).position(|w| w == id_bytes(SEGMENT)).unwrap();
    let mut lying = file.clone();
    lying[segment + 4] += 1;
    invalid(&lying);
    // A Cluster claiming more than its Segment holds.
    let cluster = file.windows(4).position(|w| w == id_bytes(CLUSTER)).unwrap();
    let mut lying = file.clone();
    lying[cluster + 4] += 3;
    invalid(&lying);
    // An unknown size on an element that must have one.
    invalid(&webm(&[el_unknown(INFO, &[]), tracks(1, 8, 8), el(CLUSTER, &cluster_data())]));
}

#[test]
fn a_void_element_covers_any_span_exactly() {
    for total in (2..40).chain([127, 128, 1000, 70_000, 1 << 30]) {
        let (header, zeros) = void_header(total);
        assert_eq!(header[0], VOID);
        assert_eq!(header.len() as u64 + zeros, total, "span {total}");
        let (size, len) = parse_size(&header[1..]).unwrap();
        assert_eq!((size, len + 1), (Some(zeros), header.len()), "span {total}");
    }
}

fn seek_head(entries: &[(u32, u64)]) -> Vec<u8> {
    let seeks: Vec<Vec<u8>> = entries
        .iter()
        .map(|&(id, pos)| el(SEEK, &[el(SEEK_ID, &id_bytes(id)), el(0x53AC, &pos.to_be_bytes())].concat()))
        .collect();
    el(SEEK_HEAD, &seeks.concat())
}

#[test]
fn strip_voids_the_tags_and_what_points_at_them_in_place() {
    let head = seek_head(&[(INFO, 0), (TAGS, 0), (TRACKS, 0), (TAGS, 0)]);
    let file =
        webm(&[head.clone(), info(Some(2500.0)), tags(), tracks(1, 640, 360), el(CLUSTER, &cluster_data()), tags()]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.webm");
    std::fs::write(&path, &file).unwrap();
    strip_video_metadata(&path, Container::Webm).unwrap();
    let out = std::fs::read(&path).unwrap();
    assert_eq!(out.len(), file.len());
    for needle in [&id_bytes(TAGS)[..], b"LOCATION", b"+48.85"] {
        assert!(!out.windows(needle.len()).any(|w| w == needle), "{needle:?} survived");
    }
    let probed = probe_video(&path).unwrap();
    assert_eq!((probed.width, probed.height, probed.duration_ms), (Some(640), Some(360), Some(2500)));
    let mut src = crate::files::source::Source::open(&path).unwrap();
    assert!(scan(&mut src).unwrap().tags.is_empty());

    // The SeekHead still points at Info and Tracks; its Tags entries are Void elements.
    let head_start = (ebml_header("webm").len() + 12) as u64;
    let element = read_element(&mut src, head_start, out.len() as u64).unwrap();
    let data = read_data(&mut src, &element).unwrap();
    let kept: Vec<u32> = children(&data).unwrap().iter().map(|c| c.id).collect();
    assert_eq!(kept, [SEEK, u32::from(VOID), SEEK, u32::from(VOID)]);
    // Where the first Tags element was, a Void element of the same span.
    let first = head_start + (head.len() + info(Some(2500.0)).len()) as u64;
    let void = read_element(&mut src, first, out.len() as u64).unwrap();
    assert_eq!((void.id, void.data + void.size.unwrap() - first), (u32::from(VOID), tags().len() as u64));
}
