//! `amtool template render` on klaxon's templates, for scripts/interop/amtool-template.sh until
//! `klaxon template render` is wired:
//! `cargo run -p klaxon-template --example am_render -- --template.glob G --template.text T
//! [--template.data FILE.json] [--template.type text|html]`.

use template::alertmanager::{Data, Templates};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut globs = Vec::new();
    let (mut text, mut data_file, mut html) = (None, None, false);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (a.clone(), None),
        };
        let mut value =
            || inline.clone().or_else(|| args.next()).ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--template.glob" => globs.push(value()?),
            "--template.text" => text = Some(value()?),
            "--template.data" => data_file = Some(value()?),
            "--template.type" => html = value()? == "html",
            _ => return Err(format!("unknown flag {a}").into()),
        }
    }
    let t = Templates::from_globs(&globs)?;
    let data = match data_file {
        Some(f) => Data::from_json(&serde_json::from_str(&std::fs::read_to_string(f)?)?)?,
        None => Data::example(),
    };
    let text = text.ok_or("--template.text is required")?;
    let out = if html { t.execute_html(&text, &data)? } else { t.execute_text(&text, &data)? };
    print!("{out}");
    Ok(())
}
