//! Artifact previews, decoded off the UI thread: images to pixels, text as text, CSV as rows.

use super::model::details::{PreviewKind, parse_csv, preview_kind};
use crate::api::ext::RunDetail;
use crate::client::{ClientError, HistoryClient};

/// The largest artifact a preview reads; bigger ones offer download instead.
pub const MAX_PREVIEW_BYTES: u64 = 32 * 1024 * 1024;
const MAX_TEXT_CHARS: usize = 200_000;

#[derive(Debug, Clone, PartialEq)]
pub enum Preview {
    Image {
        size: [usize; 2],
        rgba: Vec<u8>,
    },
    Text(String),
    Table(Vec<Vec<String>>),
    /// Nothing to show inline: the size, and why.
    Unavailable(String),
}

pub fn decode(path: &str, bytes: &[u8]) -> Preview {
    match preview_kind(path) {
        PreviewKind::Image => match image::load_from_memory(bytes) {
            Ok(img) => {
                let rgba = img.to_rgba8();
                Preview::Image {
                    size: [rgba.width() as usize, rgba.height() as usize],
                    rgba: rgba.into_raw(),
                }
            }
            Err(e) => Preview::Unavailable(format!("not a readable image: {e}")),
        },
        PreviewKind::Csv => Preview::Table(parse_csv(&String::from_utf8_lossy(bytes), 2000)),
        PreviewKind::Text => Preview::Text(String::from_utf8_lossy(bytes).chars().take(MAX_TEXT_CHARS).collect()),
        PreviewKind::None => match std::str::from_utf8(bytes) {
            Ok(text) if !text.contains('\0') => Preview::Text(text.chars().take(MAX_TEXT_CHARS).collect()),
            _ => Preview::Unavailable(format!("binary file, {} bytes: download it to open it", bytes.len())),
        },
    }
}

/// Reads and decodes one artifact, unless it is too big to preview.
pub async fn load(client: HistoryClient, run: RunDetail, path: String, size: u64) -> Result<Preview, ClientError> {
    if size > MAX_PREVIEW_BYTES {
        return Ok(Preview::Unavailable(format!(
            "{size} bytes: too big to preview, download it"
        )));
    }
    let bytes = client.read_artifact(&run, &path).await?;
    Ok(tokio::task::spawn_blocking(move || decode(&path, &bytes))
        .await
        .unwrap_or_else(|e| Preview::Unavailable(format!("preview failed: {e}"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_png_csv_text_and_binary() {
        let mut png = Vec::new();
        image::RgbaImage::from_pixel(3, 2, image::Rgba([255, 0, 0, 255]))
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        match decode("plot.png", &png) {
            Preview::Image { size, rgba } => {
                assert_eq!(size, [3, 2]);
                assert_eq!(&rgba[..4], &[255, 0, 0, 255]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            decode("m.csv", b"a,\"b,c\"\n1,2"),
            Preview::Table(vec![vec!["a".into(), "b,c".into()], vec!["1".into(), "2".into()]])
        );
        assert_eq!(decode("log.txt", b"hello"), Preview::Text("hello".into()));
        assert!(matches!(decode("model.pkl", b"\0\x01"), Preview::Unavailable(_)));
        assert!(matches!(decode("bad.png", b"nope"), Preview::Unavailable(_)));
    }
}
