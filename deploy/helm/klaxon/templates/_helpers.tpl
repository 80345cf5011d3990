{{/* The name of every object: the release name, plus "-klaxon" unless it has it already. */}}
{{- define "klaxon.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The headless service that gives each replica its DNS name for --cluster.peer. */}}
{{- define "klaxon.headless" -}}
{{- printf "%s-headless" (include "klaxon.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "klaxon.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "klaxon.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{ include "klaxon.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: {{ .Values.mode }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The port readiness and liveness probes use: the API of the mode. */}}
{{- define "klaxon.probePort" -}}
{{- if eq .Values.mode "run" -}}web{{- else -}}http{{- end -}}
{{- end -}}

{{/* Whether replicas gossip: always for the Alertmanager (as upstream, which listens on
9094 by default), for klaxon run when there are several replicas. "true" or empty. */}}
{{- define "klaxon.clustered" -}}
{{- if or (eq .Values.mode "alertmanager") (gt (int .Values.replicaCount) 1) -}}true{{- end -}}
{{- end -}}
