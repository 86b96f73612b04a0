{{/* Chart name, truncated for DNS labels. */}}
{{- define "svc.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Fully qualified name. The release name alone when it already contains the chart name, so
`helm install order-gateway helm/order-gateway` gives a Service `order-gateway`.
*/}}
{{- define "svc.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "svc.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object; the component label tells app pods from migration/test pods. */}}
{{- define "svc.commonLabels" -}}
helm.sh/chart: {{ include "svc.chart" . }}
app.kubernetes.io/name: {{ include "svc.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: order-platform
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selects the app's pods only (never the migration Job's or the test's). */}}
{{- define "svc.selectorLabels" -}}
app.kubernetes.io/name: {{ include "svc.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end -}}

{{- define "svc.labels" -}}
{{ include "svc.commonLabels" . }}
app.kubernetes.io/component: server
{{- end -}}

{{- define "svc.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "svc.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "svc.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Name of the Secret holding DATABASE_URL, REDIS_URL, AUTH_JWT_SECRET. */}}
{{- define "svc.secretName" -}}
{{- default (include "svc.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{/*
Fails the render when the chart must create the Secret but a value is missing, or when an
optional secret (never taken from values) is asked for without an existing Secret.
*/}}
{{- define "svc.checkSecrets" -}}
{{- if not .Values.secrets.existingSecret -}}
{{- range $key := keys .Values.secrets.existingSecretKeys | sortAlpha -}}
{{- $_ := required (printf "secrets.values.%s is required when secrets.existingSecret is empty" $key) (get $.Values.secrets.values $key) -}}
{{- end -}}
{{- range $key, $secretKey := .Values.secrets.optionalSecretKeys -}}
{{- if $secretKey -}}
{{- fail (printf "secrets.optionalSecretKeys.%s needs secrets.existingSecret: such secrets come from an existing Secret only" $key) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Secret environment variables. With an existing Secret its keys are mapped by
secrets.existingSecretKeys; otherwise the chart's own Secret uses the variable names.
*/}}
{{- define "svc.secretEnv" -}}
{{- $secret := include "svc.secretName" . -}}
{{- range $var := keys .Values.secrets.existingSecretKeys | sortAlpha }}
- name: {{ $var }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ ternary (get $.Values.secrets.existingSecretKeys $var) $var (not (empty $.Values.secrets.existingSecret)) }}
{{- end }}
{{- include "svc.optionalSecretEnv" (dict "root" . "migration" false) }}
{{- end -}}

{{/* The migration Job's secrets: the app's, plus the migration role (MIGRATION_DATABASE_URL). */}}
{{- define "svc.migrationSecretEnv" -}}
{{- include "svc.secretEnv" . }}
{{- include "svc.optionalSecretEnv" (dict "root" . "migration" true) }}
{{- end -}}

{{/* Optional secrets mapped to a key of the existing Secret; MIGRATION_DATABASE_URL for the migration Job only. */}}
{{- define "svc.optionalSecretEnv" -}}
{{- $root := .root -}}
{{- range $var := keys $root.Values.secrets.optionalSecretKeys | sortAlpha }}
{{- $key := get $root.Values.secrets.optionalSecretKeys $var }}
{{- if and $key (eq (eq $var "MIGRATION_DATABASE_URL") $.migration) }}
- name: {{ $var }}
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.secrets.existingSecret }}
      key: {{ $key }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The TLS files Secret (tlsSecret.name), as a volume and its read-only mount. */}}
{{- define "svc.tlsVolume" -}}
{{- with .Values.tlsSecret.name }}
- name: tls
  secret:
    secretName: {{ . }}
{{- end }}
{{- end -}}

{{- define "svc.tlsVolumeMount" -}}
{{- if .Values.tlsSecret.name }}
- name: tls
  mountPath: {{ .Values.tlsSecret.mountPath }}
  readOnly: true
{{- end }}
{{- end -}}

{{/* The whole config as a literal env list: for the migration hook, which runs before the ConfigMap exists. */}}
{{- define "svc.configEnv" -}}
{{- range $k, $v := .Values.config }}
- name: {{ $k }}
  value: {{ $v | toString | quote }}
{{- end }}
- name: PORT
  value: {{ .Values.containerPort | toString | quote }}
{{- end -}}

{{- define "svc.podSecurity" -}}
{{- with .Values.podSecurityContext }}
securityContext:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
