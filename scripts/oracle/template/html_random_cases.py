#!/usr/bin/env python3
"""Generates crates/template/tests/corpus/html-random.cases: random HTML-mode templates for the
differential corpus (mode=html; expected outputs come from Go's html/template via regen.sh).

Three shapes: soup of HTML/CSS/JS fragments, actions and control structures (contexts, joins,
errors); one action with a random hostile value in each context (the escapers); and JS/CSS
bodies (regexp vs division, comments, template literals, url(...)).

    html_random_cases.py [SEED] [COUNT_PER_SHAPE] > FILE
"""
import json
import random
import sys

FRAGS = ['<p>', '</p>', '<a href="', '<a href=', '<a title="', "<a title='", '">', "'>", '>', ' ', 'x',
         '?', '#', '&amp;', '&quot;', '&#34;', '&num;', '&copy;', '<', '<!-- c -->', '<!--', '-->', '<script>',
         '</script>', '<style>', '</style>', 'var s = "', "'", '"', '/', '/*', '*/', '//', '\n', '<title>',
         '</title>', '<textarea>', '</textarea>', 'color: ', '<p style="', '<img src=', '<img srcset="',
         ' onclick="', 'url(', ')', '`', '${', '}', '{', '<input ', 'checked ', '=', ' data-url="',
         '<meta http-equiv="refresh" content="0; url=', ';', '<!DOCTYPE html>', 'a < b', '\\', '<b', '<i>',
         '</i>', 'javascript:', 'http://h/p']
ACTS = ['{{ .s }}', '{{ .u }}', '{{ .n }}', '{{ .e }}', '{{ .m }}', '{{ .l }}', '{{ .h | safeHtml }}',
        '{{ safeUrl .u }}', '{{ .s | urlquery }}', '{{ .s | html }}', '{{ html .s .n }}', '{{ print .s }}',
        '{{ .missing }}', '{{ safeAttr .a }}', '{{ safeCss .c }}', '{{ safeJs .j }}', '{{ .u2 }}',
        '{{ template "sub2" .s }}', '{{ block "blk" . }}[{{ .s }}]{{ end }}']
DATA = {"s": "a <b> & \"c\" 'd' + é/?#=`x` %41", "u": "http://ex.com/a b?c=d&e#f", "u2": "javascript:alert(1)",
        "n": 42.5, "e": "", "b": True, "m": {"k": "<v>", "z": 1}, "l": ["<1>", 2, None],
        "h": "<b>bold &amp; \"q\"</b>", "a": "title=\"x\"", "c": "color: red", "j": "f(1)"}

CHARS = list('aZ09 \t\n\r\x0b\x0c\x00\x01\x1f"\'`<>&=+/\\?#%:;,.-_~!$*()[]{}|^@') + [
    'é', '世', '\u2028', '\u2029', '\ufdd0', '\ufffd', '\u00a0', '%41', '%zz', 'javascript:', 'http://',
    'mailto:', '&amp;', '&#39;', '-->', '<!--', '</script', 'expression', '1x', ' 2x']
CTXS = ['<p>{{X}}</p>', '<a title="{{X}}">', "<a title='{{X}}'>", '<a title={{X}}>', '<a href="{{X}}">',
        '<a href={{X}}>', '<a href="/p?q={{X}}">', '<a href="/p/{{X}}">', '<script>var a = {{X}};</script>',
        '<script>var a = "{{X}}";</script>', "<script>var a = '{{X}}';</script>",
        '<script>var a = /{{X}}/;</script>', '<script>var a = `{{X}}`;</script>', '<p style="color: {{X}}">',
        '<style>p { content: "{{X}}" }</style>', "<style>p { background: url('{{X}}') }</style>",
        '<style>p { background: url({{X}}) }</style>', '<title>{{X}}</title>', '<img srcset="{{X}}">',
        '<input {{X}}>', '<!-- {{X}} -->', '<button onclick="f({{X}})">', '<img src=x alt={{X}}>']
WRAPS = ['.v', 'safeHtml .v', 'safeUrl .v', 'safeAttr .v', 'safeJs .v', 'safeCss .v', '.v | urlquery',
         'print .v .v', '.n', '.l', '.m']

