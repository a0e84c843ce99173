//! The booking confirmation as a PDF.
//!
//! This module lays the confirmation out (rows of text, wrapped and paginated); krilla writes
//! the file. krilla embeds the font as a subset (only the glyphs used, so a confirmation is tens
//! of kilobytes although the font files are ~0.7 MB each) with a ToUnicode map, so any viewer
//! shows and copies the text in whatever script it is written (see [`super::typeset`] for the
//! font and what it covers).
//!
//! Why krilla: it is typst's PDF writer (maintained, pure Rust, no build script) and does the
//! font work we would otherwise write by hand: TrueType subsetting, CID fonts, width arrays,
//! ToUnicode CMaps. Built without its default features (no raster images, no built-in text
//! shaping), its dependencies are pdf-writer, subsetter, skrifa and a few small crates; we shape
//! with rustybuzz, the version krilla's own shaping uses. From scratch they compile in about
//! two CPU-minutes (debug), most of it the font crates (write-fonts, read-fonts) that subsetting
//! needs with any of the candidates. pdf-writer with subsetter alone would save only krilla and
//! skrifa and leave the CID font dictionaries and ToUnicode maps to us; printpdf always brings a
//! second font library (allsorts), fontconfig bindings and lopdf, which we have no use for.
//!
//! The output is deterministic: krilla derives the file identifiers and the subset font names
//! from hashes of the content, and the only dates written are the booking's, never the clock's.

use super::typeset::{self, Faces, Line, Weight};
use super::{Document, Item, format_amount, when, zone};
use chrono::{Datelike, Timelike};
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::{Document as Pdf, SerializeSettings};

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
/// Gray levels (0 black, 255 white) of secondary text and of rules.
const GRAY_TEXT: u8 = 89;
const GRAY_RULE: u8 = 191;

/// Why a confirmation could not be written; the bundled fonts or the PDF writer failed, which
/// no booking data can cause.
#[derive(Debug)]
pub struct RenderError(String);

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "booking PDF: {}", self.0)
    }
}

impl std::error::Error for RenderError {}

enum Op {
    Text { size: f32, x: f32, gray: bool, line: Line },
    Rule,
}

/// One line of the page: `height` points tall, text baseline `ascent` below its top.
struct Row {
    height: f32,
    ascent: f32,
    ops: Vec<Op>,
}

