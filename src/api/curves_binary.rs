//! The bulk curve read's answer in binary: the same columns as its JSON, as little-endian numbers,
//! so a thousand runs' buckets are encoded and decoded in milliseconds rather than a tenth of a
//! second. A client asks for it with `Accept: application/vnd.runhistory.curves`; others get JSON.

use super::curves::{CurveColumns, Curves};
use super::ext::{Bucket, DownsampledSeries, Num};

/// The media type of the binary answer, asked for in `Accept` and named in `Content-Type`.
pub const MEDIA_TYPE: &str = "application/vnd.runhistory.curves";
/// The first bytes of an answer: the format and its version.
const MAGIC: &[u8; 4] = b"RHC1";

/// `c` in binary: the magic, the key and x, the series count, then each series' run id, total
/// points, bucket count and columns (`min_positive` None as NaN, never a minimum of positives).
pub fn encode(c: &Curves) -> Vec<u8> {
    let buckets: usize = c.series.iter().map(|s| s.x_first.len()).sum();
    let mut out = Vec::with_capacity(16 + c.key.len() + c.series.len() * 64 + buckets * 80);
    out.extend_from_slice(MAGIC);
    put_str(&mut out, &c.key);
    put_str(&mut out, &c.x);
    put_len(&mut out, c.series.len());
    for s in &c.series {
        put_str(&mut out, &s.run_id);
        out.extend_from_slice(&s.total_points.to_le_bytes());
        let n = s.x_first.len();
        put_len(&mut out, n);
        for col in [&s.x_first, &s.x_last, &s.x_min, &s.x_max] {
            put_f64s(&mut out, col.iter().copied(), n);
        }
        for col in [&s.min, &s.max, &s.last] {
            put_f64s(&mut out, col.iter().map(|v| v.0), n);
        }
        put_u64s(&mut out, s.count.iter().copied(), n);
        put_f64s(&mut out, s.min_positive.iter().map(|v| v.unwrap_or(f64::NAN)), n);
        put_u64s(&mut out, s.non_positive.iter().copied(), n);
    }
    out
}

/// Curves from their binary answer; an error says what was wrong, never a panic.
pub fn decode(bytes: &[u8]) -> Result<Curves, String> {
    let (key, x, series) = decode_series(bytes)?;
    Ok(Curves {
        key,
        x,
        series: series.iter().map(CurveColumns::from_series).collect(),
    })
}

