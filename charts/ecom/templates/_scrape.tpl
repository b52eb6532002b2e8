{{/*
Scrape wiring (metrics.scrape): a workload opts into the operator's scrape controller with the
label ecom.dev/scrape=true and says where its metrics are with annotations; the operator keeps a
PodMonitor for it (operator/src/controllers/scrape). Call with (dict "root" $ "port" "<port name>").
*/}}
{{- define "ecom.scrapeLabels" -}}
{{- if .root.Values.metrics.scrape.enabled }}
ecom.dev/scrape: "true"
{{- end }}
{{- end }}

{{- define "ecom.scrapeAnnotations" -}}
{{- if .root.Values.metrics.scrape.enabled }}
ecom.dev/scrape-port: {{ .port | quote }}
ecom.dev/scrape-path: /metrics
ecom.dev/scrape-interval: {{ .root.Values.metrics.scrape.interval | quote }}
{{- end }}
{{- end }}
