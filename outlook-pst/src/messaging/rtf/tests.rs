use super::*;

/// [MS-OXRTFCP] 3.1.1 / 3.2.1, "Simple Compressed RTF": the compressed bytes of the spec.
const SPEC1_COMPRESSED: &[u8] = &[
    0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5, 0xc7, 0xa7,
    0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42, 0x32, 0x0a, 0xf3, 0x20,
    0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0, 0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f,
    0xa0,
];
const SPEC1_RTF: &[u8] = b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n";

/// [MS-OXRTFCP] 3.1.2 / 3.2.2: a reference that crosses the write position.
const SPEC2_COMPRESSED: &[u8] = &[
    0x1a, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xe2, 0xd4, 0x4b, 0x51,
    0x41, 0x00, 0x04, 0x20, 0x57, 0x58, 0x59, 0x5a, 0x0d, 0x6e, 0x7d, 0x01, 0x0e, 0xb0,
];
const SPEC2_RTF: &[u8] = b"{\\rtf1 WXYZWXYZWXYZWXYZWXYZ}";

#[test]
fn initial_dictionary_is_207_bytes() {
    // [MS-OXRTFCP] 2.1.2.1: the first write position is 207 (0xCF).
    assert_eq!(INITIAL_DICT.len(), 207);
}

#[test]
fn decompresses_spec_example_1() {
    assert_eq!(decompress(SPEC1_COMPRESSED).unwrap(), SPEC1_RTF);
}

#[test]
fn decompresses_spec_example_2_crossing_write_position() {
    assert_eq!(decompress(SPEC2_COMPRESSED).unwrap(), SPEC2_RTF);
}

#[test]
fn compresses_spec_examples_byte_for_byte() {
    assert_eq!(compress(SPEC1_RTF), SPEC1_COMPRESSED);
    assert_eq!(compress(SPEC2_RTF), SPEC2_COMPRESSED);
}

#[test]
fn crc_is_the_mspst_crc_over_the_contents() {
    // [MS-OXRTFCP] 2.1.3.2: the stored CRC covers the bytes after the 16-byte header.
    assert_eq!(crc(&SPEC1_COMPRESSED[16..]), 0xa7c7_c5f1);
    assert_eq!(crc(&SPEC2_COMPRESSED[16..]), 0x514b_d4e2);
}

/// Output of the `compressed_rtf` Python package for `{\rtf1\ansi\ansicpg1252\pard test}`: an
/// independent encoder, decoded here as a cross-check.
#[test]
fn decompresses_third_party_encoder_output() {
    let mut data = vec![0x23, 0, 0, 0, 0x22, 0, 0, 0];
    data.extend_from_slice(b"LZFu3\\\xe8t\x03\x00\n\x00rcpg125\x922\n\xf3 t\x07\x90t}\x0f\x10");
    assert_eq!(
        decompress(&data).unwrap(),
        b"{\\rtf1\\ansi\\ansicpg1252\\pard test}"
    );
}

#[test]
fn uncompressed_mela_form() {
    let body = b"{\\rtf1\\ansi\\ansicpg1252\\pard test}";
    let mut data = Vec::new();
    data.extend_from_slice(&((body.len() + 12) as u32).to_le_bytes());
    data.extend_from_slice(&(body.len() as u32).to_le_bytes());
    data.extend_from_slice(b"MELA");
    data.extend_from_slice(&[0, 0, 0, 0]);
    data.extend_from_slice(body);
    assert_eq!(decompress(&data).unwrap(), body);
    // RAWSIZE shorter than the data: only RAWSIZE bytes are content.
    data[4] = 5;
    assert_eq!(decompress(&data).unwrap(), b"{\\rtf");
    // RAWSIZE longer than the data: what is there is returned.
    data[4] = 200;
    assert_eq!(decompress(&data).unwrap(), body);
}

#[test]
fn crc_mismatch_is_tolerated_when_output_is_complete() {
    let mut data = SPEC1_COMPRESSED.to_vec();
    data[12] ^= 0xFF;
    assert_eq!(decompress(&data).unwrap(), SPEC1_RTF);
}

