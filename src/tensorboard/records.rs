//! TFRecord framing, the container of TensorBoard's event files: each record is its length (u64
//! little-endian), the length's masked CRC-32C, the data, and the data's masked CRC-32C. Read from
//! a buffer that may end mid-record (a file still being written).

use super::crc32c::masked_crc32c;

/// Bytes before a record's data: the length and its CRC.
const HEADER: usize = 12;
/// Bytes after a record's data: its CRC.
const FOOTER: usize = 4;
/// A record longer than this is taken for a damaged length that passed its CRC by chance.
const MAX_RECORD: u64 = 1 << 31;

/// What is found at a position of the buffer.
#[derive(Debug, PartialEq)]
pub enum Frame<'a> {
    /// A whole, checked record; the next frame starts at `next`.
    Record { data: &'a [u8], next: usize },
    /// The buffer ends before the record does: read again from here when the file has grown.
    Incomplete,
    /// The record's data fails its CRC, and more follows it: skip to `next`.
    BadData { next: usize },
    /// The length fails its CRC, so the framing is lost: `next` is the next position where a
    /// header checks out.
    BadLength { next: usize },
}

/// The frame at `pos` of `buf`. What fails its checks at the very end of the buffer is taken as
/// `Incomplete`, as TensorBoard retries a file's tail: on some file systems a file's length grows
/// before its bytes land. Once more bytes follow it, a damaged record is skipped.
pub fn frame_at(buf: &[u8], pos: usize) -> Frame<'_> {
    match header_at(buf, pos) {
        None => Frame::Incomplete,
        Some(Some(len)) => {
            let Some(end) = pos.checked_add(HEADER + len).filter(|e| e + FOOTER <= buf.len()) else {
                return Frame::Incomplete;
            };
            let data = &buf[pos + HEADER..end];
            let crc = u32::from_le_bytes([buf[end], buf[end + 1], buf[end + 2], buf[end + 3]]);
            let next = end + FOOTER;
            if masked_crc32c(data) == crc {
                Frame::Record { data, next }
            } else if next == buf.len() {
                Frame::Incomplete
            } else {
                Frame::BadData { next }
            }
        }
        Some(None) => {
            // Resynchronise on the first later header whose length checks out.
            let mut at = pos + 1;
            loop {
                match header_at(buf, at) {
                    None => return Frame::Incomplete,
                    Some(Some(_)) => return Frame::BadLength { next: at },
                    Some(None) => at += 1,
                }
            }
        }
    }
}

/// The record length at `pos`: None when the header is not all there, Some(None) when its CRC
/// fails or it is absurd.
fn header_at(buf: &[u8], pos: usize) -> Option<Option<usize>> {
    let h = buf.get(pos..pos.checked_add(HEADER)?)?;
    let len_bytes = &h[..8];
    let crc = u32::from_le_bytes([h[8], h[9], h[10], h[11]]);
    if masked_crc32c(len_bytes) != crc {
        return Some(None);
    }
    let len = u64::from_le_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]]);
    Some((len <= MAX_RECORD).then_some(len as usize))
}

/// One record framed, as TensorBoard's writers frame it.
pub fn frame(data: &[u8]) -> Vec<u8> {
    let len = (data.len() as u64).to_le_bytes();
    let mut out = Vec::with_capacity(data.len() + HEADER + FOOTER);
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc32c(&len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc32c(data).to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(buf: &[u8]) -> (Vec<Vec<u8>>, usize, usize) {
        let (mut out, mut pos, mut bad) = (Vec::new(), 0, 0);
        loop {
            match frame_at(buf, pos) {
                Frame::Record { data, next } => {
                    out.push(data.to_vec());
                    pos = next;
                }
                Frame::Incomplete => return (out, pos, bad),
                Frame::BadData { next } | Frame::BadLength { next } => {
                    bad += 1;
                    pos = next;
                }
            }
        }
    }

    #[test]
    fn whole_records_are_read_and_a_cut_tail_waits() {
        let mut buf = frame(b"first");
        buf.extend(frame(b""));
        buf.extend(frame(b"third record"));
        let whole = buf.len();
        buf.extend(frame(b"still being written"));
        for cut in whole..buf.len() {
            let (got, pos, bad) = records(&buf[..cut]);
            assert_eq!(
                got,
                vec![b"first".to_vec(), vec![], b"third record".to_vec()],
                "cut at {cut}"
            );
            assert_eq!((pos, bad), (whole, 0), "cut at {cut}: resumes at the unfinished record");
        }
        assert_eq!(records(&buf).0.len(), 4);
    }

    #[test]
    fn a_damaged_record_is_skipped_and_the_rest_read() {
        let mut buf = frame(b"one");
        let second = buf.len();
        buf.extend(frame(b"two"));
        buf.extend(frame(b"three"));
        let mut data_hit = buf.clone();
        data_hit[second + HEADER] ^= 0x40;
        let (got, _, bad) = records(&data_hit);
        assert_eq!((got, bad), (vec![b"one".to_vec(), b"three".to_vec()], 1));
        // A damaged length loses the framing: the reader finds the next header that checks out.
        let mut length_hit = buf.clone();
        length_hit[second] ^= 0x01;
        let (got, _, bad) = records(&length_hit);
        assert_eq!((got, bad), (vec![b"one".to_vec(), b"three".to_vec()], 1));
    }

    #[test]
    fn damage_at_the_very_end_waits_for_more_bytes_before_it_is_skipped() {
        let mut buf = frame(b"one");
        let last = buf.len();
        buf.extend(frame(b"two"));
        let mut bad_tail = buf.clone();
        bad_tail[last + HEADER] ^= 1;
        assert_eq!(
            records(&bad_tail),
            (vec![b"one".to_vec()], last, 0),
            "the tail may still be landing"
        );
        bad_tail.extend(frame(b"three"));
        let (got, _, bad) = records(&bad_tail);
        assert_eq!((got, bad), (vec![b"one".to_vec(), b"three".to_vec()], 1));
        let mut bad_length = buf.clone();
        bad_length[last] ^= 1;
        assert_eq!(
            records(&bad_length),
            (vec![b"one".to_vec()], last, 0),
            "no header follows yet"
        );
    }

    #[test]
    fn an_absurd_length_is_not_trusted_even_with_a_good_crc() {
        let len = (u64::MAX).to_le_bytes();
        let mut buf = len.to_vec();
        buf.extend_from_slice(&masked_crc32c(&len).to_le_bytes());
        buf.extend(frame(b"after"));
        let (got, _, bad) = records(&buf);
        assert_eq!((got, bad), (vec![b"after".to_vec()], 1));
    }
}
