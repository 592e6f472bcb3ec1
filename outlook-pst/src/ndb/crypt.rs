//! Block obfuscation: `NDB_CRYPT_PERMUTE` and `NDB_CRYPT_CYCLIC`
//! ([MS-PST] 2.2.2.8.3.1.1 and Appendix A, 5.1 and 5.2).
//!
//! Both are byte substitutions over the same three 256-byte tables: `R`, `S` and `I`, where `I`
//! is the inverse permutation of `R`. Only `R` and `S` are written out; `I` is derived.

/// The `mpbbR` table of [MS-PST] 5.1.
const R: [u8; 256] = [
    65, 54, 19, 98, 168, 33, 110, 187, 244, 22, 204, 4, 127, 100, 232, 93, 30, 242, 203, 42, 116,
    197, 94, 53, 210, 149, 71, 158, 150, 45, 154, 136, 76, 125, 132, 63, 219, 172, 49, 182, 72, 95,
    246, 196, 216, 57, 139, 231, 35, 59, 56, 142, 200, 193, 223, 37, 177, 32, 165, 70, 96, 78, 156,
    251, 170, 211, 86, 81, 69, 124, 85, 0, 7, 201, 43, 157, 133, 155, 9, 160, 143, 173, 179, 15,
    99, 171, 137, 75, 215, 167, 21, 90, 113, 102, 66, 191, 38, 74, 107, 152, 250, 234, 119, 83,
    178, 112, 5, 44, 253, 89, 58, 134, 126, 206, 6, 235, 130, 120, 87, 199, 141, 67, 175, 180, 28,
    212, 91, 205, 226, 233, 39, 79, 195, 8, 114, 128, 207, 176, 239, 245, 40, 109, 190, 48, 77, 52,
    146, 213, 14, 60, 34, 50, 229, 228, 249, 159, 194, 209, 10, 129, 18, 225, 238, 145, 131, 118,
    227, 151, 230, 97, 138, 23, 121, 164, 183, 220, 144, 122, 92, 140, 2, 166, 202, 105, 222, 80,
    26, 17, 147, 185, 82, 135, 88, 252, 237, 29, 55, 73, 27, 106, 224, 41, 51, 153, 189, 108, 217,
    148, 243, 64, 84, 111, 240, 198, 115, 184, 214, 62, 101, 24, 68, 31, 221, 103, 16, 241, 12, 25,
    236, 174, 3, 161, 20, 123, 169, 11, 255, 248, 163, 192, 162, 1, 247, 46, 188, 36, 104, 117, 13,
    254, 186, 47, 181, 208, 218, 61,
];

/// The `mpbbS` table of [MS-PST] 5.1.
const S: [u8; 256] = [
    20, 83, 15, 86, 179, 200, 122, 156, 235, 101, 72, 23, 22, 21, 159, 2, 204, 84, 124, 131, 0, 13,
    12, 11, 162, 98, 168, 118, 219, 217, 237, 199, 197, 164, 220, 172, 133, 116, 214, 208, 167,
    155, 174, 154, 150, 113, 102, 195, 99, 153, 184, 221, 115, 146, 142, 132, 125, 165, 94, 209,
    93, 147, 177, 87, 81, 80, 128, 137, 82, 148, 79, 78, 10, 107, 188, 141, 127, 110, 71, 70, 65,
    64, 68, 1, 17, 203, 3, 63, 247, 244, 225, 169, 143, 60, 58, 249, 251, 240, 25, 48, 130, 9, 46,
    201, 157, 160, 134, 73, 238, 111, 77, 109, 196, 45, 129, 52, 37, 135, 27, 136, 170, 252, 6,
    161, 18, 56, 253, 76, 66, 114, 100, 19, 55, 36, 106, 117, 119, 67, 255, 230, 180, 75, 54, 92,
    228, 216, 53, 61, 69, 185, 44, 236, 183, 49, 43, 41, 7, 104, 163, 14, 105, 123, 24, 158, 33,
    57, 190, 40, 26, 91, 120, 245, 35, 202, 42, 176, 175, 62, 254, 4, 140, 231, 229, 152, 50, 149,
    211, 246, 74, 232, 166, 234, 233, 243, 213, 47, 112, 32, 242, 31, 5, 103, 173, 85, 16, 206,
    205, 227, 39, 59, 218, 186, 215, 194, 38, 212, 145, 29, 210, 28, 34, 51, 248, 250, 241, 90,
    239, 207, 144, 182, 139, 181, 189, 192, 191, 8, 151, 30, 108, 226, 97, 224, 198, 193, 89, 171,
    187, 88, 222, 95, 223, 96, 121, 126, 178, 138,
];