impl Row {
    fn text(size: f32, x: f32, gray: bool, line: Line) -> Self {
        Row { height: size * 1.45, ascent: size, ops: vec![Op::Text { size, x, gray, line }] }
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
pub fn render(doc: &Document<'_>) -> Result<Vec<u8>, RenderError> {
    let faces = typeset::faces().ok_or_else(|| RenderError("the bundled fonts do not load".to_owned()))?;
    let pages = paginate(blocks(faces, doc));
    write_file(faces, doc, &pages)
}

fn blocks(f: &Faces, doc: &Document<'_>) -> Vec<Block> {
    let mut out = Vec::new();
    let title = f.line(Weight::Bold, &format!("Booking {}", doc.reference));
    let mut head = vec![Row::text(20.0, MARGIN, false, title)];
    head.push(Row::space(4.0));
    let lines = [
        format!("Status: {}", doc.status),
        format!("Traveller: {}", doc.traveller_name),
        format!("E-mail: {}", doc.traveller_email),
        format!("Booked on: {} UTC", doc.created_at.format("%a %-d %b %Y %H:%M")),
    ];
    for line in lines {
        head.extend(wrapped(f, Weight::Regular, 10.5, MARGIN, RIGHT, false, &line));
    }
    head.push(Row::rule(18.0));
    head.push(Row::text(13.0, MARGIN, false, f.line(Weight::Bold, "Items")));
    out.push(head);
    if doc.items.is_empty() {
        out.push(vec![Row::text(10.0, MARGIN, true, f.line(Weight::Regular, "No items."))]);
    }
    for item in &doc.items {
        out.push(item_block(f, item, doc.currency));
    }
    let mut totals = vec![Row::space(6.0)];
    for (label, minor) in [("Total", doc.total), ("Paid", doc.paid), ("Refunded", doc.refunded)] {
        let weight = if label == "Total" { Weight::Bold } else { Weight::Regular };
        totals.push(amount_row(f, weight, 11.0, label, &format_amount(minor, doc.currency)));
    }
    out.push(totals);
    out
}

fn item_block(f: &Faces, item: &Item<'_>, currency: &str) -> Block {
    let mut rows = vec![Row::space(4.0)];
    rows.extend(titled(f, item.title, &format_amount(item.amount, currency)));
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
        rows.extend(wrapped(f, Weight::Regular, small, x, RIGHT, false, line));
    }
    if let Some(policy) = item.policy {
        rows.extend(wrapped(f, Weight::Regular, small, x, RIGHT, true, &format!("Cancellation policy: {policy}")));
    }
    rows.push(Row::rule(12.0));
    rows
}

/// The item title in bold, wrapped left of its amount, which is right-aligned on the first row.
fn titled(f: &Faces, title: &str, amount: &str) -> Vec<Row> {
    let size = 11.0;
    let amount = f.line(Weight::Bold, amount);
    let amount_w = amount.width(size);
    let mut rows = wrapped(f, Weight::Bold, size, MARGIN, RIGHT - amount_w - 12.0, false, title);
    if let Some(first) = rows.first_mut() {
        first.ops.push(Op::Text { size, x: RIGHT - amount_w, gray: false, line: amount });
    }
    rows
}

fn amount_row(f: &Faces, weight: Weight, size: f32, label: &str, amount: &str) -> Row {
    let amount = f.line(weight, amount);
    let x = RIGHT - amount.width(size);
    let mut row = Row::text(size, PAGE_W / 2.0, false, f.line(weight, label));
    row.ops.push(Op::Text { size, x, gray: false, line: amount });
    row
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// `text` broken at spaces into rows that fit between `x` and `right` (a word wider than that
/// is broken anywhere). Always at least one row.
fn wrapped(f: &Faces, weight: Weight, size: f32, x: f32, right: f32, gray: bool, text: &str) -> Vec<Row> {
    let max = (right - x).max(size * 4.0);
    let width = |text: &str| f.line(weight, text).width(size);
    let space = width(" ");
    let text = f.printable(weight, text);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    // Words are measured one by one (a line's width is theirs plus the spaces'): shaping every
    // candidate line would cost the square of its length.
    let mut line_w = 0.0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let word_w = width(word);
        let gap = if line.is_empty() { 0.0 } else { space };
        if line_w + gap + word_w <= max {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
            line_w += gap + word_w;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        line_w = word_w;
        if word_w <= max {
            line.push_str(word);
            continue;
        }
        for c in word.chars() {
            line.push(c);
            if line.chars().nth(1).is_some() && width(&line) > max {
                line.pop();
                lines.push(std::mem::replace(&mut line, c.to_string()));
            }
        }
        line_w = width(&line);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines.into_iter().map(|l| Row::text(size, x, gray, f.line(weight, &l))).collect()
}

/// A page: its rows, each with the y of its top edge (PDF space: from the bottom up).
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

fn fill(gray: bool) -> Option<Fill> {
    let level = if gray { GRAY_TEXT } else { 0 };
    Some(Fill { paint: luma::Color::new(level).into(), ..Fill::default() })
}

/// Draws one page. The layout measures y upwards from the page's bottom edge, as PDF does;
/// krilla's surface measures it downwards from the top.
fn draw_page(f: &Faces, s: &mut Surface<'_>, doc: &Document<'_>, page: &Page, number: usize, count: usize) {
    let down = |y: f32| PAGE_H - y;
    for (top, row) in page {
        let baseline = down(top - row.ascent);
        for op in &row.ops {
            match op {
                Op::Text { size, x, gray, line } => {
                    s.set_fill(fill(*gray));
                    f.draw(s, line, *size, Point::from_xy(*x, baseline));
                }
                Op::Rule => {
                    let mut path = PathBuilder::new();
                    path.move_to(MARGIN, baseline);
                    path.line_to(RIGHT, baseline);
                    if let Some(path) = path.finish() {
                        s.set_fill(None);
                        s.set_stroke(Some(Stroke {
                            paint: luma::Color::new(GRAY_RULE).into(),
                            width: 0.5,
                            ..Stroke::default()
                        }));
                        s.draw_path(&path);
                        s.set_stroke(None);
                    }
                }
            }
        }
    }
    let footer = format!("Sojourn booking confirmation \u{b7} {} \u{b7} page {number} of {count}", doc.reference);
    s.set_fill(fill(true));
    f.draw(s, &f.line(Weight::Regular, &footer), 8.0, Point::from_xy(MARGIN, down(FOOTER_Y)));
}

fn metadata(doc: &Document<'_>) -> Metadata {
    let at = doc.created_at;
    let small = |n: u32| u8::try_from(n).unwrap_or(0);
    let created = DateTime::new(u16::try_from(at.year()).unwrap_or(0))
        .month(small(at.month()))
        .day(small(at.day()))
        .hour(small(at.hour()))
        .minute(small(at.minute()))
        .second(small(at.second()))
        .utc_offset_hour(0)
        .utc_offset_minute(0);
    Metadata::new()
        .title(format!("Booking {}", doc.reference))
        .authors(vec!["Sojourn".to_owned()])
        .creator("Sojourn".to_owned())
        .producer("Sojourn".to_owned())
        .language("en".to_owned())
        .creation_date(created)
}

fn write_file(f: &Faces, doc: &Document<'_>, pages: &[Page]) -> Result<Vec<u8>, RenderError> {
    let settings = SerializeSettings {
        // No XMP packet: the document information dictionary says the same in fewer bytes.
        xmp_metadata: false,
        enable_tagging: false,
        ..SerializeSettings::default()
    };
    let mut pdf = Pdf::new_with(settings);
    pdf.set_metadata(metadata(doc));
    let size = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| RenderError("page size".to_owned()))?;
    for (i, page) in pages.iter().enumerate() {
        let mut sheet = pdf.start_page_with(size.clone());
        let mut surface = sheet.surface();
        draw_page(f, &mut surface, doc, page, i + 1, pages.len());
        surface.finish();
        sheet.finish();
    }
    pdf.finish().map_err(|e| RenderError(format!("{e:?}")))
}
