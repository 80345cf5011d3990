//! `fmt.Sprintf`, `fmt.Sprint`, `fmt.Sprintln`: the format-string interpreter and the per-kind
//! printers, following Go's `fmt/print.go` and `fmt/format.go` rule for rule (flags kept while
//! printing container elements, `%!verb(type=value)` error forms, zero padding of strings, ...).

use std::fmt::Write as _;

use super::arg::FmtArg;
use super::format::{Flags, LDIGITS, Printer, UDIGITS};

/// Width and precision above this are treated as absent (Go's `tooLarge`).
const TOO_LARGE: i64 = 1_000_000;

/// `fmt.Sprintf(format, args...)`.
pub fn sprintf(format: &str, args: &[FmtArg<'_>]) -> String {
    let mut out = String::with_capacity(format.len() + 8 * args.len());
    append_sprintf(&mut out, format, args);
    out
}

/// [`sprintf`], appending to `out`.
pub fn append_sprintf(out: &mut String, format: &str, args: &[FmtArg<'_>]) {
    Printer::new(out).do_printf(format, args);
}

/// `fmt.Sprint(args...)`: operands in their default format, with a space between two operands
/// when neither is a string.
pub fn sprint(args: &[FmtArg<'_>]) -> String {
    let mut out = String::new();
    append_sprint(&mut out, args);
    out
}

/// [`sprint`], appending to `out`.
pub fn append_sprint(out: &mut String, args: &[FmtArg<'_>]) {
    let mut p = Printer::new(out);
    let mut prev_string = false;
    for (n, arg) in args.iter().enumerate() {
        let is_string = arg.is_string_kind();
        if n > 0 && !is_string && !prev_string {
            p.buf.push(' ');
        }
        p.print_arg(arg, 'v');
        prev_string = is_string;
    }
}

/// `fmt.Sprintln(args...)`: operands in their default format separated by spaces, and a newline.
pub fn sprintln(args: &[FmtArg<'_>]) -> String {
    let mut out = String::new();
    append_sprintln(&mut out, args);
    out
}

/// [`sprintln`], appending to `out`.
pub fn append_sprintln(out: &mut String, args: &[FmtArg<'_>]) {
    let mut p = Printer::new(out);
    for (n, arg) in args.iter().enumerate() {
        if n > 0 {
            p.buf.push(' ');
        }
        p.print_arg(arg, 'v');
    }
    p.buf.push('\n');
}

/// Parses a decimal number at `s[start..end]` (Go's `parsenum`): value, whether there was one,
/// and where it stopped.
fn parsenum(s: &[u8], start: usize, end: usize) -> (i64, bool, usize) {
    if start >= end {
        return (0, false, end);
    }
    let mut num: i64 = 0;
    let mut isnum = false;
    let mut i = start;
    while i < end && s[i].is_ascii_digit() {
        if !(-TOO_LARGE..=TOO_LARGE).contains(&num) {
            return (0, false, end);
        }
        num = num * 10 + i64::from(s[i] - b'0');
        isnum = true;
        i += 1;
    }
    (num, isnum, i)
}

/// The integer value of `a[arg_num]` for a `*` width or precision (Go's `intFromArg`).
fn int_from_arg(a: &[FmtArg<'_>], arg_num: usize) -> (i64, bool, usize) {
    if arg_num >= a.len() {
        return (0, false, arg_num);
    }
    fn as_int(v: &FmtArg<'_>) -> Option<i64> {
        match v {
            FmtArg::Int(i) => Some(*i),
            FmtArg::Uint(u) => i64::try_from(*u).ok(),
            FmtArg::Duration(d) => Some(d.as_nanos()),
            FmtArg::Named { value, .. } | FmtArg::StringerValue { value, .. } => as_int(value),
            _ => None,
        }
    }
    match as_int(&a[arg_num]) {
        Some(n) if (-TOO_LARGE..=TOO_LARGE).contains(&n) => (n, true, arg_num + 1),
        _ => (0, false, arg_num + 1),
    }
}

impl Printer<'_> {
    // ---- per-kind printers (print.go) ----------------------------------------------------

    fn bad_verb(&mut self, arg: &FmtArg<'_>, verb: char) {
        self.erroring = true;
        self.buf.push_str("%!");
        self.buf.push(verb);
        self.buf.push('(');
        if let FmtArg::Nil = arg {
            self.buf.push_str("<nil>");
        } else {
            self.buf.push_str(&arg.type_name());
            self.buf.push('=');
            self.print_value(arg, arg, 'v');
        }
        self.buf.push(')');
        self.erroring = false;
    }

    fn fmt_bool(&mut self, name: &FmtArg<'_>, v: bool, verb: char) {
        match verb {
            't' | 'v' => self.fmt_boolean(v),
            _ => self.bad_verb(name, verb),
        }
    }

    fn fmt_0x64(&mut self, v: u64, leading0x: bool) {
        let sharp = self.f.sharp;
        self.f.sharp = leading0x;
        self.fmt_integer(v, 16, false, 'v', LDIGITS);
        self.f.sharp = sharp;
    }

    fn fmt_int_verb(&mut self, name: &FmtArg<'_>, v: u64, signed: bool, verb: char) {
        match verb {
            'v' => {
                if self.f.sharp_v && !signed {
                    self.fmt_0x64(v, true);
                } else {
                    self.fmt_integer(v, 10, signed, verb, LDIGITS);
                }
            }
            'd' => self.fmt_integer(v, 10, signed, verb, LDIGITS),
            'b' => self.fmt_integer(v, 2, signed, verb, LDIGITS),
            'o' | 'O' => self.fmt_integer(v, 8, signed, verb, LDIGITS),
            'x' => self.fmt_integer(v, 16, signed, verb, LDIGITS),
            'X' => self.fmt_integer(v, 16, signed, verb, UDIGITS),
            'c' => self.fmt_c(v),
            'q' => self.fmt_qc(v),
            'U' => self.fmt_unicode(v),
            _ => self.bad_verb(name, verb),
        }
    }

    fn fmt_float_verb(&mut self, name: &FmtArg<'_>, v: f64, verb: char) {
        match verb {
            'v' => self.fmt_float(v, b'g', -1),
            'b' | 'g' | 'G' | 'x' | 'X' => self.fmt_float(v, verb as u8, -1),
            'f' | 'e' | 'E' => self.fmt_float(v, verb as u8, 6),
            'F' => self.fmt_float(v, b'f', 6),
            _ => self.bad_verb(name, verb),
        }
    }

    fn fmt_string(&mut self, name: &FmtArg<'_>, v: &str, verb: char) {
        match verb {
            'v' => {
                if self.f.sharp_v {
                    self.fmt_q(v);
                } else {
                    self.fmt_s(v);
                }
            }
            's' => self.fmt_s(v),
            'x' => self.fmt_sx(v, LDIGITS),
            'X' => self.fmt_sx(v, UDIGITS),
            'q' => self.fmt_q(v),
            _ => self.bad_verb(name, verb),
        }
    }

    fn print_arg(&mut self, arg: &FmtArg<'_>, verb: char) {
        if let FmtArg::Nil = arg {
            match verb {
                'T' | 'v' => self.pad("<nil>"),
                _ => self.bad_verb(arg, verb),
            }
            return;
        }
        match verb {
            'T' => {
                let t = arg.type_name();
                self.fmt_s(&t);
            }
            // Pointers are not modelled: every value is a non-pointer for `%p`.
            'p' => self.bad_verb(arg, verb),
            _ => self.print_value(arg, arg, verb),
        }
    }

    /// Prints `value`; `name` is the value whose type name error forms and `%#v` use (the
    /// outermost [`FmtArg::Named`] wrapper, or `value` itself).
    fn print_value(&mut self, name: &FmtArg<'_>, value: &FmtArg<'_>, verb: char) {
        let stringable = matches!(verb, 'v' | 's' | 'x' | 'X' | 'q');
        match value {
            FmtArg::Nil => {
                if self.f.sharp_v {
                    self.buf.push_str("interface {}(nil)");
                } else {
                    self.buf.push_str("<nil>");
                }
            }
            FmtArg::Bool(b) => self.fmt_bool(name, *b, verb),
            FmtArg::Int(i) => self.fmt_int_verb(name, *i as u64, true, verb),
            FmtArg::Uint(u) => self.fmt_int_verb(name, *u, false, verb),
            FmtArg::Float(f) => self.fmt_float_verb(name, *f, verb),
            FmtArg::Str(s) => self.fmt_string(name, s, verb),
            FmtArg::Named { value: inner, .. } => self.print_value(name, inner, verb),
            FmtArg::Duration(d) => {
                if !self.erroring && !self.f.sharp_v && stringable {
                    let s = d.to_string();
                    self.fmt_string(name, &s, verb);
                } else {
                    self.fmt_int_verb(name, d.as_nanos() as u64, true, verb);
                }
            }
            FmtArg::Stringer { text, .. } => {
                if self.erroring {
                    self.buf.push_str(text);
                } else if self.f.sharp_v {
                    self.fmt_q(text);
                } else if stringable {
                    self.fmt_string(name, text, verb);
                } else {
                    self.bad_verb(name, verb);
                }
            }
            FmtArg::StringerValue { text, value: inner, .. } => {
                if !self.erroring && !self.f.sharp_v && stringable {
                    self.fmt_string(name, text, verb);
                } else {
                    self.print_value(name, inner, verb);
                }
            }
            FmtArg::Time(t) => {
                if self.erroring {
                    let _ = write!(self.buf, "{t}");
                } else if self.f.sharp_v {
                    let s = t.go_string();
                    self.fmt_s(&s);
                } else if stringable {
                    let s = t.to_string();
                    self.fmt_string(name, &s, verb);
                } else {
                    self.bad_verb(name, verb);
                }
            }
            FmtArg::List(items) => {
                if self.f.sharp_v {
                    self.buf.push_str(&name.type_name());
                    self.buf.push('{');
                } else {
                    self.buf.push('[');
                }
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.buf.push_str(if self.f.sharp_v { ", " } else { " " });
                    }
                    self.print_value(item, item, verb);
                }
                self.buf.push(if self.f.sharp_v { '}' } else { ']' });
            }
            FmtArg::Map(entries) => {
                if self.f.sharp_v {
                    self.buf.push_str(&name.type_name());
                    self.buf.push('{');
                } else {
                    self.buf.push_str("map[");
                }
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.buf.push_str(if self.f.sharp_v { ", " } else { " " });
                    }
                    self.print_value(k, k, verb);
                    self.buf.push(':');
                    self.print_value(v, v, verb);
                }
                self.buf.push(if self.f.sharp_v { '}' } else { ']' });
            }
            FmtArg::Struct { fields, .. } => {
                if self.f.sharp_v {
                    self.buf.push_str(&name.type_name());
                }
                self.buf.push('{');
                for (i, (field, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        self.buf.push_str(if self.f.sharp_v { ", " } else { " " });
                    }
                    if (self.f.plus_v || self.f.sharp_v) && !field.is_empty() {
                        self.buf.push_str(field);
                        self.buf.push(':');
                    }
                    self.print_value(v, v, verb);
                }
                self.buf.push('}');
            }
        }
    }

    // ---- the format string (doPrintf) ----------------------------------------------------

    /// Parses an explicit argument index `[n]` at `format[i..]` (Go's `argNumber`).
    fn arg_number(
        &self,
        arg_num: usize,
        format: &[u8],
        i: usize,
        num_args: usize,
        st: &mut State,
    ) -> (usize, usize, bool) {
        if format.len() <= i || format[i] != b'[' {
            return (arg_num, i, false);
        }
        st.reordered = true;
        let (index, wid, ok) = parse_arg_number(&format[i..]);
        if ok && 0 <= index && (index as usize) < num_args {
            return (index as usize, i + wid, true);
        }
        st.good_arg_num = false;
        (arg_num, i + wid, ok)
    }

    fn do_printf(&mut self, format: &str, a: &[FmtArg<'_>]) {
        let bytes = format.as_bytes();
        let end = bytes.len();
        let mut arg_num = 0usize;
        let mut after_index;
        let mut st = State { reordered: false, good_arg_num: true };
        let mut i = 0usize;
        'format: while i < end {
            st.good_arg_num = true;
            let lasti = i;
            while i < end && bytes[i] != b'%' {
                i += 1;
            }
            if i > lasti {
                self.buf.push_str(&format[lasti..i]);
            }
            if i >= end {
                break;
            }
            i += 1; // skip '%'
            self.f = Flags::default();
            while i < end {
                let c = bytes[i];
                match c {
                    b'#' => self.f.sharp = true,
                    b'0' => self.f.zero = true,
                    b'+' => self.f.plus = true,
                    b'-' => self.f.minus = true,
                    b' ' => self.f.space = true,
                    _ => {
                        // Fast path: flags and a lower-case verb.
                        if c.is_ascii_lowercase() && arg_num < a.len() {
                            if c == b'v' {
                                self.f.sharp_v = self.f.sharp;
                                self.f.sharp = false;
                                self.f.plus_v = self.f.plus;
                                self.f.plus = false;
                            }
                            self.print_arg(&a[arg_num], c as char);
                            arg_num += 1;
                            i += 1;
                            continue 'format;
                        }
                        break;
                    }
                }
                i += 1;
            }

            (arg_num, i, after_index) = self.arg_number(arg_num, bytes, i, a.len(), &mut st);

            // Width.
            if i < end && bytes[i] == b'*' {
                i += 1;
                let (w, ok, next) = int_from_arg(a, arg_num);
                arg_num = next;
                self.f.wid_present = ok;
                if !ok {
                    self.buf.push_str("%!(BADWIDTH)");
                }
                if w < 0 {
                    self.f.minus = true;
                    self.f.zero = false;
                }
                self.f.wid = w.unsigned_abs() as usize;
                after_index = false;
            } else {
                let (w, ok, next) = parsenum(bytes, i, end);
                self.f.wid = w as usize;
                self.f.wid_present = ok;
                i = next;
                if after_index && ok {
                    st.good_arg_num = false;
                }
            }

            // Precision.
            if i + 1 < end && bytes[i] == b'.' {
                i += 1;
                if after_index {
                    st.good_arg_num = false;
                }
                (arg_num, i, after_index) = self.arg_number(arg_num, bytes, i, a.len(), &mut st);
                if i < end && bytes[i] == b'*' {
                    i += 1;
                    let (p, mut ok, next) = int_from_arg(a, arg_num);
                    arg_num = next;
                    let mut p = p;
                    if p < 0 {
                        p = 0;
                        ok = false;
                    }
                    self.f.prec = p as usize;
                    self.f.prec_present = ok;
                    if !ok {
                        self.buf.push_str("%!(BADPREC)");
                    }
                    after_index = false;
                } else {
                    let (p, ok, next) = parsenum(bytes, i, end);
                    i = next;
                    self.f.prec = if ok { p as usize } else { 0 };
                    self.f.prec_present = true;
                }
            }

            if !after_index {
                (arg_num, i, _) = self.arg_number(arg_num, bytes, i, a.len(), &mut st);
            }

            if i >= end {
                self.buf.push_str("%!(NOVERB)");
                break;
            }

            let verb = format[i..].chars().next().unwrap_or('%');
            i += verb.len_utf8();

            if verb == '%' {
                // Percent does not absorb operands and ignores width and precision.
                self.buf.push('%');
            } else if !st.good_arg_num {
                self.buf.push_str("%!");
                self.buf.push(verb);
                self.buf.push_str("(BADINDEX)");
            } else if arg_num >= a.len() {
                self.buf.push_str("%!");
                self.buf.push(verb);
                self.buf.push_str("(MISSING)");
            } else {
                if verb == 'v' {
                    self.f.sharp_v = self.f.sharp;
                    self.f.sharp = false;
                    self.f.plus_v = self.f.plus;
                    self.f.plus = false;
                }
                self.print_arg(&a[arg_num], verb);
                arg_num += 1;
            }
        }

        // Extra arguments, unless they were accessed out of order.
        if !st.reordered && arg_num < a.len() {
            self.f = Flags::default();
            self.buf.push_str("%!(EXTRA ");
            for (i, arg) in a[arg_num..].iter().enumerate() {
                if i > 0 {
                    self.buf.push_str(", ");
                }
                if let FmtArg::Nil = arg {
                    self.buf.push_str("<nil>");
                } else {
                    self.buf.push_str(&arg.type_name());
                    self.buf.push('=');
                    self.print_arg(arg, 'v');
                }
            }
            self.buf.push(')');
        }
    }
}

struct State {
    reordered: bool,
    good_arg_num: bool,
}

/// Parses `[n]` at the start of `format`: the zero-based index, the bytes consumed, and whether
/// it was well formed (Go's `parseArgNumber`).
fn parse_arg_number(format: &[u8]) -> (i64, usize, bool) {
    if format.len() < 3 {
        return (0, 1, false);
    }
    for i in 1..format.len() {
        if format[i] == b']' {
            let (width, ok, newi) = parsenum(format, 1, i);
            if !ok || newi != i {
                return (0, i + 1, false);
            }
            return (width - 1, i + 1, true);
        }
    }
    (0, 1, false)
}