const fn invert(table: &[u8; 256]) -> [u8; 256] {
    let mut out = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        out[table[i] as usize] = i as u8;
        i += 1;
    }
    out
}

/// The `mpbbI` table: the inverse of [`R`].
const I: [u8; 256] = invert(&R);

/// How the data blocks of a file are obfuscated (`bCryptMethod` of the HEADER).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CryptMethod {
    /// `NDB_CRYPT_NONE` (0x00).
    None,
    /// `NDB_CRYPT_PERMUTE` (0x01), "compressible encryption".
    Permute,
    /// `NDB_CRYPT_CYCLIC` (0x02), "high encryption".
    Cyclic,
}

impl CryptMethod {
    /// Maps `bCryptMethod`; `None` for values this reader does not know (0x10 is Windows
    /// Information Protection, which is refused elsewhere with its own error).
    pub fn from_byte(b: u8) -> Option<Self> {
        match b {
            0 => Some(Self::None),
            1 => Some(Self::Permute),
            2 => Some(Self::Cyclic),
            _ => None,
        }
    }

    /// The `bCryptMethod` byte for this method.
    pub fn to_byte(self) -> u8 {
        match self {
            Self::None => 0,
            Self::Permute => 1,
            Self::Cyclic => 2,
        }
    }

    /// `none`, `permute` or `cyclic` (the manifest's `crypt`).
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Permute => "permute",
            Self::Cyclic => "cyclic",
        }
    }

    /// Decodes `data` in place. `key` is the low 32 bits of the block's BID (cyclic only).
    pub fn decode(self, data: &mut [u8], key: u32) {
        match self {
            Self::None => {}
            Self::Permute => data.iter_mut().for_each(|b| *b = I[usize::from(*b)]),
            Self::Cyclic => cyclic(data, key),
        }
    }

    /// Encodes `data` in place: the inverse of [`CryptMethod::decode`] (used by writers).
    pub fn encode(self, data: &mut [u8], key: u32) {
        match self {
            Self::None => {}
            Self::Permute => data.iter_mut().for_each(|b| *b = R[usize::from(*b)]),
            Self::Cyclic => cyclic(data, key),
        }
    }
}

/// The cyclic cipher is its own inverse ([MS-PST] 5.2).
fn cyclic(data: &mut [u8], key: u32) {
    let mut w = (key ^ (key >> 16)) as u16;
    for b in data.iter_mut() {
        let lo = w as u8;
        let hi = (w >> 8) as u8;
        let mut x = b.wrapping_add(lo);
        x = R[usize::from(x)];
        x = x.wrapping_add(hi);
        x = S[usize::from(x)];
        x = x.wrapping_sub(hi);
        x = I[usize::from(x)];
        *b = x.wrapping_sub(lo);
        w = w.wrapping_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_permutations() {
        for t in [&R, &S, &I] {
            let mut seen = [false; 256];
            for &b in t.iter() {
                assert!(!seen[usize::from(b)]);
                seen[usize::from(b)] = true;
            }
        }
    }

    #[test]
    fn permute_round_trips_and_changes_bytes() {
        let plain: Vec<u8> = (0..=255u8).collect();
        let mut data = plain.clone();
        CryptMethod::Permute.encode(&mut data, 0);
        assert_ne!(data, plain);
        // mpbbR[0] is 65: encoding a zero byte yields 'A'.
        assert_eq!(data[0], 65);
        CryptMethod::Permute.decode(&mut data, 0);
        assert_eq!(data, plain);
    }

    #[test]
    fn cyclic_is_an_involution_keyed_by_bid() {
        let plain = b"The quick brown fox jumps over the lazy dog".to_vec();
        let mut a = plain.clone();
        CryptMethod::Cyclic.encode(&mut a, 0x1234_5678);
        let mut b = plain.clone();
        CryptMethod::Cyclic.encode(&mut b, 0x1234_567C);
        assert_ne!(a, plain);
        assert_ne!(a, b, "the key must change the output");
        CryptMethod::Cyclic.decode(&mut a, 0x1234_5678);
        assert_eq!(a, plain);
    }
}
