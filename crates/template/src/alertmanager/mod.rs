//! Alertmanager's templates: the data notifications are rendered with ([`Data`], with Go's
//! `template.Data`, `Alert`, `Alerts`, `KV`, `Pairs` and their methods), Alertmanager's function
//! set ([`funcs`]), klaxon's own default templates giving the same output as Alertmanager's
//! ([`defaults`]), and [`Templates`], which loads user template files on top of the defaults
//! and executes a notifier's template strings.
//!
//! ```
//! use template::alertmanager::{Data, Templates};
//! use template::gofmt::GoTime;
//!
//! let data = Data::example_at(&GoTime::from_unix(1_700_000_000, 0));
//! let t = Templates::with_defaults();
//! let title = t.execute_text(r#"{{ template "slack.default.title" . }}"#, &data).unwrap();
//! assert_eq!(title, "[ALERTSTATUS] grouplabelvalue1 grouplabelvalue2 ");
//! let labels = t.execute_text("{{ range .Alerts }}{{ .Labels.SortedPairs.Names.Join \",\" }};{{ end }}", &data).unwrap();
//! assert_eq!(labels, "commonlabelkey1,commonlabelkey2,instance,label1,label2;baz,commonlabelkey1,commonlabelkey2,foo;");
//! ```
//!
//! Tested against Alertmanager: `tests/alertmanager_oracle.rs` compares every default template
//! (text mode, and HTML mode for `email.default.html`) on a dozen data sets, the function cases
//! of `tests/data/alertmanager/func_cases.txt`, and `title`/`toUpper`/`toLower` over the cased
//! scripts, with what upstream's own `default.tmpl` and functions give under Go, recorded by
//! `scripts/oracle/amtemplate/regen.sh`; `scripts/interop/amtool-template.sh` compares with a
//! real `amtool template render` (Debian's 0.25).
//!
//! Known differences: `title` takes word breaking and title case from tables derived from
//! x/text itself, but lower-cases the rest of each word with Rust's Unicode data (final sigma's
//! case-ignorable runes approximated);
//! `append` reports a wrongly typed first argument as a function error rather than Go's
//! argument-type error; an error raised inside a default template names klaxon's file, line and
//! column (`default.tmpl:32:11`), not upstream's; the defaults add a few `__klaxon.*` helper
//! templates; [`Data::example`]'s times carry no monotonic clock reading, so printing one shows
//! no `m=+0.000` suffix as amtool's does.

mod data;
pub mod defaults;
mod funcs;
mod glob;
mod json;
mod templates;

pub use crate::title::title;
pub use data::{Alert, Data, Kv};
pub use funcs::{Clock, funcs, funcs_with_clock};
pub use templates::{Templates, TemplatesError};
