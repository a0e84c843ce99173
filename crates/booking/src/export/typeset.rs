//! Text for the booking PDF: which glyphs draw a line, how wide it is, and in what order its
//! parts go.
//!
//! The font is DejaVu Sans (regular and bold, from the `dejavu` crate; Bitstream Vera licence,
//! see docs/voyage.md): one family that covers Latin with its extensions, Greek (polytonic
//! too), Cyrillic, Armenian, Georgian, Hebrew and Arabic, so names and places in those scripts
//! print as written. It has no CJK, Indic or emoji glyphs; a character the font cannot draw is
//! replaced by `?` before shaping, so the reader sees that something is missing and copied
//! text says the same, instead of an empty box that would extract as the original character.
//!
//! Lines are shaped with rustybuzz (the shaper krilla itself uses), which joins Arabic letters,
//! places combining marks and kerns. Each line is split into runs of one direction with the
//! Unicode bidirectional algorithm, the paragraph being left-to-right (the labels are
//! English); a Hebrew or Arabic name is therefore shaped right to left and drawn where the
//! algorithm puts it.

use krilla::geom::Point;
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use rustybuzz::ttf_parser::Tag;
use rustybuzz::{Direction, Feature, Script, ShapePlan, UnicodeBuffer};
use std::ops::Range;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use unicode_bidi::{BidiInfo, Level};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Weight {
    Regular,
    Bold,
}

/// A shaping plan with the direction and script it was built for.
type Plan = (Direction, Option<Script>, Arc<ShapePlan>);

/// One font file, as krilla embeds it and as rustybuzz shapes with it.
struct Face {
    pdf: Font,
    shaper: rustybuzz::Face<'static>,
    units_per_em: f32,
    /// Shaping plans by direction and script: building one costs far more than shaping a line
    /// with it, and a document needs only a few.
    plans: Mutex<Vec<Plan>>,
}

impl Face {
    fn load(data: &'static [u8]) -> Option<Face> {
        let shaper = rustybuzz::Face::from_slice(data, 0)?;
        let units_per_em = shaper.units_per_em() as f32;
        Some(Face { pdf: Font::new(data.into(), 0)?, shaper, units_per_em, plans: Mutex::new(Vec::new()) })
    }

    fn plan(&self, direction: Direction, script: Script) -> Arc<ShapePlan> {
        // The buffer reports an unknown script where the plan wants none.
        let script = Some(script).filter(|s| *s != rustybuzz::script::UNKNOWN);
        let mut plans = self.plans.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, _, plan)) = plans.iter().find(|(d, s, _)| *d == direction && *s == script) {
            return Arc::clone(plan);
        }
        // No discretionary ligatures: a ligature glyph (DejaVu's "fi") would otherwise stand
        // for both "f"+"i" and the character U+FB01, and the text map of the PDF gives each
        // glyph one meaning, so copied text would read "conﬁrmation". Required ligatures
        // (Arabic lam-alef, `rlig`) stay on.
        let no_ligatures = [b"liga", b"clig"].map(|tag| Feature::new(Tag::from_bytes(tag), 0, ..));
        let plan = Arc::new(ShapePlan::new(&self.shaper, direction, script, None, &no_ligatures));
        plans.push((direction, script, Arc::clone(&plan)));
        plan
    }

    /// `text` with what the font cannot draw made visible: control characters (line breaks,
    /// tabs) become spaces and characters without a glyph become `?`. Invisible formatting
    /// characters (joiners, direction marks, variation selectors) are left to the shaper.
    fn printable(&self, text: &str) -> String {
        text.chars()
            .map(|c| {
                if c.is_control() {
                    ' '
                } else if self.shaper.glyph_index(c).is_some() || invisible(c) {
                    c
                } else {
                    '?'
                }
            })
            .collect()
    }

    /// Shapes `line[range]` in one direction, appending its glyphs (with their text ranges in
    /// `line`) to `glyphs`; returns their advance in ems.
    fn shape(&self, line: &str, range: Range<usize>, rtl: bool, glyphs: &mut Vec<KrillaGlyph>) -> f32 {
        let offset = range.start;
        let text = &line[range];
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.set_direction(if rtl { Direction::RightToLeft } else { Direction::LeftToRight });
        buffer.guess_segment_properties();
        let plan = self.plan(buffer.direction(), buffer.script());
        let shaped = rustybuzz::shape_with_plan(&self.shaper, &plan, buffer);
        // A glyph stands for the text from its cluster to the next cluster (in text order),
        // whichever direction the glyphs run in.
        let mut starts: Vec<usize> = shaped.glyph_infos().iter().map(|g| g.cluster as usize).collect();
        starts.sort_unstable();
        starts.dedup();
        let em = self.units_per_em;
        let mut width = 0.0;
        let shaped_glyphs = shaped.glyph_infos().iter().zip(shaped.glyph_positions()).map(|(info, pos)| {
            let start = info.cluster as usize;
            let end = starts.get(starts.partition_point(|s| *s <= start)).copied().unwrap_or(text.len());
            width += pos.x_advance as f32 / em;
            KrillaGlyph::new(
                GlyphId::new(info.glyph_id),
                pos.x_advance as f32 / em,
                pos.x_offset as f32 / em,
                pos.y_offset as f32 / em,
                pos.y_advance as f32 / em,
                offset + start..offset + end,
                None,
            )
        });
        glyphs.extend(shaped_glyphs);
        width
    }
}

