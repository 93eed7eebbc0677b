use super::*;
use crate::tensorboard::wire::Writer;

fn event(step: u64, wall: f64, values: Vec<Writer>) -> Vec<u8> {
    let summary = values.into_iter().fold(Writer::default(), |s, v| s.message(1, v));
    Writer::default().double(1, wall).varint(2, step).message(5, summary).0
}

fn metadata(plugin: &str, content: &[u8]) -> Writer {
    Writer::default().message(1, Writer::default().bytes(1, plugin.as_bytes()).bytes(2, content))
}

#[test]
fn a_simple_value_scalar_as_pytorch_writes_it() {
    let rec = event(7, 1.5e9, vec![Writer::default().bytes(1, b"loss").float(2, 0.25)]);
    let e = decode(&rec, &mut HashMap::new()).unwrap();
    assert_eq!((e.step, e.wall_time), (7, 1.5e9));
    assert_eq!(
        e.values,
        vec![Value {
            tag: "loss",
            data: Data::Scalar(0.25)
        }]
    );
}

#[test]
fn a_tensor_scalar_keeps_its_plugin_from_the_first_value() {
    let mut plugins = HashMap::new();
    let first = Writer::default()
        .bytes(1, b"acc")
        .message(9, metadata("scalars", b""))
        .message(
            8,
            Writer::default().varint(1, DT_DOUBLE).bytes(4, &0.5f64.to_le_bytes()),
        );
    let rec = event(1, 1.0, vec![first]);
    let e = decode(&rec, &mut plugins).unwrap();
    assert_eq!(e.values[0].data, Data::Scalar(0.5));
    // The second value names no plugin: still a scalar, here as a packed float_val.
    let second = Writer::default().bytes(1, b"acc").message(
        8,
        Writer::default().varint(1, DT_FLOAT).bytes(5, &0.75f32.to_le_bytes()),
    );
    let rec = event(2, 2.0, vec![second]);
    let e = decode(&rec, &mut plugins).unwrap();
    assert_eq!(e.values[0].data, Data::Scalar(0.75));
    // A text tag's later values carry no plugin either: still text, only by what was carried.
    let string = |s: &[u8]| Writer::default().varint(1, 7).bytes(8, s);
    let first = Writer::default()
        .bytes(1, b"note")
        .message(9, metadata("text", b""))
        .message(8, string(b"a"));
    let rec = event(1, 1.0, vec![first]);
    decode(&rec, &mut plugins).unwrap();
    let rec = event(
        2,
        2.0,
        vec![Writer::default().bytes(1, b"note").message(8, string(b"b"))],
    );
    assert_eq!(
        decode(&rec, &mut plugins).unwrap().values[0].data,
        Data::Text("b".into())
    );
    assert!(
        decode(&rec, &mut HashMap::new()).unwrap().values.is_empty(),
        "without it, not a scalar"
    );
}

#[test]
fn a_tensor_of_several_numbers_is_no_scalar() {
    let several = Writer::default().varint(1, DT_DOUBLE).bytes(4, &[0u8; 16]);
    let rec = event(0, 0.0, vec![Writer::default().bytes(1, b"pr").message(8, several)]);
    assert!(decode(&rec, &mut HashMap::new()).unwrap().values.is_empty());
    let packed: Vec<u8> = [1.0f32, 2.0].iter().flat_map(|f| f.to_le_bytes()).collect();
    let two = Writer::default().varint(1, DT_FLOAT).bytes(5, &packed);
    let rec = event(0, 0.0, vec![Writer::default().bytes(1, b"pr").message(8, two)]);
    assert!(decode(&rec, &mut HashMap::new()).unwrap().values.is_empty());
}

#[test]
fn negative_steps_and_signed_ints_keep_their_sign() {
    let v = Writer::default()
        .bytes(1, b"x")
        .message(8, Writer::default().varint(1, DT_INT32).varint(7, (-5i64) as u64));
    let rec = Writer::default()
        .double(1, 0.0)
        .varint(2, (-3i64) as u64)
        .message(5, Writer::default().message(1, v))
        .0;
    let e = decode(&rec, &mut HashMap::new()).unwrap();
    assert_eq!((e.step, e.values[0].data.clone()), (-3, Data::Scalar(-5.0)));
}

