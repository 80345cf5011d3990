//! Renders a template file with JSON data, optionally many times to time it:
//! `cargo run --release -p klaxon-template --example render_file -- T.tmpl DATA.json [N]`.

use std::time::Instant;

use template::{Template, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(tmpl), Some(data)) = (args.get(1), args.get(2)) else {
        return Err("usage: render_file TEMPLATE DATA.json [N]".into());
    };
    let n: u32 = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(1);
    let t = Template::new("t").parse(&std::fs::read_to_string(tmpl)?)?;
    let data = Value::from_json(&serde_json::from_str(&std::fs::read_to_string(data)?)?);
    let start = Instant::now();
    let mut out = String::new();
    for _ in 0..n {
        out.clear();
        t.execute_to(&mut out, &data)?;
    }
    if n == 1 {
        print!("{out}");
    } else {
        eprintln!("klaxon: {:?} per render, {} bytes", start.elapsed() / n, out.len());
    }
    Ok(())
}
