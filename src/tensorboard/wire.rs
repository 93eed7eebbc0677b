//! Protocol Buffers' wire format, read by hand: just what decoding an event file's messages needs
//! (varints, fixed 32/64-bit fields, length-delimited fields), with every read bounds-checked.

/// A field's value as the wire carries it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Field<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

impl<'a> Field<'a> {
    pub fn bytes(self) -> Option<&'a [u8]> {
        match self {
            Field::Bytes(b) => Some(b),
            _ => None,
        }
    }

    pub fn varint(self) -> Option<u64> {
        match self {
            Field::Varint(v) => Some(v),
            _ => None,
        }
    }

    pub fn double(self) -> Option<f64> {
        match self {
            Field::Fixed64(v) => Some(f64::from_bits(v)),
            _ => None,
        }
    }

    pub fn float(self) -> Option<f32> {
        match self {
            Field::Fixed32(v) => Some(f32::from_bits(v)),
            _ => None,
        }
    }

    pub fn text(self) -> Option<&'a str> {
        self.bytes().and_then(|b| std::str::from_utf8(b).ok())
    }
}

/// The fields of one message, in order; stops (with `damaged` set) at the first malformed one.
pub struct Fields<'a> {
    buf: &'a [u8],
    pos: usize,
    pub damaged: bool,
}

pub fn fields(buf: &[u8]) -> Fields<'_> {
    Fields {
        buf,
        pos: 0,
        damaged: false,
    }
}

/// A varint at `*pos`, advancing it.
pub fn varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut out = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*pos)?;
        *pos += 1;
        out |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(out);
        }
    }
    None
}

impl<'a> Fields<'a> {
    fn read(&mut self) -> Option<(u32, Field<'a>)> {
        let key = varint(self.buf, &mut self.pos)?;
        let number = u32::try_from(key >> 3).ok()?;
        let field = match key & 7 {
            0 => Field::Varint(varint(self.buf, &mut self.pos)?),
            1 => {
                let b = self.buf.get(self.pos..self.pos + 8)?;
                self.pos += 8;
                Field::Fixed64(u64::from_le_bytes(b.try_into().ok()?))
            }
            2 => {
                let len = usize::try_from(varint(self.buf, &mut self.pos)?).ok()?;
                let end = self.pos.checked_add(len)?;
                let b = self.buf.get(self.pos..end)?;
                self.pos = end;
                Field::Bytes(b)
            }
            5 => {
                let b = self.buf.get(self.pos..self.pos + 4)?;
                self.pos += 4;
                Field::Fixed32(u32::from_le_bytes(b.try_into().ok()?))
            }
            _ => return None,
        };
        Some((number, field))
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = (u32, Field<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.buf.len() || self.damaged {
            return None;
        }
        let item = self.read();
        if item.is_none() {
            self.damaged = true;
        }
        item
    }
}

/// The numbers of a repeated numeric field, packed or not: `each` gets every element's raw bits.
pub fn packed(field: Field<'_>, width: usize, mut each: impl FnMut(u64)) {
    match field {
        Field::Bytes(b) if width == 0 => {
            let mut pos = 0;
            while pos < b.len() {
                match varint(b, &mut pos) {
                    Some(v) => each(v),
                    None => return,
                }
            }
        }
        Field::Bytes(b) => {
            for c in b.chunks_exact(width) {
                let mut raw = [0u8; 8];
                raw[..width].copy_from_slice(c);
                each(u64::from_le_bytes(raw));
            }
        }
        Field::Varint(v) | Field::Fixed64(v) => each(v),
        Field::Fixed32(v) => each(u64::from(v)),
    }
}

/// A message written field by field.
#[derive(Default)]
pub struct Writer(pub Vec<u8>);

impl Writer {
    fn key(&mut self, number: u32, wire: u64) {
        self.raw_varint((u64::from(number) << 3) | wire);
    }

    fn raw_varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    pub fn varint(mut self, number: u32, v: u64) -> Self {
        self.key(number, 0);
        self.raw_varint(v);
        self
    }

    pub fn double(mut self, number: u32, v: f64) -> Self {
        self.key(number, 1);
        self.0.extend_from_slice(&v.to_bits().to_le_bytes());
        self
    }

    pub fn float(mut self, number: u32, v: f32) -> Self {
        self.key(number, 5);
        self.0.extend_from_slice(&v.to_bits().to_le_bytes());
        self
    }

    pub fn bytes(mut self, number: u32, b: &[u8]) -> Self {
        self.key(number, 2);
        self.raw_varint(b.len() as u64);
        self.0.extend_from_slice(b);
        self
    }

    pub fn message(self, number: u32, m: Writer) -> Self {
        self.bytes(number, &m.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_and_a_cut_message_stops_as_damaged() {
        let m = Writer::default()
            .varint(2, 300)
            .double(1, 1.5)
            .float(3, -2.0)
            .bytes(4, b"tag");
        let got: Vec<_> = fields(&m.0).collect();
        assert_eq!(
            got,
            vec![
                (2, Field::Varint(300)),
                (1, Field::Fixed64(1.5f64.to_bits())),
                (3, Field::Fixed32((-2.0f32).to_bits())),
                (4, Field::Bytes(b"tag")),
            ]
        );
        for cut in 0..m.0.len() {
            let mut f = fields(&m.0[..cut]);
            let n = f.by_ref().count();
            assert!(n < 4, "cut at {cut}");
            assert!(f.damaged || cut == 0 || n > 0, "cut at {cut}");
        }
    }

    #[test]
    fn packed_and_unpacked_numbers_are_read_alike() {
        let mut seen = Vec::new();
        packed(Field::Bytes(&[1, 0x96, 0x01]), 0, |v| seen.push(v));
        packed(Field::Varint(7), 0, |v| seen.push(v));
        assert_eq!(seen, vec![1, 150, 7]);
        let mut floats = Vec::new();
        let b: Vec<u8> = [1.0f32, 2.5].iter().flat_map(|f| f.to_le_bytes()).collect();
        packed(Field::Bytes(&b), 4, |v| floats.push(f32::from_bits(v as u32)));
        assert_eq!(floats, vec![1.0, 2.5]);
    }
}
