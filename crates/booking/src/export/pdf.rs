//! The booking confirmation as a PDF, written object by object.
//!
//! A confirmation is a few pages of plain text, so the file is built by hand: standard
//! Helvetica fonts (nothing embedded), uncompressed content streams and an exact
//! cross-reference table. That keeps the output small, dependency-free and deterministic: the
//! same [`Document`] always gives the same bytes, with dates taken from the document, never
//! from the clock.

use super::winansi::{self, encode};
use super::{Document, Item, format_amount, when, zone};
use std::fmt::Write as _;

/// A4 in points.
const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 50.0;
const RIGHT: f32 = PAGE_W - MARGIN;
const TOP: f32 = PAGE_H - MARGIN;
/// Lowest point for body rows; the footer lives below it.
const BOTTOM: f32 = MARGIN + 24.0;
const FOOTER_Y: f32 = MARGIN - 10.0;
const INDENT: f32 = 12.0;

/// Helvetica is `/F1`, Helvetica-Bold `/F2`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Font {
    Regular,
    Bold,
}

enum Op {
    Text { font: Font, size: f32, x: f32, gray: bool, bytes: Vec<u8> },
    Rule,
}

/// One line of the page: `height` points tall, text baseline `ascent` below its top.
struct Row {
    height: f32,
    ascent: f32,
    ops: Vec<Op>,
}

impl Row {
    fn text(font: Font, size: f32, x: f32, gray: bool, bytes: Vec<u8>) -> Self {
        Row { height: size * 1.45, ascent: size, ops: vec![Op::Text { font, size, x, gray, bytes }] }
    }

    fn rule(height: f32) -> Self {
        Row { height, ascent: height / 2.0, ops: vec![Op::Rule] }
    }

    fn space(height: f32) -> Self {
        Row { height, ascent: 0.0, ops: Vec::new() }
    }
}

/// Rows kept on one page when they fit on one.
type Block = Vec<Row>;

/// Renders the confirmation of `doc` as a complete PDF file.
pub fn render(doc: &Document<'_>) -> Vec<u8> {
    let pages = paginate(blocks(doc));
    write_file(doc, &pages)
}

fn blocks(doc: &Document<'_>) -> Vec<Block> {
    let mut out = Vec::new();
    let mut head = vec![Row::text(Font::Bold, 20.0, MARGIN, false, encode(&format!("Booking {}", doc.reference)))];
    head.push(Row::space(4.0));
    let lines = [
        format!("Status: {}", doc.status),
        format!("Traveller: {}", doc.traveller_name),
        format!("E-mail: {}", doc.traveller_email),
        format!("Booked on: {} UTC", doc.created_at.format("%a %-d %b %Y %H:%M")),
    ];
    for line in lines {
        head.extend(wrapped(Font::Regular, 10.5, MARGIN, RIGHT, false, &line));
    }
    head.push(Row::rule(18.0));
    head.push(Row::text(Font::Bold, 13.0, MARGIN, false, encode("Items")));
    out.push(head);
    if doc.items.is_empty() {
        out.push(vec![Row::text(Font::Regular, 10.0, MARGIN, true, encode("No items."))]);
    }
    for item in &doc.items {
        out.push(item_block(item, doc.currency));
    }
    let mut totals = vec![Row::space(6.0)];
    for (label, minor) in [("Total", doc.total), ("Paid", doc.paid), ("Refunded", doc.refunded)] {
        let font = if label == "Total" { Font::Bold } else { Font::Regular };
        totals.push(amount_row(font, 11.0, label, &format_amount(minor, doc.currency)));
    }
    out.push(totals);
    out
}

fn item_block(item: &Item<'_>, currency: &str) -> Block {
    let mut rows = vec![Row::space(4.0)];
    rows.extend(titled(item.title, &format_amount(item.amount, currency)));
    let small = 9.5;
    let x = MARGIN + INDENT;
    let mut lines = vec![format!("{} \u{b7} {}", capitalised(item.kind), item.status)];
    if let Some(when) = when(item) {
        lines.push(format!("When: {when}"));
    } else if let Some(tz) = zone(item.timezone) {
        lines.push(format!("Time zone: {}", tz.name()));
    }
    if let Some(location) = item.location {
        lines.push(format!("Where: {location}"));
    }
    lines.extend(item.details.iter().cloned());
    for line in &lines {
        rows.extend(wrapped(Font::Regular, small, x, RIGHT, false, line));
    }
    if let Some(policy) = item.policy {
        rows.extend(wrapped(Font::Regular, small, x, RIGHT, true, &format!("Cancellation policy: {policy}")));
    }
    rows.push(Row::rule(12.0));
    rows
}

/// The item title in bold, wrapped left of its amount, which is right-aligned on the first row.
fn titled(title: &str, amount: &str) -> Vec<Row> {
    let size = 11.0;
    let amount = encode(amount);
    let amount_w = winansi::width(&amount, true, size);
    let mut rows = wrapped(Font::Bold, size, MARGIN, RIGHT - amount_w - 12.0, false, title);
    if let Some(first) = rows.first_mut() {
        first.ops.push(Op::Text { font: Font::Bold, size, x: RIGHT - amount_w, gray: false, bytes: amount });
    }
    rows
}

