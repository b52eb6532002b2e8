{{/* Lag autoscaling (consumerautoscalers.yaml, services.yaml) --------------------------------- */}}

{{/*
"true" when a ConsumerAutoscaler scales this service's Deployment; call with (dict "root" $ "svc" $svc).
Without the operator nothing would scale it, so the Deployment then keeps services.<name>.replicas.
*/}}
{{- define "ecom.autoscaled" -}}
{{- $a := .svc.autoscaling | default dict -}}
{{- if and .root.Values.operator.enabled .root.Values.autoscaling.enabled $a.enabled -}}true{{- end -}}
{{- end }}

{{/*
The partitions of a service's topics, summed over .Values.topics (matched by Kafka topic name): the
most consumers of its group that get a partition. Call with (dict "root" $ "name" $name "svc" $svc).
*/}}
{{- define "ecom.autoscalingPartitions" -}}
{{- $total := 0 -}}
{{- range $wanted := .svc.autoscaling.topics -}}
{{- $partitions := 0 -}}
{{- range $.root.Values.topics -}}
{{- if eq (.topicName | default .name) $wanted -}}{{- $partitions = int .partitions -}}{{- end -}}
{{- end -}}
{{- if eq $partitions 0 -}}
{{- fail (printf "services.%s.autoscaling.topics: %s is not in .Values.topics, so the chart cannot count its partitions (the cap on replicas): add it there, or remove it here" $.name $wanted) -}}
{{- end -}}
{{- $total = add $total $partitions -}}
{{- end -}}
{{- $total -}}
{{- end }}
