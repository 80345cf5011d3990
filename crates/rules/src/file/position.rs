//! Positions: serde-saphyr locations as [`Position`]s, the first YAML document of a file, and
//! a PromQL parse error's place inside `expr` mapped to the file.

use serde_saphyr::Location;

use super::Position;

/// A location, or `None` for serde-saphyr's "unknown".
pub(crate) fn of(loc: Location) -> Option<Position> {
    (loc.line() != 0).then(|| Position { line: loc.line(), col: loc.column() })
}

/// The text of the first YAML document, and whether more documents follow (upstream reads
/// only the first one and warns about the rest).
pub(crate) fn first_document(text: &str) -> (&str, bool) {
    let mut seen_content = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end_matches(['\n', '\r']);
        let is_marker = |m: &str| {
            trimmed.strip_prefix(m).is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t']))
        };
        if is_marker("---") || is_marker("...") {
            if seen_content {
                let rest = &text[offset..];
                let more = is_marker("---")
                    || rest
                        .lines()
                        .skip(1)
                        .any(|l| !l.trim().is_empty() && !l.trim().starts_with('#'));
                return (&text[..offset], more);
            }
        } else if !trimmed.trim().is_empty()
            && !trimmed.trim_start().starts_with('#')
            && !trimmed.starts_with('%')
        {
            seen_content = true;
        }
        offset += line.len();
    }
    (text, false)
}

/// Where in the file the expression's `(line, byte column)` is, given the position of the
/// `expr` scalar. Exact for single-line plain and quoted scalars without escapes and for
/// literal blocks (`|`); otherwise the scalar's own position.
pub(crate) fn in_expr(src: &str, at: Position, expr: &str, err: (usize, usize)) -> Position {
    map(src, at, expr, err).unwrap_or(at)
}

fn map(src: &str, at: Position, expr: &str, err: (usize, usize)) -> Option<Position> {
    let (eline, ecol) = clamp_to_text(expr, err);
    let line_no = usize::try_from(at.line).ok()?;
    let src_line = src.lines().nth(line_no.checked_sub(1)?)?;
    let start_col = usize::try_from(at.col).ok()?.checked_sub(1)?;
    let rest: String = src_line.chars().skip(start_col).collect();
    let expr_line = expr.lines().nth(eline.checked_sub(1)?)?;
    let char_col = expr_line.get(..ecol.checked_sub(1)?)?.chars().count() + 1;
    let col = |c: usize| u64::try_from(c).ok();

    let first = expr.lines().next().unwrap_or("");
    if rest.starts_with('|') || (rest == first && expr.lines().count() > 1) {
        // A literal block: its content lines are file lines one for one, less the block's
        // indentation (that of its first non-blank line). serde-saphyr places the scalar at
        // the `|` or at the first content line.
        let header = usize::from(rest.starts_with('|'));
        let mut body = src.lines().skip(line_no - 1 + header);
        let indent =
            body.clone().find(|l| !l.trim().is_empty())?.chars().take_while(|c| *c == ' ').count();
        let file_line = body.nth(eline - 1)?;
        let content: String = file_line.chars().skip(indent).collect();
        if content != expr_line {
            return None;
        }
        return Some(Position {
            line: at.line + col(eline - 1 + header)?,
            col: col(indent + char_col)?,
        });
    }
    if eline != 1 || expr.lines().count() != 1 {
        return None;
    }
    let quoted = rest.starts_with('"') || rest.starts_with('\'');
    let body = if quoted { &rest[1..] } else { rest.as_str() };
    if !body.starts_with(expr_line) {
        return None;
    }
    Some(Position { line: at.line, col: at.col + col(char_col - 1 + usize::from(quoted))? })
}

/// An error at the very end of the text (the line after a trailing newline) as the end of
/// the last line, where there is something to point at.
fn clamp_to_text(expr: &str, (line, col): (usize, usize)) -> (usize, usize) {
    let n = expr.lines().count();
    match expr.lines().last() {
        Some(last) if line == n + 1 && col == 1 => (n, last.len() + 1),
        _ => (line, col),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_document_stops_at_second() {
        assert_eq!(first_document("a: 1\n---\nb: 2\n"), ("a: 1\n", true));
        assert_eq!(first_document("---\na: 1\n"), ("---\na: 1\n", false));
        assert_eq!(first_document("a: 1\n...\n"), ("a: 1\n", false));
    }

    #[test]
    fn maps_plain_quoted_and_literal() {
        let p = |line, col| Position { line, col };
        let src = "    expr: sum(x) by (\n";
        assert_eq!(in_expr(src, p(1, 11), "sum(x) by (", (1, 12)), p(1, 22));
        let src = "    expr: \"up ==\"\n";
        assert_eq!(in_expr(src, p(1, 11), "up ==", (1, 6)), p(1, 17));
        let src = "    expr: |\n      sum(\n        up\n      ) by (\n";
        assert_eq!(in_expr(src, p(1, 11), "sum(\n  up\n) by (\n", (3, 6)), p(4, 12));
        // serde-saphyr may place a literal block at its first content line.
        assert_eq!(in_expr(src, p(2, 7), "sum(\n  up\n) by (\n", (3, 6)), p(4, 12));
        assert_eq!(in_expr(src, p(2, 7), "sum(\n  up\n) by (\n", (4, 1)), p(4, 13));
    }
}