JS = ['x', ' ', '=', '/', '/=', '(', ')', '{', '}', '[', ']', ';', '\n', '"', "'", '`', '${', '\\', '+', '++',
      '-', '--', '.', '42.', 'return', 'typeof', 'a.return', '<!--', '-->', '#!', '#priv', '/*', '*/', '//',
      '</script', '<script', 'if (b)', ',', '?', ':', '\u2028', '[^/]', 'in', 'void', '0']
CSS = ['p', '{', '}', ':', ';', 'color', 'url(', ')', '"', "'", '/*', '*/', '//', '\n', ' ', '\\', '\\22',
       'URL (', 'x-url(', '(', '@media', '#fff']
JS_ACTS = ['{{ .s }}', '{{ .n }}', '{{ .l }}', '{{ .m }}', '{{ .e }}', '{{ safeJs .j }}', '{{ .missing }}',
           '{{ if .b }}{{ .s }}{{ end }}']
JS_DATA = {"s": "a</script>\"'`${}/\\\u2028<!--", "n": -0.5, "l": [1, "x", None], "m": {"k": "<v>"}, "e": "",
           "b": True, "j": "f()"}


def soup(rnd):
    def piece(d):
        r = rnd.random()
        if r < 0.55:
            return rnd.choice(FRAGS)
        if r < 0.85 or d > 2:
            return rnd.choice(ACTS)
        body = seq(d + 1, 3)
        k = rnd.random()
        if k < 0.4:
            return '{{ if .b }}' + body + '{{ else }}' + seq(d + 1, 3) + '{{ end }}'
        if k < 0.7:
            return '{{ range .l }}' + body + '{{ end }}'
        if k < 0.8:
            return '{{ with .s }}' + body + '{{ end }}'
        if k < 0.9:
            return ('{{ range .l }}' + body + '{{ if .b }}{{ break }}{{ end }}' + seq(d + 1, 2)
                    + '{{ continue }}{{ end }}')
        return '{{ template "sub" . }}'

    def seq(d, n):
        return ''.join(piece(d) for _ in range(rnd.randint(0, n)))

    # "sub" never calls itself: unbounded recursion hits klaxon's depth limit before Go's.
    sub = ''.join(rnd.choice(FRAGS) if rnd.random() < 0.6 else rnd.choice(ACTS) for _ in range(rnd.randint(0, 3)))
    t = ('{{ define "sub" }}' + sub + '{{ end }}{{ define "sub2" }}' + rnd.choice(FRAGS) + '{{ . }}'
         + rnd.choice(FRAGS) + '{{ end }}' + seq(0, 8))
    return t, DATA


def value(rnd):
    v = ''.join(rnd.choice(CHARS) for _ in range(rnd.randint(0, 12)))
    t = rnd.choice(CTXS).replace('X', ' ' + rnd.choice(WRAPS) + ' ')
    return t, {"v": v, "n": rnd.choice([0, -1.5, 1e21, 1e-7, 3, 2.5e-300]), "l": [v, 1, None, True], "m": {"k": v}}


def script(rnd):
    if rnd.random() < 0.6:
        body = ''.join(rnd.choice(JS) if rnd.random() < 0.7 else rnd.choice(JS_ACTS) for _ in range(rnd.randint(1, 12)))
        t = rnd.choice(['<script>%s</script>{{ .s }}', '<a onclick="%s">{{ .s }}</a>', "<a onclick='%s'>x</a>"])
    else:
        body = ''.join(rnd.choice(CSS) if rnd.random() < 0.7 else rnd.choice(JS_ACTS) for _ in range(rnd.randint(1, 12)))
        t = rnd.choice(['<style>%s</style>{{ .s }}', '<p style="%s">{{ .s }}</p>', "<p style='%s'>x</p>"])
    return t.replace('%s', body), JS_DATA


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    rnd = random.Random(seed)
    out = ["# Generated by scripts/oracle/template/html_random_cases.py %d %d; do not edit.\n" % (seed, count)]
    for shape in (soup, value, script):
        for i in range(count):
            t, data = shape(rnd)
            if '\n===' in t or '\n---' in t:
                continue
            out.append("=== %s-%d\n--- options\nmode=html\n--- template\n%s\n--- data\n%s\n"
                       % (shape.__name__, i, t, json.dumps(data)))
    sys.stdout.write(''.join(out))


main()
