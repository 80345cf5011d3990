//! A Go `text/template`-compatible template engine, and the `html/template` escaping mode.
//!
//! Every notification Alertmanager sends and every annotation Prometheus renders goes through Go
//! templates, so this crate will own: the lexer and parser for the full template language
//! (pipelines, variables, `if`/`range`/`with`, `define`/`template`/`block`, trim markers), an
//! evaluator over a data model with Go semantics (maps with sorted iteration, method calls with
//! arguments such as `.CommonLabels.Remove .GroupLabels.Names`, `time.Time` methods), Go `fmt`
//! formatting for `printf`, contextual HTML escaping for email bodies, and the Alertmanager and
//! Prometheus function sets. Output must match Go byte for byte; Go itself is the test oracle.
//!
//! Not built yet: see the template-engine issue.
