//! The CRC of [MS-PST] 5.3: the reflected CRC-32 polynomial (`0xEDB88320`), seeded with zero and
//! with no final inversion. `crc32fast` computes the standard CRC-32, which inverts on the way in
//! and out; seeding it with `!0` and inverting its result gives exactly the MS-PST value.

/// Computes the MS-PST CRC of `data` (as stored in `dwCRC` of page and block trailers and
/// `dwCRCPartial` / `dwCRCFull` of the header).
pub fn crc32(data: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new_with_initial(!0);
    h.update(data);
    !h.finalize()
}

#[cfg(test)]
mod tests {
    use super::crc32;

    /// Plain table-driven form of [MS-PST] 5.3, to check the crc32fast mapping against.
    fn reference(data: &[u8]) -> u32 {
        let mut table = [0u32; 256];
        for (i, slot) in table.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *slot = c;
        }
        data.iter().fold(0u32, |crc, &b| {
            table[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8)
        })
    }

    #[test]
    fn matches_the_spec_algorithm() {
        assert_eq!(crc32(b""), 0);
        for len in [1usize, 7, 64, 511, 4096] {
            let data: Vec<u8> = (0..len).map(|i| (i * 31 + 7) as u8).collect();
            assert_eq!(crc32(&data), reference(&data), "len {len}");
        }
        // The first table entry after zero is 0x77073096 (the CRC of the single byte 0x01).
        assert_eq!(crc32(&[1]), 0x7707_3096);
    }
}
