#!/usr/bin/env bash
# Interop: renders template texts with a real `amtool template render` (Debian's
# prometheus-alertmanager, installed with apt-get when missing) and with klaxon, on amtool's
# built-in example data (or --data FILE.json), and reports every difference.
#
# klaxon's side is `klaxon template render` once it is wired; until then (or with
# KLAXON_RENDER=example) the template crate's `am_render` example, which calls the same API.
#
# Debian ships Alertmanager 0.25; klaxon follows 0.34. Known differences, reported as "known":
#   - `{{ .Labels }}`/`{{ .CommonLabels }}` print `map[k:v ...]` in 0.25 and `k=v, k=v` (alertname
#     first) since 0.26 (KV.String); `.Names`/`.Values` are `template.Strings` with `.Join` since 0.28.
#   - Functions added after 0.25 (date tz since humanizeDuration toDate mustToDate toJson
#     base64encode base64decode list append dict urlUnescape routeLabels) fail in 0.25.
#   - Default templates added after 0.25 (msteams*, jira*, rocketchat*, mattermost*, ...) are
#     missing in 0.25; the rest of the defaults render the same.
#   - 0.25's example data gives both alerts the status "alertstatus" (0.34: firing, resolved), so
#     its Firing/Resolved lists are empty.
#   - email.default.html's itemtype is http://schema.org in 0.25, https:// later.
#   - Debian's amtool does not embed the default templates: they are passed to it from
#     /usr/share/prometheus/alertmanager/*.tmpl (Alertmanager 0.25's own), before the user glob.
# The example data's times come from the clock, so texts printing times are not compared.
# Besides the example, the texts are rendered with the oracle's data sets (mixed, unicode,
# resolved-only from crates/template/tests/data/alertmanager/data/).
#
# Usage: scripts/interop/amtool-template.sh [--glob 'DIR/*.tmpl'] [--data FILE.json] [TEXT...]
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
glob="" data=""
while [ $# -gt 0 ]; do
  case "$1" in
    --glob) glob="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    *) break ;;
  esac
done

if ! command -v amtool >/dev/null; then
  echo "installing prometheus-alertmanager (amtool) with apt-get..." >&2
  apt-get install -y prometheus-alertmanager >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 && apt-get install -y prometheus-alertmanager >/dev/null 2>&1; } ||
    { echo "could not install prometheus-alertmanager" >&2; exit 2; }
fi
echo "amtool: $(amtool --version 2>&1 | head -1)" >&2

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if [ -z "$glob" ]; then
  # A user file on top of the defaults, as a real setup has (it also exercises overriding).
  cat >"$tmp/user.tmpl" <<'TMPL'
{{ define "my.title" }}[{{ .Status | toUpper }}] {{ .GroupLabels.SortedPairs.Values | join " " }}{{ end }}
{{ define "my.body" }}{{ range .Alerts }}{{ .Labels.SortedPairs.Values | join "," }} {{ .Annotations.SortedPairs.Names | join "," }}
{{ end }}{{ end }}
TMPL
  glob="$tmp/*.tmpl"
fi

klaxon_bin="$root/target/debug/klaxon"
mode=example
if [ "${KLAXON_RENDER:-}" != "example" ]; then
  (cd "$root" && cargo build -q -p klaxon 2>/dev/null)
  if [ -x "$klaxon_bin" ] && "$klaxon_bin" template render --template.glob "$glob" --template.text 'x' >/dev/null 2>&1; then
    mode=cli
  fi
fi
if [ "$mode" = example ]; then
  (cd "$root" && cargo build -q -p klaxon-template --example am_render) || exit 2
  klaxon_bin="$root/target/debug/examples/am_render"
fi
echo "klaxon: $mode ($klaxon_bin)" >&2

