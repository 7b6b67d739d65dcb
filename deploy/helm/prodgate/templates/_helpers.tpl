{{/* The chart's name, or nameOverride. */}}
{{- define "prodgate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: the prefix of every object (63 characters, a DNS label). */}}
{{- define "prodgate.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "prodgate.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Helm's recommended standard labels. */}}
{{- define "prodgate.labels" -}}
helm.sh/chart: {{ include "prodgate.chart" . }}
{{ include "prodgate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The labels selectors match: never change them, a Deployment's selector is immutable. */}}
{{- define "prodgate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "prodgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "prodgate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "prodgate.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "prodgate.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* true when the replicas share PostgreSQL; empty (false) on the embedded SQLite database. */}}
{{- define "prodgate.postgres" -}}
{{- if or .Values.postgres.url .Values.postgres.existingSecret }}true{{ end }}
{{- end }}

{{/* true when a policy file is mounted; empty: the built-in standard. */}}
{{- define "prodgate.policy" -}}
{{- if or .Values.policy.content .Values.policy.existingConfigMap }}true{{ end }}
{{- end }}

{{/* true when the chart makes the Secret (HMAC keys and/or the PostgreSQL URL). */}}
{{- define "prodgate.chartSecret" -}}
{{- if or (and .Values.hmac.key (not .Values.hmac.existingSecret)) (and .Values.postgres.url (not .Values.postgres.existingSecret)) }}true{{ end }}
{{- end }}

{{- define "prodgate.externalURL" -}}
{{- if .Values.config.externalURL }}
{{- .Values.config.externalURL | trimSuffix "/" }}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts }}
{{- printf "https://%s" (first .Values.ingress.hosts).host }}
{{- end }}
{{- end }}

{{/*
Settings the chart cannot run with, refused at render time with what to change
rather than left to a pod that crash-loops.
*/}}
{{- define "prodgate.validate" -}}
{{- $postgres := include "prodgate.postgres" . }}
{{- if and (not $postgres) (gt (int .Values.replicaCount) 1) }}
{{- fail (printf "replicaCount is %d, but the embedded SQLite database runs exactly one replica (a second process on the same files is refused): set postgres.url or postgres.existingSecret to scale out, or replicaCount: 1" (int .Values.replicaCount)) }}
{{- end }}
{{- if and (not $postgres) .Values.autoscaling.enabled }}
{{- fail "autoscaling.enabled needs PostgreSQL: the embedded SQLite database runs exactly one replica; set postgres.url or postgres.existingSecret" }}
{{- end }}
{{- if and .Values.postgres.url .Values.postgres.existingSecret }}
{{- fail "set one of postgres.url and postgres.existingSecret, not both" }}
{{- end }}
{{- if and .Values.postgres.url (not (regexMatch "^postgres(ql)?://" .Values.postgres.url)) }}
{{- fail "postgres.url must start with postgres:// or postgresql://" }}
{{- end }}
{{- if not (or .Values.hmac.key .Values.hmac.existingSecret) }}
{{- fail "no HMAC key: set hmac.key (or hmac.existingSecret) to the run task's HMAC key; prodgate refuses unsigned requests and will not start without one" }}
{{- end }}
{{- if and .Values.hmac.key .Values.hmac.existingSecret }}
{{- fail "set one of hmac.key and hmac.existingSecret, not both" }}
{{- end }}
{{- if and .Values.hmac.previousKey .Values.hmac.existingSecret }}
{{- fail "hmac.previousKey is ignored with hmac.existingSecret: put the previous key in that Secret under hmac.existingSecretPreviousKey" }}
{{- end }}
{{- if and .Values.policy.content .Values.policy.existingConfigMap }}
{{- fail "set one of policy.content and policy.existingConfigMap, not both" }}
{{- end }}
{{- end }}