fn amount_row(font: Font, size: f32, label: &str, amount: &str) -> Row {
    let amount = encode(amount);
    let x = RIGHT - winansi::width(&amount, font == Font::Bold, size);
    let mut row = Row::text(font, size, PAGE_W / 2.0, false, encode(label));
    row.ops.push(Op::Text { font, size, x, gray: false, bytes: amount });
    row
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// `text` broken at spaces into rows that fit between `x` and `right` (a word wider than that
/// is broken anywhere). Always at least one row.
fn wrapped(font: Font, size: f32, x: f32, right: f32, gray: bool, text: &str) -> Vec<Row> {
    let bold = font == Font::Bold;
    let max = (right - x).max(size * 4.0);
    let fits = |line: &[u8]| winansi::width(line, bold, size) <= max;
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    for word in encode(text).split(|b| *b == b' ').filter(|w| !w.is_empty()) {
        let mut candidate = line.clone();
        if !candidate.is_empty() {
            candidate.push(b' ');
        }
        candidate.extend_from_slice(word);
        if fits(&candidate) {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for &b in word {
            line.push(b);
            if !fits(&line) && line.len() > 1 {
                let last = line.pop().unwrap_or(b' ');
                lines.push(std::mem::replace(&mut line, vec![last]));
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines.into_iter().map(|bytes| Row::text(font, size, x, gray, bytes)).collect()
}

/// A page: its rows, each with the y of its top edge.
type Page = Vec<(f32, Row)>;

fn paginate(blocks: Vec<Block>) -> Vec<Page> {
    let mut pages: Vec<Page> = vec![Vec::new()];
    let mut y = TOP;
    for block in blocks {
        let height: f32 = block.iter().map(|r| r.height).sum();
        let fresh = y >= TOP;
        if y - height < BOTTOM && !fresh && height <= TOP - BOTTOM {
            pages.push(Vec::new());
            y = TOP;
        }
        for row in block {
            if y - row.height < BOTTOM && y < TOP {
                pages.push(Vec::new());
                y = TOP;
            }
            let top = y;
            y -= row.height;
            if let Some(page) = pages.last_mut() {
                page.push((top, row));
            }
        }
    }
    pages
}

fn content(doc: &Document<'_>, page: &Page, number: usize, count: usize) -> String {
    let mut s = String::new();
    for (top, row) in page {
        let baseline = top - row.ascent;
        for op in &row.ops {
            match op {
                Op::Text { font, size, x, gray, bytes } => {
                    let f = if *font == Font::Bold { "F2" } else { "F1" };
                    let shade = if *gray { "0.35" } else { "0" };
                    let text = winansi::literal(bytes);
                    let _ = writeln!(s, "BT /{f} {size:.2} Tf {shade} g {x:.2} {baseline:.2} Td {text} Tj ET");
                }
                Op::Rule => {
                    let _ = writeln!(s, "0.75 G 0.5 w {MARGIN:.2} {baseline:.2} m {RIGHT:.2} {baseline:.2} l S");
                }
            }
        }
    }
    let footer = format!("Sojourn booking confirmation \u{b7} {} \u{b7} page {number} of {count}", doc.reference);
    let footer = winansi::literal(&encode(&footer));
    let _ = writeln!(s, "BT /F1 8.00 Tf 0.35 g {MARGIN:.2} {FOOTER_Y:.2} Td {footer} Tj ET");
    s
}

/// A PDF text string: literal when plain ASCII, otherwise UTF-16BE with a byte order mark.
fn text_string(text: &str) -> String {
    if text.bytes().all(|b| (0x20..0x7F).contains(&b)) {
        return winansi::literal(text.as_bytes());
    }
    let mut hex = String::from("<FEFF");
    for unit in text.encode_utf16() {
        let _ = write!(hex, "{unit:04X}");
    }
    hex.push('>');
    hex
}

/// Appends numbered objects and remembers where each starts, for the cross-reference table.
struct Writer {
    buf: Vec<u8>,
    offsets: Vec<usize>,
}

impl Writer {
    fn object(&mut self, body: &str) {
        self.offsets.push(self.buf.len());
        let id = self.offsets.len();
        self.buf.extend_from_slice(format!("{id} 0 obj\n{body}\nendobj\n").as_bytes());
    }

    fn stream(&mut self, data: &str) {
        self.object(&format!("<< /Length {} >>\nstream\n{data}\nendstream", data.len()));
    }
}

fn write_file(doc: &Document<'_>, pages: &[Page]) -> Vec<u8> {
    // Objects: 1 catalog, 2 page tree, 3–4 fonts, 5 info, then a page and its contents each.
    const FIRST_PAGE: usize = 6;
    let page_id = |i: usize| FIRST_PAGE + 2 * i;
    let mut w = Writer { buf: b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec(), offsets: Vec::new() };
    w.object("<< /Type /Catalog /Pages 2 0 R >>");
    let kids: Vec<String> = (0..pages.len()).map(|i| format!("{} 0 R", page_id(i))).collect();
    w.object(&format!("<< /Type /Pages /Kids [{}] /Count {} >>", kids.join(" "), pages.len()));
    for base in ["Helvetica", "Helvetica-Bold"] {
        w.object(&format!("<< /Type /Font /Subtype /Type1 /BaseFont /{base} /Encoding /WinAnsiEncoding >>"));
    }
    let created = doc.created_at.format("D:%Y%m%d%H%M%SZ").to_string();
    w.object(&format!(
        "<< /Title {} /Author (Sojourn) /Creator (Sojourn) /Producer (Sojourn) /CreationDate {} >>",
        text_string(&format!("Booking {}", doc.reference)),
        winansi::literal(created.as_bytes()),
    ));
    for (i, page) in pages.iter().enumerate() {
        w.object(&format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] \
             /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
            page_id(i) + 1
        ));
        w.stream(&content(doc, page, i + 1, pages.len()));
    }
    let xref = w.buf.len();
    let size = w.offsets.len() + 1;
    let mut tail = format!("xref\n0 {size}\n0000000000 65535 f \n");
    for offset in &w.offsets {
        let _ = writeln!(tail, "{offset:010} 00000 n ");
    }
    let _ = write!(tail, "trailer\n<< /Size {size} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n");
    w.buf.extend_from_slice(tail.as_bytes());
    w.buf
}
