//! A small stand-in for `helm template`, for machines without Helm (Debian has no `helm`
//! package). Chart templates are Go `text/template`, which the `template` crate implements as
//! Go does; this module adds what Helm adds: the `.Values` / `.Release` / `.Chart` data, values
//! overrides merged as Helm coalesces them, `missingkey=zero`, and the few Sprig functions the
//! klaxon chart uses (`include`, `toYaml`, `nindent`, `indent`, `quote`, `default`, `trunc`,
//! `trimSuffix`, `contains`, `has`, `list`, `until`, `int`, `sub`, `fail`). A chart using anything else
//! fails to parse here, with the function's name, rather than rendering something Helm would
//! not.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use template::{Func, FuncMap, MissingKey, Template, Value};

/// One rendered template file: its name as Helm prints it (`klaxon/templates/x.yaml`) and the
/// text, without the `---` separator.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub source: String,
    pub text: String,
}

/// Reads a YAML file into JSON values (every number a float, as Helm's values are).
pub fn read_yaml(path: &Path) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_saphyr::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Helm's coalescing of user values over the chart's: maps merge key by key, anything else
/// replaces, and `null` removes the key.
pub fn merge_values(base: &mut serde_json::Value, over: &serde_json::Value) {
    match (base, over) {
        (serde_json::Value::Object(b), serde_json::Value::Object(o)) => {
            for (k, v) in o {
                if v.is_null() {
                    b.remove(k);
                } else if let Some(slot) = b.get_mut(k) {
                    merge_values(slot, v);
                } else {
                    b.insert(k.clone(), v.clone());
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// A parsed chart with its data, ready to execute.
struct Loaded {
    tpl: Template,
    data: Value,
    /// Template file names as Helm prints them, sorted.
    names: Vec<String>,
}

fn load(dir: &Path, release: &str, overrides: &serde_json::Value) -> Result<Loaded, String> {
    let chart = read_yaml(&dir.join("Chart.yaml"))?;
    let chart_name = chart["name"].as_str().ok_or("Chart.yaml: no name")?.to_string();
    let mut values = read_yaml(&dir.join("values.yaml"))?;
    merge_values(&mut values, overrides);

    let field = |k: &str| Value::from(chart[k].as_str().unwrap_or_default());
    let data = Value::map([
        ("Values", Value::from_json(&values)),
        (
            "Release",
            Value::map([
                ("Name", Value::from(release)),
                ("Namespace", Value::from("default")),
                ("Service", Value::from("Helm")),
                ("IsInstall", Value::Bool(true)),
                ("IsUpgrade", Value::Bool(false)),
                ("Revision", Value::Int(1)),
            ]),
        ),
        (
            "Chart",
            Value::map([
                ("Name", field("name")),
                ("Version", field("version")),
                ("AppVersion", field("appVersion")),
                ("Description", field("description")),
            ]),
        ),
    ]);

    let tdir = dir.join("templates");
    let mut paths: Vec<_> = std::fs::read_dir(&tdir)
        .map_err(|e| format!("{}: {e}", tdir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    let set: Arc<OnceLock<Template>> = Arc::new(OnceLock::new());
    let mut tpl =
        Template::new(chart_name.clone()).funcs(&sprig(set.clone())).missing_key(MissingKey::Zero);
    let mut names = Vec::new();
    for p in paths {
        let file = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let name = format!("{chart_name}/templates/{file}");
        let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        tpl = tpl.new_named(name.clone()).parse(&text).map_err(|e| e.to_string())?;
        names.push(name);
    }
    let _ = set.set(tpl.clone());
    Ok(Loaded { tpl, data, names })
}

fn execute(l: &Loaded, name: &str) -> Result<String, String> {
    let text = l.tpl.execute_template(name, &l.data).map_err(|e| e.to_string())?;
    // Helm prints missing values as nothing, not Go's "<no value>".
    Ok(text.replace("<no value>", ""))
}

/// Renders the chart in `dir` as `helm template RELEASE DIR` would, with `overrides` merged
/// over `values.yaml` (as `--set`/`-f` do). Files whose output is blank are left out, as Helm
/// leaves them out; so are helpers (`_*.tpl`) and `NOTES.txt` (see [`render_notes`]).
pub fn render(
    dir: &Path,
    release: &str,
    overrides: &serde_json::Value,
) -> Result<Vec<Rendered>, String> {
    let l = load(dir, release, overrides)?;
    let mut out = Vec::new();
    for name in &l.names {
        let base = name.rsplit('/').next().unwrap_or_default();
        if base.starts_with('_') || base == "NOTES.txt" {
            continue;
        }
        let text = execute(&l, name)?;
        if !text.trim().is_empty() {
            out.push(Rendered { source: name.clone(), text });
        }
    }
    // Helm prints objects in the order it would install them: by kind, then by file.
    out.sort_by_key(|r| install_rank(&r.text));
    Ok(out)
}

/// What `helm install` prints after installing: `templates/NOTES.txt`, rendered.
pub fn render_notes(
    dir: &Path,
    release: &str,
    overrides: &serde_json::Value,
) -> Result<String, String> {
    let l = load(dir, release, overrides)?;
    let name = l.names.iter().find(|n| n.ends_with("/NOTES.txt")).ok_or("no NOTES.txt")?;
    execute(&l, name)
}

/// The position of a rendered file's kind in Helm's install order (the kinds this chart uses,
/// in Helm's relative order; anything else last).
fn install_rank(text: &str) -> usize {
    const ORDER: [&str; 6] =
        ["PodDisruptionBudget", "ServiceAccount", "Secret", "ConfigMap", "Service", "StatefulSet"];
    let kind = text.lines().find_map(|l| l.strip_prefix("kind: ")).unwrap_or_default().trim();
    ORDER.iter().position(|k| *k == kind).unwrap_or(ORDER.len())
}

/// The rendering as `helm template` prints it: each file after `---` and a `# Source:` line.
pub fn to_stream(files: &[Rendered]) -> String {
    let mut s = String::new();
    for f in files {
        s.push_str("---\n# Source: ");
        s.push_str(&f.source);
        s.push('\n');
        s.push_str(f.text.trim_start_matches('\n'));
        if !s.ends_with('\n') {
            s.push('\n');
        }
    }
    s
}

/// Sprig's string conversion of an argument.
fn strval(v: &Value) -> String {
    match v {
        Value::Nil => String::new(),
        Value::String(s) => s.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Uint(u) => u.to_string(),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Value::Float(f) => f.to_string(),
        other => format!("{other:?}"),
    }
}

/// Sprig's `empty`: the zero value of its type.
fn empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Int(i) => *i == 0,
        Value::Uint(u) => *u == 0,
        Value::Float(f) => *f == 0.0,
        Value::String(s) => s.is_empty(),
        Value::List(l) => l.items.is_empty(),
        Value::Map(m) => m.entries.is_empty(),
        _ => false,
    }
}

fn to_int(v: &Value) -> Result<i64, String> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Uint(u) => i64::try_from(*u).map_err(|e| e.to_string()),
        Value::Float(f) => Ok(*f as i64),
        Value::String(s) => Ok(s.trim().parse().unwrap_or(0)),
        Value::Bool(b) => Ok(i64::from(*b)),
        _ => Ok(0),
    }
}

/// A template value as JSON (for `toYaml`): integral floats become integers, as Go's YAML
/// encoder prints them.
pub fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Nil => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Uint(u) => serde_json::Value::from(*u),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => serde_json::Value::from(*f as i64),
        Value::Float(f) => serde_json::Value::from(*f),
        Value::String(s) => serde_json::Value::from(s.to_string()),
        Value::List(l) => serde_json::Value::Array(l.items.iter().map(to_json).collect()),
        Value::Map(m) => serde_json::Value::Object(
            m.entries.iter().map(|(k, v)| (k.clone(), to_json(v))).collect(),
        ),
        other => serde_json::Value::from(format!("{other:?}")),
    }
}

fn indent(n: i64, s: &str) -> String {
    let pad = " ".repeat(usize::try_from(n).unwrap_or(0));
    format!("{pad}{}", s.replace('\n', &format!("\n{pad}")))
}

fn arg(args: &[Value], i: usize, f: &str) -> Result<Value, String> {
    args.get(i).cloned().ok_or_else(|| format!("{f}: missing argument {}", i + 1))
}

/// The Sprig and Helm functions the chart may use; `include` runs templates of `set`.
fn sprig(set: Arc<OnceLock<Template>>) -> FuncMap {
    FuncMap::new()
        .with(
            "include",
            Func::any(move |a| {
                let name = strval(&arg(a, 0, "include")?);
                let data = a.get(1).cloned().unwrap_or_default();
                let t = set.get().ok_or("include: templates not parsed yet")?;
                let out = t.execute_template(&name, &data).map_err(|e| e.to_string())?;
                Ok(Value::from(out.replace("<no value>", "")))
            }),
        )
        .with(
            "toYaml",
            Func::any(|a| {
                let v = to_json(&arg(a, 0, "toYaml")?);
                let y = serde_saphyr::to_string(&v).map_err(|e| e.to_string())?;
                Ok(Value::from(y.trim_end_matches('\n').to_string()))
            }),
        )
        .with(
            "nindent",
            Func::any(|a| {
                let n = to_int(&arg(a, 0, "nindent")?)?;
                Ok(Value::from(format!("\n{}", indent(n, &strval(&arg(a, 1, "nindent")?)))))
            }),
        )
        .with(
            "indent",
            Func::any(|a| {
                let n = to_int(&arg(a, 0, "indent")?)?;
                Ok(Value::from(indent(n, &strval(&arg(a, 1, "indent")?))))
            }),
        )
        .with(
            "quote",
            Func::any(|a| {
                let parts: Vec<String> = a
                    .iter()
                    .filter(|v| !matches!(v, Value::Nil))
                    .map(|v| model::gostr::quote(&strval(v)))
                    .collect();
                Ok(Value::from(parts.join(" ")))
            }),
        )
        .with(
            "default",
            Func::any(|a| {
                let d = arg(a, 0, "default")?;
                match a.get(1) {
                    Some(v) if !empty(v) => Ok(v.clone()),
                    _ => Ok(d),
                }
            }),
        )
        .with(
            "trunc",
            Func::any(|a| {
                let n = usize::try_from(to_int(&arg(a, 0, "trunc")?)?).unwrap_or(0);
                Ok(Value::from(strval(&arg(a, 1, "trunc")?).chars().take(n).collect::<String>()))
            }),
        )
        .with(
            "trimSuffix",
            Func::any(|a| {
                let suffix = strval(&arg(a, 0, "trimSuffix")?);
                let s = strval(&arg(a, 1, "trimSuffix")?);
                Ok(Value::from(s.strip_suffix(suffix.as_str()).unwrap_or(&s).to_string()))
            }),
        )
        .with(
            "contains",
            Func::any(|a| {
                let sub = strval(&arg(a, 0, "contains")?);
                Ok(Value::Bool(strval(&arg(a, 1, "contains")?).contains(sub.as_str())))
            }),
        )
        .with(
            "has",
            Func::any(|a| {
                let needle = strval(&arg(a, 0, "has")?);
                Ok(Value::Bool(match arg(a, 1, "has")? {
                    Value::List(l) => l.items.iter().any(|v| strval(v) == needle),
                    _ => false,
                }))
            }),
        )
        .with("list", Func::any(|a| Ok(Value::list(a.iter().cloned()))))
        .with(
            "until",
            Func::any(|a| {
                let n = to_int(&arg(a, 0, "until")?)?;
                Ok(Value::list((0..n.max(0)).map(Value::Int)))
            }),
        )
        .with("int", Func::any(|a| Ok(Value::Int(to_int(&arg(a, 0, "int")?)?))))
        .with(
            "sub",
            Func::any(|a| {
                Ok(Value::Int(to_int(&arg(a, 0, "sub")?)? - to_int(&arg(a, 1, "sub")?)?))
            }),
        )
        .with("fail", Func::any(|a| Err(strval(&arg(a, 0, "fail")?))))
}
