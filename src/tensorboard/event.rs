//! The messages inside an event file's records (tensorflow.Event and its Summary), decoded into
//! what a run history keeps: scalars, images, text and hparams, at a step and a wall time.
//!
//! Writers differ: TF1, PyTorch and tensorboardX put a scalar in `simple_value`; TF2 and
//! TensorBoard's own summary ops put a rank-0 tensor tagged with the "scalars" plugin. A tag's
//! plugin may be named only on its first value, so the caller keeps what was seen per run.

use super::wire::{fields, packed};
use std::collections::HashMap;

/// What a tag holds, from its summary metadata's plugin name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plugin {
    Scalars,
    Images,
    Text,
    Hparams,
    /// Histograms, audio, graphs, custom plugins: not kept.
    Other,
}

impl Plugin {
    pub(super) fn named(name: &str) -> Plugin {
        match name {
            "scalars" => Plugin::Scalars,
            "images" => Plugin::Images,
            "text" => Plugin::Text,
            "hparams" => Plugin::Hparams,
            _ => Plugin::Other,
        }
    }

    /// The name `named` takes back (`Other` stands for every plugin that is not kept).
    pub(super) fn name(self) -> &'static str {
        match self {
            Plugin::Scalars => "scalars",
            Plugin::Images => "images",
            Plugin::Text => "text",
            Plugin::Hparams => "hparams",
            Plugin::Other => "other",
        }
    }
}

/// One value of a summary.
#[derive(Debug, Clone, PartialEq)]
pub enum Data<'a> {
    Scalar(f64),
    /// Encoded images (PNG as the writers make them), several when a batch was logged at once.
    Images(Vec<&'a [u8]>),
    Text(String),
    /// A session's hyperparameters, each as text.
    Hparams(Vec<(String, String)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Value<'a> {
    pub tag: &'a str,
    pub data: Data<'a>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event<'a> {
    /// Seconds since the epoch.
    pub wall_time: f64,
    pub step: i64,
    pub values: Vec<Value<'a>>,
}

/// The event in `record`, or None when it is not a well-formed Event message. `plugins` carries
/// each tag's plugin from its first value to the later ones (per run).
pub fn decode<'a>(record: &'a [u8], plugins: &mut HashMap<String, Plugin>) -> Option<Event<'a>> {
    let mut event = Event {
        wall_time: 0.0,
        step: 0,
        values: Vec::new(),
    };
    let mut f = fields(record);
    for (number, field) in f.by_ref() {
        match number {
            1 => event.wall_time = field.double()?,
            2 => event.step = field.varint()? as i64,
            5 => {
                let mut summary = fields(field.bytes()?);
                for (n, v) in summary.by_ref() {
                    if n == 1
                        && let Some(value) = decode_value(v.bytes()?, plugins)
                    {
                        event.values.push(value);
                    }
                }
                if summary.damaged {
                    return None;
                }
            }
            _ => {}
        }
    }
    (!f.damaged).then_some(event)
}

#[derive(Default)]
struct RawValue<'a> {
    tag: &'a str,
    simple: Option<f32>,
    image: Option<&'a [u8]>,
    tensor: Option<&'a [u8]>,
    plugin: Option<&'a str>,
    content: &'a [u8],
}

