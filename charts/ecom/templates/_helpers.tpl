{{/* Names ------------------------------------------------------------------------------------- */}}
{{- define "ecom.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ecom.fullname" -}}
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

{{/* "<fullname>-<component>", e.g. ecom-order */}}
{{- define "ecom.componentName" -}}
{{- printf "%s-%s" (include "ecom.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels ------------------------------------------------------------------------------------ */}}
{{- define "ecom.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/part-of: ecom
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}

{{/* Selector labels of one component; call with (dict "root" $ "component" "order") */}}
{{- define "ecom.selectorLabels" -}}
app.kubernetes.io/name: {{ .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{- define "ecom.componentLabels" -}}
{{ include "ecom.labels" .root }}
{{ include "ecom.selectorLabels" . }}
app.kubernetes.io/component: {{ .kind | default "service" }}
{{- end }}

{{/* Image ------------------------------------------------------------------------------------- */}}
{{- define "ecom.image" -}}
{{- $img := .Values.image -}}
{{- if $img.digest -}}
{{- printf "%s@%s" $img.repository $img.digest -}}
{{- else -}}
{{- if or (not $img.tag) (eq (toString $img.tag) "latest") -}}
{{- fail "image.tag must be a pinned version (not empty, not \"latest\"), or set image.digest" -}}
{{- end -}}
{{- printf "%s:%s" $img.repository (toString $img.tag) -}}
{{- end -}}
{{- end }}

{{/* Security contexts -------------------------------------------------------------------------- */}}
{{- define "ecom.podSecurityContext" -}}
{{ toYaml .Values.podSecurityContext }}
{{- end }}

{{/* The restricted container context; liveUpdate (Tilt only) keeps the root filesystem writable. */}}
{{- define "ecom.containerSecurityContext" -}}
{{- $ctx := deepCopy .Values.containerSecurityContext -}}
{{- if .Values.liveUpdate }}{{- $_ := set $ctx "readOnlyRootFilesystem" false -}}{{- end -}}
{{ toYaml $ctx }}
{{- end }}

{{/* Kafka, database ------------------------------------------------------------------------------ */}}
{{- define "ecom.kafkaBrokers" -}}
{{- if .Values.kafka.enabled -}}
{{- printf "%s-kafka-bootstrap.%s.svc:9092" .Values.kafka.name .Release.Namespace -}}
{{- else if .Values.kafka.externalBrokers -}}
{{- .Values.kafka.externalBrokers -}}
{{- else -}}
{{- fail "Kafka: set kafka.enabled=true (a Strimzi Kafka cluster) or kafka.externalBrokers=host:port[,host:port]" -}}
{{- end -}}
{{- end }}

{{- define "ecom.operatorMode" -}}
{{- .Values.operator.mode | default (ternary "strimzi" "direct" .Values.kafka.enabled) -}}
{{- end }}

{{/* Secret name and key that hold DATABASE_URL. */}}
{{- define "ecom.databaseSecretName" -}}
{{- if or .Values.database.url .Values.postgresql.enabled -}}
{{- printf "%s-database" (include "ecom.fullname" .) -}}
{{- else if .Values.database.existingSecret -}}
{{- .Values.database.existingSecret -}}
{{- else -}}
{{- fail "database: set database.url, database.existingSecret, or postgresql.enabled=true (dev). Without one the services would keep their data in memory." -}}
{{- end -}}
{{- end }}

{{- define "ecom.databaseSecretKey" -}}
{{- if or .Values.database.url .Values.postgresql.enabled -}}url{{- else -}}{{ .Values.database.existingSecretKey }}{{- end -}}
{{- end }}

{{/* NetworkPolicy egress rules (networkpolicy.yaml) ------------------------------------------- */}}
{{- define "ecom.np.dns" -}}
- to:
    {{- with .Values.networkPolicy.dns.cidrs }}
    {{- range . }}
    - ipBlock: { cidr: {{ . }} }
    {{- end }}
    {{- else }}
    - namespaceSelector:
        matchLabels: { kubernetes.io/metadata.name: {{ .Values.networkPolicy.dns.namespace }} }
      podSelector:
        matchLabels:
          {{- toYaml .Values.networkPolicy.dns.podLabels | nindent 10 }}
    {{- end }}
  ports:
    - { port: 53, protocol: UDP }
    - { port: 53, protocol: TCP }
{{- end }}

{{- define "ecom.np.kafka" -}}
{{- if .Values.kafka.enabled }}
- to:
    - podSelector:
        matchLabels: { strimzi.io/cluster: {{ .Values.kafka.name }}, strimzi.io/kind: Kafka }
  ports:
    - { port: 9092, protocol: TCP }
{{- else }}
- to:
    {{- range .Values.networkPolicy.externalKafka.cidrs }}
    - ipBlock: { cidr: {{ . }} }
    {{- end }}
  ports:
    {{- range .Values.networkPolicy.externalKafka.ports }}
    - { port: {{ . }}, protocol: TCP }
    {{- end }}
{{- end }}
{{- end }}