if [ $# -eq 0 ]; then
  set -- \
    '{{ template "__subject" . }}' '{{ template "__alertmanagerURL" . }}' \
    '{{ template "__text_alert_list" .Alerts }}' '{{ template "__text_alert_list_markdown" .Alerts.Firing }}' \
    '{{ template "slack.default.title" . }}' '{{ template "slack.default.fallback" . }}' \
    '{{ template "slack.default.titlelink" . }}' '{{ template "slack.default.color" . }}' \
    '{{ template "slack.default.username" . }}' '{{ template "slack.default.text" . }}' \
    '{{ template "pagerduty.default.description" . }}' '{{ template "pagerduty.default.instances" .Alerts.Firing }}' \
    '{{ template "opsgenie.default.message" . }}' '{{ template "opsgenie.default.description" . }}' \
    '{{ template "wechat.default.message" . }}' '{{ template "victorops.default.state_message" . }}' \
    '{{ template "pushover.default.message" . }}' '{{ template "sns.default.message" . }}' \
    '{{ template "telegram.default.message" . }}' '{{ template "discord.default.message" . }}' \
    '{{ template "webex.default.message" . }}' '{{ template "msteams.default.text" . }}' \
    '{{ template "jira.default.priority" . }}' '{{ template "mattermost.default.text" . }}' \
    '{{ template "email.default.subject" . }}' '{{ template "email.default.html" . }}' \
    '{{ template "my.title" . }}' '{{ template "my.body" . }}' \
    '{{ .CommonLabels }}' '{{ .GroupLabels.Values.Join "+" }}' \
    '{{ title "hello wORLD" }} {{ toUpper "ß" }} {{ match "^foo" "foobar" }} {{ reReplaceAll "(a+)" "<$1>" "banana" }}' \
    '{{ len .Alerts.Firing }}/{{ len .Alerts.Resolved }} {{ .Receiver }} {{ .ExternalURL }}'
fi

debian_defaults=()
for f in /usr/share/prometheus/alertmanager/*.tmpl; do
  [ -e "$f" ] && debian_defaults+=(--template.glob "$f")
done
datasets=("$data")
if [ -z "$data" ]; then
  d="$root/crates/template/tests/data/alertmanager/data"
  datasets=("" "$d/mixed.json" "$d/unicode.json" "$d/resolved-only.json")
fi
same=0 differ=0 known=0
for ds in "${datasets[@]}"; do
  data_args=()
  [ -n "$ds" ] && data_args=(--template.data "$ds")
  label="${ds:+$(basename "$ds")}"
  label="${label:-example}"
  for text in "$@"; do
    want="$(amtool template render "${debian_defaults[@]}" --template.glob "$glob" --template.text "$text" "${data_args[@]}" 2>&1; echo "rc=$?")"
    if [ "$mode" = cli ]; then
      got="$("$klaxon_bin" template render --template.glob "$glob" --template.text "$text" ${ds:+--data "$ds"} 2>&1; echo "rc=$?")"
    else
      got="$("$klaxon_bin" --template.glob "$glob" --template.text "$text" "${data_args[@]}" 2>&1; echo "rc=$?")"
    fi
    if [ "$want" = "$got" ]; then
      same=$((same + 1))
      continue
    fi
    why=""
    if [ "${want//http:\/\/schema.org/https://schema.org}" = "$got" ]; then
      why="email.default.html links https://schema.org after 0.25"
    fi
    case "$text" in
      *'.CommonLabels }}'*|*'.Labels }}'*|*'.Values.Join'*|*'.Names.Join'*) why="${why:-KV printing / Strings.Join (0.26+/0.28+)}" ;;
      *msteams*|*jira*|*rocketchat*|*mattermost*) why="${why:-default template added after 0.25}" ;;
    esac
    case "$want" in
      *'function "'*'" not defined'*|*'no template "'*|*'template "'*'" not defined'*) why="${why:-not in Alertmanager 0.25}" ;;
    esac
    if [ -z "$why" ] && [ "$label" = example ]; then
      why="0.25's example alerts have status \"alertstatus\""
    fi
    if [ -n "$why" ]; then
      known=$((known + 1))
      echo "known ($why) [$label]: $text" >&2
    else
      differ=$((differ + 1))
      echo "DIFFERENT [$label]: $text" >&2
      diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -20 >&2
    fi
  done
done
echo "amtool-template: $same same, $known known 0.25 differences, $differ different" >&2
[ "$differ" -eq 0 ]