#[test]
fn every_numeric_type_reads_as_its_value() {
    let cases: Vec<(u64, Vec<u8>, f64)> = vec![
        (DT_FLOAT, 1.25f32.to_le_bytes().to_vec(), 1.25),
        (DT_INT32, (-3i32).to_le_bytes().to_vec(), -3.0),
        (DT_INT64, (1i64 << 40).to_le_bytes().to_vec(), (1i64 << 40) as f64),
        (DT_HALF, 0x3e00u16.to_le_bytes().to_vec(), 1.5),
        (DT_BFLOAT16, 0xc040u16.to_le_bytes().to_vec(), -3.0),
        (DT_BOOL, vec![1], 1.0),
    ];
    for (dtype, content, want) in cases {
        let t = Writer::default().varint(1, dtype).bytes(4, &content);
        let v = Writer::default()
            .bytes(1, b"x")
            .message(9, metadata("scalars", b""))
            .message(8, t);
        let rec = event(0, 0.0, vec![v]);
        let e = decode(&rec, &mut HashMap::new()).unwrap();
        assert_eq!(e.values[0].data, Data::Scalar(want), "dtype {dtype}");
    }
    assert_eq!(half(0x7c00), f64::INFINITY);
    assert!(half(0x7e00).is_nan());
    assert_eq!(half(0x0001), 2f64.powi(-24));
}

#[test]
fn images_text_and_hparams() {
    let mut plugins = HashMap::new();
    let old_image = Writer::default()
        .bytes(1, b"img")
        .message(4, Writer::default().varint(1, 2).bytes(4, b"PNG1"));
    let tensor_images = Writer::default()
        .bytes(1, b"batch")
        .message(9, metadata("images", b""))
        .message(
            8,
            Writer::default()
                .varint(1, 7)
                .bytes(8, b"4")
                .bytes(8, b"2")
                .bytes(8, b"PNG2")
                .bytes(8, b"PNG3"),
        );
    let text = Writer::default()
        .bytes(1, b"notes/text_summary")
        .message(9, metadata("text", b""))
        .message(8, Writer::default().varint(1, 7).bytes(8, "héllo".as_bytes()));
    let number = Writer::default()
        .bytes(1, b"lr")
        .message(2, Writer::default().double(2, 0.001));
    let word = Writer::default()
        .bytes(1, b"opt")
        .message(2, Writer::default().bytes(3, b"adam"));
    let flag = Writer::default()
        .bytes(1, b"aug")
        .message(2, Writer::default().varint(4, 1));
    let start = Writer::default().message(1, number).message(1, word).message(1, flag);
    let content = Writer::default().varint(1, 0).message(3, start);
    let hparams = Writer::default()
        .bytes(1, b"_hparams_/session_start_info")
        .message(9, metadata("hparams", &content.0))
        .message(8, Writer::default().varint(1, 7));
    let rec = event(3, 0.0, vec![old_image, tensor_images, text, hparams]);
    let e = decode(&rec, &mut plugins).unwrap();
    let data: Vec<_> = e.values.iter().map(|v| (v.tag, v.data.clone())).collect();
    assert_eq!(
        data,
        vec![
            ("img", Data::Images(vec![&b"PNG1"[..]])),
            ("batch", Data::Images(vec![&b"PNG2"[..], &b"PNG3"[..]])),
            ("notes/text_summary", Data::Text("héllo".into())),
            (
                "_hparams_/session_start_info",
                Data::Hparams(vec![
                    ("lr".into(), "0.001".into()),
                    ("opt".into(), "adam".into()),
                    ("aug".into(), "true".into())
                ])
            ),
        ]
    );
}

#[test]
fn histograms_and_other_plugins_are_left_out_and_a_cut_event_is_refused() {
    let hist = Writer::default()
        .bytes(1, b"weights")
        .message(9, metadata("histograms", b""))
        .message(8, Writer::default().varint(1, DT_DOUBLE).bytes(4, &[0u8; 24]));
    let scalar = Writer::default().bytes(1, b"loss").float(2, 1.0);
    let rec = event(1, 0.0, vec![hist, scalar]);
    let e = decode(&rec, &mut HashMap::new()).unwrap();
    assert_eq!(e.values.len(), 1);
    assert_eq!(e.values[0].tag, "loss");
    // The file's first record (its version) has no summary: an event with no values.
    let version = Writer::default().double(1, 1.0).bytes(3, b"brain.Event:2").0;
    assert!(decode(&version, &mut HashMap::new()).unwrap().values.is_empty());
    assert!(decode(&rec[..rec.len() - 3], &mut HashMap::new()).is_none());
}