fn decode_value<'a>(buf: &'a [u8], plugins: &mut HashMap<String, Plugin>) -> Option<Value<'a>> {
    let mut raw = RawValue::default();
    for (n, f) in fields(buf) {
        match n {
            1 => raw.tag = f.text()?,
            2 => raw.simple = f.float(),
            4 => raw.image = fields(f.bytes()?).find(|(n, _)| *n == 4).and_then(|(_, f)| f.bytes()),
            8 => raw.tensor = f.bytes(),
            9 => {
                for (n, f) in fields(f.bytes()?) {
                    if n == 1 {
                        for (n, f) in fields(f.bytes()?) {
                            match n {
                                1 => raw.plugin = f.text(),
                                2 => raw.content = f.bytes().unwrap_or_default(),
                                _ => {}
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let plugin = match raw.plugin {
        Some(name) => {
            let p = Plugin::named(name);
            if plugins.get(raw.tag) != Some(&p) {
                plugins.insert(raw.tag.to_string(), p);
            }
            Some(p)
        }
        None => plugins.get(raw.tag).copied(),
    };
    let data = if let Some(v) = raw.simple {
        Data::Scalar(f64::from(v))
    } else if let Some(png) = raw.image {
        Data::Images(vec![png])
    } else if plugin == Some(Plugin::Hparams) {
        Data::Hparams(session_hparams(raw.content)?)
    } else {
        let tensor = Tensor::decode(raw.tensor?)?;
        match plugin {
            Some(Plugin::Images) => Data::Images(tensor.strings.get(2..)?.to_vec()),
            Some(Plugin::Text) => Data::Text(
                tensor
                    .strings
                    .iter()
                    .map(|s| String::from_utf8_lossy(s))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            Some(Plugin::Scalars) | None => Data::Scalar(tensor.scalar()?),
            Some(Plugin::Other | Plugin::Hparams) => return None,
        }
    };
    Some(Value { tag: raw.tag, data })
}

/// The hyperparameters of an hparams plugin's SessionStartInfo; None for its other messages
/// (the experiment's description, a session's end).
fn session_hparams(content: &[u8]) -> Option<Vec<(String, String)>> {
    let start = fields(content).find(|(n, _)| *n == 3)?.1.bytes()?;
    let mut out = Vec::new();
    for (n, entry) in fields(start) {
        if n != 1 {
            continue;
        }
        let (mut key, mut value) = ("", None);
        for (n, f) in fields(entry.bytes()?) {
            match n {
                1 => key = f.text()?,
                2 => value = proto_value_text(f.bytes()?),
                _ => {}
            }
        }
        if let Some(v) = value {
            out.push((key.to_string(), v));
        }
    }
    Some(out)
}

/// A google.protobuf.Value as text: a number, a string or a bool.
fn proto_value_text(buf: &[u8]) -> Option<String> {
    fields(buf).find_map(|(n, f)| match n {
        2 => f.double().map(|d| d.to_string()), // shortest exact form: 32, 0.001
        3 => f.text().map(str::to_string),
        4 => f.varint().map(|b| (b != 0).to_string()),
        _ => None,
    })
}

/// TensorFlow's DataType numbers that carry a number.
const DT_FLOAT: u64 = 1;
const DT_DOUBLE: u64 = 2;
const DT_INT32: u64 = 3;
const DT_UINT8: u64 = 4;
const DT_INT16: u64 = 5;
const DT_INT8: u64 = 6;
const DT_INT64: u64 = 9;
const DT_BOOL: u64 = 10;
const DT_BFLOAT16: u64 = 14;
const DT_HALF: u64 = 19;

#[derive(Default)]
struct Tensor<'a> {
    dtype: u64,
    content: &'a [u8],
    numbers: Vec<f64>,
    strings: Vec<&'a [u8]>,
}

impl<'a> Tensor<'a> {
    fn decode(buf: &'a [u8]) -> Option<Tensor<'a>> {
        let mut t = Tensor::default();
        let mut f = fields(buf);
        for (n, field) in f.by_ref() {
            match n {
                1 => t.dtype = field.varint()?,
                4 => t.content = field.bytes()?,
                5 => packed(field, 4, |b| t.numbers.push(f64::from(f32::from_bits(b as u32)))),
                6 => packed(field, 8, |b| t.numbers.push(f64::from_bits(b))),
                7 | 13 => packed(field, 0, |v| {
                    t.numbers.push(match (n, t.dtype) {
                        (13, DT_BFLOAT16) => f64::from(f32::from_bits((v as u32) << 16)),
                        (13, _) => half(v as u16),
                        _ => f64::from(v as i32),
                    })
                }),
                10 => packed(field, 0, |v| t.numbers.push(v as i64 as f64)),
                8 => t.strings.push(field.bytes()?),
                _ => {}
            }
        }
        (!f.damaged).then_some(t)
    }

    /// The value of a one-element numeric tensor, from the typed values or the raw little-endian
    /// content; None for any other tensor (a histogram's, a PR curve's, a string's).
    fn scalar(&self) -> Option<f64> {
        match self.numbers.as_slice() {
            [v] => return Some(*v),
            [] => {}
            _ => return None,
        }
        let c = self.content;
        let width = match self.dtype {
            DT_DOUBLE | DT_INT64 => 8,
            DT_FLOAT | DT_INT32 => 4,
            DT_INT16 | DT_HALF | DT_BFLOAT16 => 2,
            DT_INT8 | DT_UINT8 | DT_BOOL => 1,
            _ => return None,
        };
        if c.len() != width {
            return None;
        }
        let bytes = |n: usize| c.get(..n);
        Some(match self.dtype {
            DT_FLOAT => f64::from(f32::from_le_bytes(bytes(4)?.try_into().ok()?)),
            DT_DOUBLE => f64::from_le_bytes(bytes(8)?.try_into().ok()?),
            DT_INT32 => f64::from(i32::from_le_bytes(bytes(4)?.try_into().ok()?)),
            DT_INT64 => i64::from_le_bytes(bytes(8)?.try_into().ok()?) as f64,
            DT_INT16 => f64::from(i16::from_le_bytes(bytes(2)?.try_into().ok()?)),
            DT_INT8 => f64::from(*bytes(1)?.first()? as i8),
            DT_UINT8 => f64::from(*bytes(1)?.first()?),
            DT_BOOL => f64::from(u8::from(*bytes(1)?.first()? != 0)),
            DT_HALF => half(u16::from_le_bytes(bytes(2)?.try_into().ok()?)),
            DT_BFLOAT16 => f64::from(f32::from_bits(
                u32::from(u16::from_le_bytes(bytes(2)?.try_into().ok()?)) << 16,
            )),
            _ => return None,
        })
    }
}

/// An IEEE half-precision number.
fn half(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((bits >> 10) & 0x1f);
    let frac = f64::from(bits & 0x3ff);
    sign * match exp {
        0 => frac * 2f64.powi(-24),
        31 if frac == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (1.0 + frac / 1024.0) * 2f64.powi(exp - 15),
    }
}

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;
