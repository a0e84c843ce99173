//! The PDF is checked both structurally (offsets) and by an independent parser (lopdf).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::fixture::{document, item};
use super::pdf::render;
use super::{Document, Item};

fn parse(bytes: &[u8]) -> lopdf::Document {
    lopdf::Document::load_mem(bytes).expect("lopdf parses the confirmation")
}

fn all_text(pdf: &lopdf::Document) -> String {
    let pages: Vec<u32> = pdf.get_pages().keys().copied().collect();
    pdf.extract_text(&pages).unwrap()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

fn many(n: usize) -> (Vec<String>, Vec<String>) {
    let ids = (0..n).map(|i| format!("item-{i}")).collect();
    let titles = (0..n).map(|i| format!("Activity number {i} \u{2013} Café tour")).collect();
    (ids, titles)
}

fn many_items<'a>(ids: &'a [String], titles: &'a [String]) -> Vec<Item<'a>> {
    ids.iter().zip(titles).map(|(id, title)| item(id, title, "Europe/Paris")).collect()
}

/// Checks the header, the cross-reference table against every object and `startxref`; returns
/// the number of objects.
fn check_structure(bytes: &[u8]) -> usize {
    assert!(bytes.starts_with(b"%PDF-1."));
    let second = bytes.split(|b| *b == b'\n').nth(1).unwrap();
    assert!(second.starts_with(b"%") && second[1..].iter().all(|b| *b >= 0x80), "binary comment line");
    assert!(bytes.ends_with(b"%%EOF\n"));

    let sx = rfind(bytes, b"startxref\n").unwrap();
    let tail = std::str::from_utf8(&bytes[sx..]).unwrap();
    let xref: usize = tail.lines().nth(1).unwrap().parse().unwrap();
    assert!(bytes[xref..].starts_with(b"xref\n"), "startxref points at the xref keyword");

    let table = std::str::from_utf8(&bytes[xref..sx]).unwrap();
    let mut lines = table.split('\n');
    assert_eq!(lines.next(), Some("xref"));
    let header: Vec<usize> = lines.next().unwrap().split(' ').map(|n| n.parse().unwrap()).collect();
    assert_eq!(header[0], 0);
    let size = header[1];
    assert_eq!(lines.next(), Some("0000000000 65535 f "));
    for id in 1..size {
        let entry = lines.next().unwrap();
        assert_eq!(entry.len(), 19, "entries are 20 bytes with their line feed");
        assert!(entry.ends_with(" 00000 n "));
        let offset: usize = entry[..10].parse().unwrap();
        let expected = format!("{id} 0 obj\n");
        assert!(bytes[offset..].starts_with(expected.as_bytes()), "object {id} at {offset}");
    }
    assert_eq!(lines.next(), Some("trailer"));
    assert!(table.contains(&format!("/Size {size} ")));
    assert!(table.contains("/Root 1 0 R"));
    size
}

#[test]
fn a_booking_renders_as_a_valid_one_page_pdf() {
    let mut stay = item("it-1", "Hôtel des Grands Boulevards", "Europe/Paris");
    stay.details.push("Breakfast included – ½ board".to_owned());
    let mut dinner = item("it-2", "Dinner at Septime (tasting) \\ 7 courses", "Europe/Paris");
    dinner.kind = "restaurant";
    dinner.amount = 9550;
    dinner.ends_at = None;
    dinner.policy = None;
    let doc = document(vec![stay, dinner]);
    let bytes = render(&doc);
    check_structure(&bytes);

    let pdf = parse(&bytes);
    assert_eq!(pdf.get_pages().len(), 1);
    let text = all_text(&pdf);
    for expected in [
        "Booking DS-A7B3X2K1",
        "Status: CONFIRMED",
        "Traveller: Élodie Müller",
        "elodie@example.com",
        "Booked on: Tue 15 Jan 2030 09:30 UTC",
        "Hôtel des Grands Boulevards",
        "224.00 EUR",
        "Dinner at Septime (tasting) \\ 7 courses",
        "95.50 EUR",
        "Stay · CONFIRMED",
        "Restaurant · CONFIRMED",
        "When: Wed 1 May 2030 15:00 – Fri 3 May 2030 11:00 (Europe/Paris)",
        "When: Wed 1 May 2030 15:00 (Europe/Paris)",
        "Where: 1 Quai de Valmy, Paris, FR",
        "2 guests",
        "Breakfast included – ½ board",
        "Cancellation policy: Moderate: full refund up to 5 days before check-in",
        "Total",
        "319.50 EUR",
        "Paid",
        "Refunded",
        "0.00 EUR",
        "Sojourn booking confirmation · DS-A7B3X2K1 · page 1 of 1",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn winansi_text_reads_back_and_the_rest_becomes_question_marks() {
    let mut doc = document(vec![item("x", "Straße à Zürich: 20 € „Œuvre“ — 東京", "Asia/Tokyo")]);
    doc.traveller_name = "Łukasz Ærø";
    let text = all_text(&parse(&render(&doc)));
    assert!(text.contains("Straße à Zürich: 20 € „Œuvre“ — ??"), "{text}");
    assert!(text.contains("Traveller: ?ukasz Ærø"), "{text}");
    assert!(text.contains("(Asia/Tokyo)"));
}

#[test]
fn many_items_paginate() {
    let (ids, titles) = many(60);
    let doc = document(many_items(&ids, &titles));
    let bytes = render(&doc);
    let objects = check_structure(&bytes);
    let pdf = parse(&bytes);
    let pages = pdf.get_pages();
    assert!(pages.len() >= 5, "60 items of ~7 lines each take several pages, got {}", pages.len());
    assert_eq!(objects, 6 + 2 * pages.len(), "catalog, tree, fonts, info, then page and contents");
    let text = all_text(&pdf);
    for title in &titles {
        assert!(text.contains(title.as_str()), "missing {title}");
    }
    assert!(text.contains(&format!("page {n} of {n}", n = pages.len())));
    assert!(text.contains("13440.00 EUR"), "60 × 224.00");
    // Items are kept whole: each page's text has complete item blocks.
    for (number, id) in &pages {
        let page_text = pdf.extract_text(&[*number]).unwrap();
        assert_eq!(page_text.matches("Activity number").count(), page_text.matches("Cancellation policy").count());
        assert!(pdf.get_dictionary(*id).is_ok());
    }
}

#[test]
fn long_lines_wrap_inside_the_page() {
    let long = "A very long policy sentence that goes on and on ".repeat(8);
    let word = "x".repeat(300);
    let mut it = item("l", "Long", "Europe/Paris");
    it.policy = Some(&long);
    it.details = vec![word.clone()];
    let doc = document(vec![it]);
    let bytes = render(&doc);
    check_structure(&bytes);
    let text = all_text(&parse(&bytes));
    assert!(text.lines().filter(|l| l.contains("goes on and on")).count() >= 3, "{text}");
    let xs: String = text.lines().filter(|l| l.chars().all(|c| c == 'x') && !l.is_empty()).collect();
    assert_eq!(xs, word, "an unbreakable word is split across lines, nothing lost");
    // No text starts beyond the right margin: every Td x coordinate is within the page.
    let content = String::from_utf8_lossy(&bytes);
    for td in content.split(" Td ").filter_map(|s| s.rsplit(" g ").next()) {
        if let Some(x) = td.split(' ').next().and_then(|x| x.parse::<f32>().ok()) {
            assert!((0.0..545.0).contains(&x), "x = {x}");
        }
    }
}

#[test]
fn no_items_and_odd_currencies() {
    let mut doc: Document<'_> = document(Vec::new());
    doc.currency = "JPY";
    doc.total = 500;
    doc.paid = 500;
    doc.refunded = 120;
    let text = all_text(&parse(&render(&doc)));
    assert!(text.contains("No items."));
    assert!(text.contains("500 JPY") && text.contains("120 JPY"), "{text}");
}

#[test]
fn metadata_comes_from_the_document_and_output_is_deterministic() {
    let (ids, titles) = many(20);
    let doc = document(many_items(&ids, &titles));
    let bytes = render(&doc);
    assert_eq!(bytes, render(&document(many_items(&ids, &titles))));
    let pdf = parse(&bytes);
    let info = pdf.trailer.get(b"Info").and_then(|o| o.as_reference()).unwrap();
    let info = pdf.get_dictionary(info).unwrap();
    assert_eq!(info.get(b"Title").unwrap().as_str().unwrap(), b"Booking DS-A7B3X2K1");
    assert_eq!(info.get(b"CreationDate").unwrap().as_str().unwrap(), b"D:20300115093000Z");
    assert!(find(&bytes, b"/MediaBox [0 0 595 842]").is_some(), "A4");
}
