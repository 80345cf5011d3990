//! Go's `stripTags`: the text content of an HTML snippet, used when `template.HTML` lands in an
//! attribute value.

use super::context::{Context, Delim, Element, State};
use super::transition::transition_as;

pub(crate) fn strip_tags(html: &str) -> String {
    let s = html.as_bytes();
    let mut b: Vec<u8> = Vec::with_capacity(s.len());
    let (mut c, mut i, mut all_text) = (Context::default(), 0, true);
    while i != s.len() {
        if c.delim == Delim::None {
            let mut st = c.state;
            // Use RCDATA instead of parsing into JS or CSS.
            if c.element != Element::None && !st.is_in_tag() {
                st = State::Rcdata;
            }
            let (d, nread) = transition_as(st, c.clone(), &s[i..]);
            let i1 = i + nread;
            if c.state == State::Text || c.state == State::Rcdata {
                let mut j = i1;
                if d.state != c.state
                    && let Some(k) = (i..j).rev().find(|&k| s[k] == b'<')
                {
                    j = k;
                }
                b.extend_from_slice(&s[i..j]);
            } else {
                all_text = false;
            }
            if nread == 0 && d == c {
                // Cannot happen with Go's transitions; guard against looping forever.
                break;
            }
            c = d;
            i = i1;
            continue;
        }
        let Some(off) = s[i..].iter().position(|x| c.delim.ends().contains(x)) else {
            break;
        };
        let mut i1 = i + off;
        if c.delim != Delim::SpaceOrTagEnd {
            i1 += 1;
        }
        c = Context { state: State::Tag, element: c.element, ..Context::default() };
        i = i1;
    }
    if all_text {
        return html.to_string();
    }
    if c.state == State::Text || c.state == State::Rcdata {
        b.extend_from_slice(&s[i..]);
    }
    String::from_utf8_lossy(&b).into_owned()
}
