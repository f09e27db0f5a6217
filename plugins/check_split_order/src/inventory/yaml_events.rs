//! The YAML parser's events as the inventory reader consumes them: documents counted (one is
//! allowed), anchored nodes recorded once as they stream by, and an alias replayed from that
//! recording only when the reader asks for its content, each replayed node taken from one
//! budget.

use std::collections::HashMap;
use std::rc::Rc;
use std::str::Chars;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;

use super::{ALIAS_NODES, ParseError, error};

/// A scalar event.
#[derive(Debug, Clone)]
pub(super) struct Scalar {
    pub(super) text: String,
    pub(super) plain: bool,
    pub(super) tag: Option<Rc<str>>,
    pub(super) line: usize,
    /// Where it starts, in characters.
    pub(super) index: usize,
}

/// An event as the interpreter sees it: from the parser, or replayed from an anchor.
#[derive(Debug, Clone)]
pub(super) enum Ev {
    Scalar(Scalar),
    MapStart { tag: Option<Rc<str>>, line: usize },
    MapEnd,
    SeqStart { tag: Option<Rc<str>>, line: usize },
    SeqEnd,
    Alias { id: usize, line: usize },
}

/// What an anchored node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    Scalar,
    Map,
    Seq,
}

/// An anchored node's events in the recording; `end` is `None` while it is still open.
#[derive(Debug, Clone)]
struct Anchor {
    start: usize,
    end: Option<usize>,
    shape: Shape,
    /// For a sequence: whether every item is a mapping (it may be merged), once known.
    maps_only: Option<bool>,
}

/// Why reading stopped, by the phase Ansible would find it in: the YAML parser's errors come
/// first, then the loader's (a tag, an unhashable key), then the inventory's structure.
#[derive(Debug)]
pub(super) enum Fail {
    Syntax(ParseError),
    /// Our own bound on alias replays: ends the read at once.
    Budget(ParseError),
}

/// The parser's events, plus replays of anchored nodes.
pub(super) struct Source<'t> {
    parser: Parser<Chars<'t>>,
    record: Vec<Ev>,
    anchors: HashMap<usize, Anchor>,
    /// Anchors being recorded: (id, depth of their node).
    open: Vec<(usize, usize)>,
    depth: usize,
    replays: Vec<(usize, usize)>,
    replay_left: u64,
    replay_line: usize,
    documents: usize,
    peeked: Option<Ev>,
}

fn full_tag(tag: Option<Tag>) -> Option<Rc<str>> {
    tag.map(|t| Rc::from(format!("{}{}", t.handle, t.suffix)))
}

