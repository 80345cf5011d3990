//! `klaxon template render` and `klaxon check templates`.

use std::path::Path;

use anyhow::{Context, Result, bail};
use template::alertmanager::defaults::NOT_DATA_NAMES;
use template::alertmanager::{Data, Templates};
use template::prometheus::{AnnotationData, Expander, FuncContext};

use crate::cli::{RenderArgs, RenderMode};

/// Renders `args.template_text` and returns the output.
pub fn render(args: &RenderArgs) -> Result<String> {
    let json = match &args.data {
        Some(path) => Some(read_json(path)?),
        None => None,
    };
    match args.mode {
        RenderMode::Text | RenderMode::Html => {
            let templates = Templates::from_globs(&args.template_glob)?;
            let data = match &json {
                Some((path, j)) => Data::from_json(j)
                    .map_err(|e| anyhow::anyhow!("{}: not Alertmanager data: {e}", path))?,
                None => Data::example(),
            };
            let out = if args.mode == RenderMode::Html {
                templates.execute_html(&args.template_text, &data)?
            } else {
                templates.execute_text(&args.template_text, &data)?
            };
            Ok(out)
        }
        RenderMode::Annotation => {
            if !args.template_glob.is_empty() {
                bail!("--template.glob does not apply to --mode annotation");
            }
            let data = match &json {
                Some((path, j)) => AnnotationData::from_json(j)
                    .map_err(|e| anyhow::anyhow!("{}: not annotation data: {e}", path))?,
                None => AnnotationData::example(),
            };
            let alertname =
                data.labels.get("alertname").cloned().unwrap_or_else(|| "render".to_string());
            let ctx = FuncContext::default();
            Expander::alert(&alertname, &args.template_text, &data, &ctx)
                .expand()
                .map_err(anyhow::Error::msg)
        }
    }
}

/// Parses every file matched by `globs` on top of the defaults and renders every entry point
/// (a template no other template invokes, as config fields use them) against the example
/// data; invoked templates are exercised through their callers, with the data those pass.
/// Returns one line per failure (empty: all good) and a summary of what was checked.
pub fn check(globs: &[String]) -> (Vec<String>, String) {
    let mut failures = Vec::new();
    let mut templates = Templates::with_defaults();
    for glob in globs {
        if let Err(e) = templates.add_glob(glob) {
            failures.push(e.to_string());
        }
    }
    if templates.files().is_empty() && failures.is_empty() {
        failures.push(format!("no template files match {}", globs.join(", ")));
    }
    let data = Data::example().to_value();
    let invoked = templates.template().invoked_template_names();
    let names: Vec<String> = templates
        .template_names()
        .into_iter()
        // Upstream's defaults include a few that take a list of alerts and that nothing calls.
        .filter(|n| !invoked.contains(n) && !NOT_DATA_NAMES.contains(&n.as_str()))
        .collect();
    for name in &names {
        if let Err(e) = templates.execute_named(name, &data) {
            failures.push(format!("template {name:?}: {e}"));
        }
    }
    let summary = format!(
        "{} file(s), {} template(s) rendered against example data",
        templates.files().len(),
        names.len()
    );
    (failures, summary)
}

fn read_json(path: &Path) -> Result<(String, serde_json::Value)> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {shown}"))?;
    let j = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{shown}:{}:{}: invalid JSON: {e}", e.line(), e.column()))?;
    Ok((shown, j))
}