/// The answer read straight into each run's buckets, as a chart uses them (no columns between):
/// the key, the x, and the series.
pub fn decode_series(bytes: &[u8]) -> Result<(String, String, Vec<DownsampledSeries>), String> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(4)? != MAGIC {
        return Err("not a curves answer (its first bytes are not RHC1)".into());
    }
    let key = r.string()?;
    let x = r.string()?;
    let count = r.len(8)?;
    let mut series = Vec::with_capacity(count);
    for _ in 0..count {
        let run_id = r.string()?;
        let total_points = r.u64()?;
        let n = r.len(80)?;
        // The ten columns of n values each, one after the next.
        let cols = r.take(n * 80)?;
        let at = |col: usize, i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&cols[(col * n + i) * 8..(col * n + i) * 8 + 8]);
            u64::from_le_bytes(w)
        };
        let f = |col: usize, i: usize| f64::from_bits(at(col, i));
        let buckets = (0..n)
            .map(|i| Bucket {
                x_first: f(0, i),
                x_last: f(1, i),
                x_min: Some(f(2, i)),
                x_max: Some(f(3, i)),
                min: Num(f(4, i)),
                max: Num(f(5, i)),
                last: Num(f(6, i)),
                count: at(7, i),
                min_positive: Some(f(8, i)).filter(|v| !v.is_nan()),
                non_positive: at(9, i),
            })
            .collect();
        series.push(DownsampledSeries {
            run_id,
            key: key.clone(),
            x: x.clone(),
            total_points,
            buckets,
        });
    }
    if r.at != bytes.len() {
        return Err(format!("{} bytes after the last series", bytes.len() - r.at));
    }
    Ok((key, x, series))
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// Exactly `n` values: a column shorter than the first (never built so) is padded with NaN so the
/// answer stays readable.
fn put_f64s(out: &mut Vec<u8>, values: impl Iterator<Item = f64>, n: usize) {
    for v in values.chain(std::iter::repeat(f64::NAN)).take(n) {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

fn put_u64s(out: &mut Vec<u8>, values: impl Iterator<Item = u64>, n: usize) {
    for v in values.chain(std::iter::repeat(0)).take(n) {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Reads an answer front to back, every read checked against what is left.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(format!(
                "the answer ends early (byte {} of {})",
                self.at,
                self.bytes.len()
            ));
        };
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn word(&mut self) -> Result<[u8; 8], String> {
        let mut w = [0u8; 8];
        w.copy_from_slice(self.take(8)?);
        Ok(w)
    }

    fn u64(&mut self) -> Result<u64, String> {
        self.word().map(u64::from_le_bytes)
    }

    /// A count of things at least `each` bytes long, refused when the rest could not hold them
    /// (so a corrupt count cannot make it allocate without bound).
    fn len(&mut self, each: usize) -> Result<usize, String> {
        let mut w = [0u8; 4];
        w.copy_from_slice(self.take(4)?);
        let n = u32::from_le_bytes(w) as usize;
        if n.saturating_mul(each) > self.bytes.len() - self.at {
            return Err(format!("a count of {n} is more than the answer holds"));
        }
        Ok(n)
    }

    fn string(&mut self) -> Result<String, String> {
        let n = self.len(1)?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| "a name is not UTF-8".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Curves {
        Curves {
            key: "loss/train".into(),
            x: "step".into(),
            series: vec![
                CurveColumns {
                    run_id: "r1".into(),
                    total_points: 9,
                    x_first: vec![0.0, 4.0],
                    x_last: vec![3.0, 8.0],
                    x_min: vec![1.0, 4.0],
                    x_max: vec![2.0, 8.0],
                    min: vec![Num(-1.0), Num(0.5)],
                    max: vec![Num(f64::NAN), Num(f64::INFINITY)],
                    last: vec![Num(0.1 + 0.2), Num(f64::NEG_INFINITY)],
                    count: vec![4, 5],
                    min_positive: vec![Some(2.5), None],
                    non_positive: vec![1, u64::MAX],
                },
                CurveColumns {
                    run_id: "r2 without the key".into(),
                    ..Default::default()
                },
            ],
        }
    }

    #[test]
    fn an_answer_comes_back_bit_for_bit() {
        let c = sample();
        let back = decode(&encode(&c)).unwrap();
        assert_eq!((back.key.as_str(), back.x.as_str()), ("loss/train", "step"));
        assert_eq!(back.series.len(), 2);
        let (a, b) = (&back.series[0], &c.series[0]);
        assert_eq!(a.last[0].0.to_bits(), (0.1f64 + 0.2).to_bits());
        assert!(a.max[0].0.is_nan());
        assert_eq!(a.max[1].0, f64::INFINITY);
        assert_eq!(
            (
                &a.x_first,
                &a.x_last,
                &a.x_min,
                &a.x_max,
                &a.count,
                &a.min_positive,
                &a.non_positive
            ),
            (
                &b.x_first,
                &b.x_last,
                &b.x_min,
                &b.x_max,
                &b.count,
                &b.min_positive,
                &b.non_positive
            )
        );
        assert_eq!(back.series[1], c.series[1]);
        // Read straight into buckets, the same as the columns turned into series.
        let (key, x, series) = decode_series(&encode(&c)).unwrap();
        assert_eq!((key.as_str(), x.as_str(), series.len()), ("loss/train", "step", 2));
        let via_columns = c.series[0].clone().into_series("loss/train", "step").unwrap();
        assert_eq!(format!("{:?}", series[0]), format!("{via_columns:?}"));
        assert!(series[1].buckets.is_empty());
    }

    #[test]
    fn a_damaged_answer_is_an_error_not_a_panic() {
        let bytes = encode(&sample());
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).unwrap_err().contains("after the last series"));
        let mut wrong = bytes.clone();
        wrong[0] = b'{';
        assert!(decode(&wrong).unwrap_err().contains("RHC1"));
        // A series count far beyond the bytes is refused before anything is allocated for it.
        let mut huge = bytes;
        let at = 4 + 4 + "loss/train".len() + 4 + "step".len();
        huge[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode(&huge).unwrap_err().contains("more than the answer holds"));
    }
}