impl<'t> Source<'t> {
    pub(super) fn new(text: &'t str, replay_left: u64) -> Source<'t> {
        Source {
            parser: Parser::new_from_str(text),
            record: Vec::new(),
            anchors: HashMap::new(),
            open: Vec::new(),
            depth: 0,
            replays: Vec::new(),
            replay_left,
            replay_line: 0,
            documents: 0,
            peeked: None,
        }
    }

    pub(super) fn next(&mut self) -> Result<Option<Ev>, Fail> {
        if let Some(ev) = self.peeked.take() {
            return Ok(Some(ev));
        }
        while let Some((next, end)) = self.replays.last_mut() {
            if *next < *end {
                let ev = self.record[*next].clone();
                *next += 1;
                if self.replay_left == 0 {
                    return Err(Fail::Budget(error(
                        self.replay_line,
                        format!(
                            "YAML aliases replay more than {ALIAS_NODES} nodes where their content is needed"
                        ),
                    )));
                }
                self.replay_left -= 1;
                return Ok(Some(ev));
            }
            self.replays.pop();
        }
        self.next_live()
    }

    pub(super) fn peek(&mut self) -> Result<Option<&Ev>, Fail> {
        if self.peeked.is_none() {
            self.peeked = self.next()?;
        }
        Ok(self.peeked.as_ref())
    }

    fn record(&mut self, ev: &Ev) {
        if !self.open.is_empty() {
            self.record.push(ev.clone());
        }
    }

    fn next_live(&mut self) -> Result<Option<Ev>, Fail> {
        loop {
            let (event, mark) = self
                .parser
                .next_token()
                .map_err(|e| Fail::Syntax(error(e.marker().line().max(1), e.info().to_string())))?;
            let line = mark.line().max(1);
            match event {
                Event::Nothing | Event::StreamStart | Event::DocumentEnd => {}
                Event::StreamEnd => return Ok(None),
                Event::DocumentStart => {
                    self.documents += 1;
                    if self.documents > 1 {
                        return Err(Fail::Syntax(error(
                            line,
                            "expected a single document in the stream, but found another document",
                        )));
                    }
                }
                Event::MappingStart(anchor, tag) => {
                    let ev = Ev::MapStart {
                        tag: full_tag(tag),
                        line,
                    };
                    return Ok(Some(self.start(ev, anchor, Shape::Map)));
                }
                Event::SequenceStart(anchor, tag) => {
                    let ev = Ev::SeqStart {
                        tag: full_tag(tag),
                        line,
                    };
                    return Ok(Some(self.start(ev, anchor, Shape::Seq)));
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    let ev = if matches!(event, Event::MappingEnd) {
                        Ev::MapEnd
                    } else {
                        Ev::SeqEnd
                    };
                    self.record(&ev);
                    if let Some(&(id, depth)) = self.open.last()
                        && depth == self.depth
                    {
                        self.open.pop();
                        if let Some(anchor) = self.anchors.get_mut(&id) {
                            anchor.end = Some(self.record.len());
                        }
                    }
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(Some(ev));
                }
                Event::Scalar(text, style, anchor, tag) => {
                    let ev = Ev::Scalar(Scalar {
                        text,
                        plain: style == TScalarStyle::Plain,
                        tag: full_tag(tag),
                        line,
                        index: mark.index(),
                    });
                    if anchor > 0 {
                        let start = self.record.len();
                        self.record.push(ev.clone());
                        self.anchors.insert(
                            anchor,
                            Anchor {
                                start,
                                end: Some(start + 1),
                                shape: Shape::Scalar,
                                maps_only: None,
                            },
                        );
                    } else {
                        self.record(&ev);
                    }
                    return Ok(Some(ev));
                }
                Event::Alias(id) => {
                    let ev = Ev::Alias { id, line };
                    self.record(&ev);
                    return Ok(Some(ev));
                }
            }
        }
    }

    /// A mapping or sequence starts: recorded, and registered when anchored.
    fn start(&mut self, ev: Ev, anchor: usize, shape: Shape) -> Ev {
        self.depth += 1;
        if anchor > 0 {
            self.anchors.insert(
                anchor,
                Anchor {
                    start: self.record.len(),
                    end: None,
                    shape,
                    maps_only: None,
                },
            );
            self.open.push((anchor, self.depth));
        }
        self.record(&ev);
        ev
    }

    /// Replay anchor `id` next, for an alias at `line`. `Err(why)`: it cannot be replayed.
    pub(super) fn enter(&mut self, id: usize, line: usize) -> Result<(), String> {
        match self.anchors.get(&id) {
            Some(Anchor {
                start,
                end: Some(end),
                ..
            }) => {
                if self.replays.is_empty() {
                    self.replay_line = line;
                }
                self.replays.push((*start, *end));
                Ok(())
            }
            Some(_) => Err("an alias refers to the node that contains it".into()),
            None => Err("an alias refers to an unknown anchor".into()),
        }
    }

    pub(super) fn shape(&self, id: usize) -> Option<Shape> {
        self.anchors.get(&id).map(|a| a.shape)
    }

    /// The scalar an anchor holds, when it holds one.
    pub(super) fn anchored_scalar(&self, id: usize) -> Option<Scalar> {
        let anchor = self.anchors.get(&id)?;
        match (anchor.shape, self.record.get(anchor.start)) {
            (Shape::Scalar, Some(Ev::Scalar(scalar))) => Some(scalar.clone()),
            _ => None,
        }
    }

    /// Whether an anchored sequence holds only mappings (so it may be merged); computed once.
    pub(super) fn maps_only(&mut self, id: usize) -> bool {
        let Some(anchor) = self.anchors.get(&id).cloned() else {
            return false;
        };
        if let Some(known) = anchor.maps_only {
            return known;
        }
        let end = anchor.end.unwrap_or(self.record.len());
        let mut depth = 0usize;
        let mut all = true;
        for ev in self.record.get(anchor.start..end).unwrap_or(&[]) {
            let item = depth == 1;
            match ev {
                Ev::MapStart { .. } => {
                    depth += 1;
                }
                Ev::SeqStart { .. } => {
                    all &= !item;
                    depth += 1;
                }
                Ev::MapEnd | Ev::SeqEnd => depth = depth.saturating_sub(1),
                Ev::Scalar(_) => all &= !item,
                Ev::Alias { id, .. } => {
                    all &= !item || self.anchors.get(id).is_some_and(|a| a.shape == Shape::Map)
                }
            }
        }
        if let Some(anchor) = self.anchors.get_mut(&id) {
            anchor.maps_only = Some(all);
        }
        all
    }
}