#[test]
fn crc_mismatch_with_truncated_data_is_an_error() {
    let data = &SPEC1_COMPRESSED[..SPEC1_COMPRESSED.len() - 6];
    match decompress(data) {
        Err(RtfError::Crc {
            stored, computed, ..
        }) => {
            assert_eq!(stored, 0xa7c7_c5f1);
            assert_eq!(computed, crc(&data[16..]));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn header_errors() {
    assert!(matches!(
        decompress(&[]),
        Err(RtfError::Truncated {
            offset: 0,
            what: "COMPSIZE"
        })
    ));
    assert!(matches!(
        decompress(&[1, 0, 0, 0, 2, 0, 0, 0, b'L', b'Z']),
        Err(RtfError::Truncated {
            offset: 8,
            what: "COMPTYPE"
        })
    ));
    let mut data = SPEC1_COMPRESSED.to_vec();
    data[8..12].copy_from_slice(b"ABCD");
    assert!(matches!(
        decompress(&data),
        Err(RtfError::UnknownType {
            comptype: 0x4443_4241
        })
    ));
}

#[test]
fn rawsize_caps_the_output() {
    let mut data = SPEC1_COMPRESSED.to_vec();
    data[4] = 10; // RAWSIZE 10
    assert_eq!(decompress(&data).unwrap(), &SPEC1_RTF[..10]);
    // A huge RAWSIZE is not used for allocation, and the output ends at the end marker.
    data[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(decompress(&data).unwrap(), SPEC1_RTF);
}

/// Deterministic pseudo-random bytes (xorshift) for generated inputs.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn generated_rtf(paragraphs: usize) -> Vec<u8> {
    let mut rtf = b"{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Arial;}}\r\n".to_vec();
    for i in 0..paragraphs {
        rtf.extend_from_slice(
            format!("\\pard\\plain\\f0\\fs20 Paragraph {i}: the quick brown fox \\'e9\\par\r\n")
                .as_bytes(),
        );
    }
    rtf.extend_from_slice(b"}");
    rtf
}

#[test]
fn round_trips_generated_rtf_with_real_back_references() {
    for paragraphs in [0, 1, 10, 200, 2000] {
        let rtf = generated_rtf(paragraphs);
        let packed = compress(&rtf);
        assert_eq!(decompress(&packed).unwrap(), rtf, "{paragraphs} paragraphs");
        if paragraphs >= 10 {
            // Repetitive text must shrink: the encoder really uses references.
            assert!(
                packed.len() * 3 < rtf.len(),
                "{} vs {}",
                packed.len(),
                rtf.len()
            );
        }
    }
}

#[test]
fn round_trips_edge_inputs() {
    let mut inputs: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"a".to_vec(),
        vec![b'x'; 5000],
        vec![0; 9000],
        INITIAL_DICT.to_vec(),
        noise(7, 10_000),
    ];
    // Exactly filling control bytes (8 tokens), and runs around the dictionary size.
    for len in [7usize, 8, 9, 4095, 4096, 4097, 8200] {
        inputs.push(noise(len as u64, len));
    }
    for input in inputs {
        let packed = compress(&input);
        assert_eq!(decompress(&packed).unwrap(), input, "len {}", input.len());
        assert_eq!(le32(&packed, 0).unwrap() as usize, packed.len() - 4);
        assert_eq!(le32(&packed, 4).unwrap() as usize, input.len());
    }
}

mod fuzz {
    use super::super::{compress, decompress};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn decompress_never_panics(data in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = decompress(&data);
        }

        #[test]
        fn decompress_never_panics_on_lzfu_bodies(
            raw in 0u32..100_000,
            body in proptest::collection::vec(any::<u8>(), 0..600),
        ) {
            let mut data = Vec::new();
            data.extend_from_slice(&((body.len() + 12) as u32).to_le_bytes());
            data.extend_from_slice(&raw.to_le_bytes());
            data.extend_from_slice(b"LZFu");
            data.extend_from_slice(&super::crc(&body).to_le_bytes());
            data.extend_from_slice(&body);
            if let Ok(out) = decompress(&data) {
                prop_assert!(out.len() <= raw as usize);
            }
        }

        #[test]
        fn compress_round_trips(data in proptest::collection::vec(any::<u8>(), 0..3000)) {
            prop_assert_eq!(decompress(&compress(&data)).unwrap(), data);
        }

    }
}
