#!/usr/bin/env python3
"""Generates random template cases for differential testing against Go: random pipelines,
control structures and builtins over the typed and Alertmanager-shaped fixtures (`typed`) or
over JSON data (`json`), or token soup that mostly fails to parse (`soup`).

    random_cases.py MODE OUT.cases SEED COUNT

The committed `crates/template/tests/corpus/random.cases` is `typed random.cases 1 400`,
`random-json.cases` is `json random-json.cases 2 300` and `soup.cases` is
`soup soup.cases 3 400`. For a bigger ad-hoc run: generate into an empty directory,
`GO111MODULE=off go run main.go DIR`, then
`KLAXON_TEMPLATE_CORPUS=DIR cargo test -p klaxon-template --test corpus`.
"""
import json
import random
import sys

def emit(path, cases):
    seen=set()
    with open(path,'w') as f:
        for c in cases:
            name, tmpl = c[0], c[1]
            data = c[2] if len(c)>2 else None
            opts = c[3] if len(c)>3 else None
            t2 = c[4] if len(c)>4 else None
            assert name not in seen, name
            seen.add(name)
            f.write(f"=== {name}\n")
            if opts: f.write(f"--- options\n{opts}\n")
            f.write(f"--- template\n{tmpl}\n")
            if t2 is not None: f.write(f"--- template2\n{t2}\n")
            if data is not None:
                f.write(f"--- data\n{data if isinstance(data,str) else json.dumps(data, ensure_ascii=False)}\n")


MODE = sys.argv[1]
random.seed(int(sys.argv[3]))
ATOMS_TYPED=['.','$','.i','.neg','.zero','.u','.f','.s','.empty','.uni','.tru','.fal','.strs','.ints','.sm','.im','.p','.kv','.t','.fn','.html',
 '.Alerts','.Alerts.Firing','.CommonLabels','.CommonLabels.Names','.GroupLabels.SortedPairs','.Receiver','.Status','.p.Name','.p.Age','.p.Tags','.p.Labels','.p.Labels.job','.sm.a','.sm.zz','.im.x','.nope','.nope.x','.s.x','.p.Self.Name',
 '1','0','-3','2.5','1e6','0x10','\'a\'','"str"','""','`raw`','true','false','nil','$x','$i','$e']
ATOMS_JSON=['.','$','.a','.s','.l','.m','.m.x','.m.x.y','.n','.f','.e','.em','.l.x','.nope','.nope.x','.a.b','1','0','-3','2.5','1e6','\'a\'','"str"','""','true','false','nil','$x','$i','$e','.neg','.big2']
ATOMS = ATOMS_JSON if MODE == 'json' else ATOMS_TYPED
FUNCS=['and','or','not','len','index','slice','print','printf','println','html','js','urlquery','eq','ne','lt','le','gt','ge','call','upper','add','addf','list','join','truth']
def expr(d=0):
    r=random.random()
    if d>2 or r<0.45: return random.choice(ATOMS)
    if r<0.8:
        f=random.choice(FUNCS)
        n=random.randint(0,3)
        args=[expr(d+1) for _ in range(n)]
        if f=='printf': args=['"'+random.choice(['%v','%d','%s','%q','%x','%5.2f','%T','%v %v','%+v','%t','%!','%%'])+'"']+args
        return '('+' '.join([f]+args)+')' if d>0 else ' '.join([f]+args)
    if r<0.9:
        return expr(d+1)+' | '+random.choice(FUNCS)+(' '+expr(d+1) if random.random()<0.5 else '')
    return '('+expr(d+1)+')'+random.choice(['','.x','.Name','.a'])
def stmt(d=0):
    r=random.random()
    if d>2 or r<0.45: return '{{'+expr()+'}}'
    if r<0.6: return '{{if '+expr()+'}}'+body(d+1)+random.choice(['','{{else}}'+body(d+1),'{{else if '+expr()+'}}'+body(d+1)])+'{{end}}'
    if r<0.75: return '{{range '+random.choice(['','$i, $e := ','$e := '])+expr()+'}}'+body(d+1)+random.choice(['','{{else}}'+body(d+1)])+random.choice(['','{{break}}','{{continue}}'])+'{{end}}'
    if r<0.85: return '{{with '+expr()+'}}'+body(d+1)+random.choice(['','{{else}}'+body(d+1)])+'{{end}}'
    if r<0.9: return '{{$x := '+expr()+'}}'
    if r<0.94: return '{{$x = '+expr()+'}}'
    if r<0.97: return '{{template "d'+str(random.randint(0,2))+'" '+expr()+'}}'
    return '{{block "b'+str(random.randint(0,9))+'" '+expr()+'}}'+body(d+1)+'{{end}}'
def body(d):
    return ''.join(random.choice(['',' ','x',stmt(d)]) for _ in range(random.randint(1,3)))
TOKENS = ["{{", "}}", "{{-", "-}}", " ", "\n", "(", ")", "|", ".", ".a", ".b.c", ".l", ".m", "$", "$x",
    "$x :=", "$x =", ",", "$i, $e :=", "if", "else", "else if", "end", "range", "with", "break",
    "continue", "define", "template", "block", "\"t\"", "\"a\"", "`raw`", "'c'", "1", "-2", "0x1f",
    "1.5e3", "nil", "true", "and", "or", "not", "len", "index", "slice", "print", "printf",
    "\"%d %s %v %x %q %5.2f\"", "println", "html", "js", "urlquery", "call", "eq", "ne", "lt",
    "le", "gt", "ge", "/*", "*/", "x", "é", "\"", "{{/* c */}}", "{{end}}", "{{else}}", "\t", "-", "=", ":", "'", "`", "1e", "0x", "{{if 1}}", "{{range .l}}", "{{with .m}}", "{{define \"d\"}}", "{{template \"d\"}}", "{{block \"b\" .}}"]
JSON_DATA = {"a":1,"s":"x","l":[1,"a",None,{"k":"v"}],"m":{"x":{"y":[1,2]}},"n":None,"f":0.5,"e":[],"em":{},"neg":-2.5,"big2":1e300}
SOUP_DATA = {"a":1,"b":{"c":"str"},"l":[1,"x",None],"m":{"k":"v"}}
cases=[]
for i in range(int(sys.argv[4])):
    if MODE == 'soup':
        t=''.join(random.choice(TOKENS) for _ in range(random.randint(1,25)))
        cases.append((f"s{i}", t, SOUP_DATA, random.choice(["","missingkey=zero"])))
    elif MODE == 'json':
        defs=''.join('{{define "d%d"}}%s{{end}}' % (k, ''.join(random.choice(['x','{{'+expr()+'}}']) for _ in range(2))) for k in range(3))
        t='{{$x := 1}}'+body(0)+defs
        cases.append((f"j{i}", t, JSON_DATA, random.choice(["","missingkey=zero","missingkey=error"])))
    else:
        # Templates d0..d2 exist for `template` calls; their bodies call no templates.
        defs=''.join('{{define "d%d"}}%s{{end}}' % (k, ''.join(random.choice(['x','{{'+expr()+'}}']) for _ in range(2))) for k in range(3))
        t='{{$x := 1}}'+body(0)+defs
        cases.append((f"r{i}", t, None, random.choice(["fixture=typed-nofunc","fixture=typed-nofunc missingkey=zero","fixture=typed-nofunc missingkey=error","fixture=am"])))
emit(sys.argv[2], cases)