/// Default-ignorable characters a text may carry on purpose; fonts rarely map them.
fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}')
}

/// The two weights the document uses.
pub(super) struct Faces {
    regular: Face,
    bold: Face,
}

static FACES: LazyLock<Option<Faces>> = LazyLock::new(|| {
    Some(Faces { regular: Face::load(dejavu::sans::regular())?, bold: Face::load(dejavu::sans::bold())? })
});

/// The fonts, parsed once per process; `None` only if the bundled files could not be read.
pub(super) fn faces() -> Option<&'static Faces> {
    FACES.as_ref()
}

/// A line ready to draw: its glyphs in display order, with the text they stand for.
pub(super) struct Line {
    weight: Weight,
    text: String,
    glyphs: Vec<KrillaGlyph>,
    /// In ems.
    width: f32,
}

impl Line {
    /// The advance of the whole line at `size` points.
    pub(super) fn width(&self, size: f32) -> f32 {
        self.width * size
    }
}

impl Faces {
    fn face(&self, weight: Weight) -> &Face {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    /// What `text` will print as: see [`Face::printable`].
    pub(super) fn printable(&self, weight: Weight, text: &str) -> String {
        self.face(weight).printable(text)
    }

    /// Shapes one line of text (no wrapping) in display order.
    pub(super) fn line(&self, weight: Weight, text: &str) -> Line {
        let face = self.face(weight);
        let text = face.printable(text);
        let mut glyphs = Vec::new();
        let mut width = 0.0;
        let bidi = BidiInfo::new(&text, Some(Level::ltr()));
        if !bidi.has_rtl() {
            width = face.shape(&text, 0..text.len(), false, &mut glyphs);
        } else {
            for paragraph in &bidi.paragraphs {
                let (levels, runs) = bidi.visual_runs(paragraph, paragraph.range.clone());
                for run in runs {
                    let rtl = levels.get(run.start).is_some_and(|l| l.is_rtl());
                    width += face.shape(&text, run, rtl, &mut glyphs);
                }
            }
        }
        Line { weight, text, glyphs, width }
    }

    /// Draws `line` at `size` points with its baseline starting at `at` (krilla's coordinates:
    /// origin top left, y growing downwards) in the surface's current fill. One call per line,
    /// so the line is one text object whatever directions its parts run in.
    pub(super) fn draw(&self, surface: &mut Surface<'_>, line: &Line, size: f32, at: Point) {
        if line.glyphs.is_empty() {
            return;
        }
        let font = self.face(line.weight).pdf.clone();
        surface.draw_glyphs(at, &line.glyphs, font, &line.text, size, false);
    }
}
