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

{{/* Kafka -------------------------------------------------------------------------------------- */}}
{{- /* The Strimzi cluster's TLS listener (kafka.yaml): SCRAM-SHA-512, the only one clients reach. */}}
{{- define "ecom.kafkaTlsPort" -}}9093{{- end }}

{{- define "ecom.kafkaBrokers" -}}
{{- if .Values.kafka.enabled -}}
{{- printf "%s-kafka-bootstrap.%s.svc:%s" .Values.kafka.name .Release.Namespace (include "ecom.kafkaTlsPort" .) -}}
{{- else if .Values.kafka.externalBrokers -}}
{{- .Values.kafka.externalBrokers -}}
{{- else -}}
{{- fail "Kafka: set kafka.enabled=true (a Strimzi Kafka cluster) or kafka.externalBrokers=host:port[,host:port]" -}}
{{- end -}}
{{- end }}

{{- /* plaintext | ssl | sasl_ssl: the Strimzi cluster is always sasl_ssl, external brokers as configured. */}}
{{- define "ecom.kafkaProtocol" -}}
{{- if .Values.kafka.enabled -}}sasl_ssl{{- else -}}{{ .Values.kafka.external.securityProtocol }}{{- end -}}
{{- end }}

{{- /* The Secret with the brokers' CA (name and key); empty: none mounted (plaintext, or the system's CAs). */}}
{{- define "ecom.kafkaCaSecret" -}}
{{- if .Values.kafka.enabled -}}
{{- toJson (dict "name" (printf "%s-cluster-ca-cert" .Values.kafka.name) "key" "ca.crt") -}}
{{- else if and (ne .Values.kafka.external.securityProtocol "plaintext") .Values.kafka.external.caSecret.name -}}
{{- toJson .Values.kafka.external.caSecret -}}
{{- end -}}
{{- end }}

{{- /*
The Secret holding one component's SASL password (key "password"): the KafkaUser's, which Strimzi
creates under the KafkaUser's name (kafkausers.yaml), or the one named in kafka.external.userSecrets.
Call with (dict "root" $ "component" "order").
*/}}
{{- define "ecom.kafkaUserSecret" -}}
{{- if .root.Values.kafka.enabled -}}
{{- include "ecom.componentName" . -}}
{{- else -}}
{{- required (printf "kafka.external.userSecrets.%s: the Secret (keys username, password) of %s's Kafka user is required with securityProtocol sasl_ssl" .component .component) (get .root.Values.kafka.external.userSecrets .component) -}}
{{- end -}}
{{- end }}

{{- /* The kit's Kafka client settings of one component, (dict "root" $ "component" "order"), as env entries. */}}
{{- define "ecom.kafkaEnv" -}}
{{- $protocol := include "ecom.kafkaProtocol" .root }}
- { name: KAFKA_SECURITY_PROTOCOL, value: {{ $protocol }} }
{{- if include "ecom.kafkaCaSecret" .root }}
- { name: KAFKA_SSL_CA_FILE, value: /etc/ecom/kafka/ca/ca.crt }
{{- end }}
{{- if eq $protocol "sasl_ssl" }}
- { name: KAFKA_SASL_MECHANISM, value: {{ ternary "scram-sha-512" .root.Values.kafka.external.saslMechanism .root.Values.kafka.enabled }} }
{{- if .root.Values.kafka.enabled }}
- { name: KAFKA_SASL_USERNAME, value: {{ include "ecom.kafkaUserSecret" . }} }
{{- else }}
- name: KAFKA_SASL_USERNAME
  valueFrom: { secretKeyRef: { name: {{ include "ecom.kafkaUserSecret" . }}, key: username } }
{{- end }}
- { name: KAFKA_SASL_PASSWORD_FILE, value: /etc/ecom/kafka/user/password }
{{- end }}
{{- end }}

{{- define "ecom.kafkaVolumeMounts" -}}
{{- if include "ecom.kafkaCaSecret" .root }}
- { name: kafka-ca, mountPath: /etc/ecom/kafka/ca, readOnly: true }
{{- end }}
{{- if eq (include "ecom.kafkaProtocol" .root) "sasl_ssl" }}
- { name: kafka-user, mountPath: /etc/ecom/kafka/user, readOnly: true }
{{- end }}
{{- end }}

{{- /* Only the keys the client reads: the CA certificate, the password (not sasl.jaas.config). */}}
{{- define "ecom.kafkaVolumes" -}}
{{- with include "ecom.kafkaCaSecret" .root }}
{{- $ca := fromJson . }}
- name: kafka-ca
  secret:
    secretName: {{ $ca.name }}
    defaultMode: 0440
    items: [{ key: {{ $ca.key | quote }}, path: ca.crt }]
{{- end }}
{{- if eq (include "ecom.kafkaProtocol" .root) "sasl_ssl" }}
- name: kafka-user
  secret:
    secretName: {{ include "ecom.kafkaUserSecret" . }}
    defaultMode: 0440
    items: [{ key: password, path: password }]
{{- end }}
{{- end }}

{{- /*
The operator's --replay-kafka-file flags: the Secret key behind each file of ecom.kafkaVolumes, so its
DeadLetterReplay Jobs mount them at the same paths (operator/src/controllers/deadletterreplay/kafka-access.ts).
*/}}
{{- define "ecom.replayKafkaFileFlags" -}}
{{- with include "ecom.kafkaCaSecret" .root }}
{{- $ca := fromJson . }}
- --replay-kafka-file=/etc/ecom/kafka/ca/ca.crt={{ $ca.name }}/{{ $ca.key }}
{{- end }}
{{- if eq (include "ecom.kafkaProtocol" .root) "sasl_ssl" }}
- --replay-kafka-file=/etc/ecom/kafka/user/password={{ include "ecom.kafkaUserSecret" . }}/password
{{- end }}
{{- end }}

{{- define "ecom.operatorMode" -}}
{{- .Values.operator.mode | default (ternary "strimzi" "direct" .Values.kafka.enabled) -}}
{{- end }}

{{- /* What each component is granted (files/access.yaml, generated by local/scripts/chart-access.ts). */}}
{{- define "ecom.access" -}}
{{- .Files.Get "files/access.yaml" -}}
{{- end }}

{{/* Database ----------------------------------------------------------------------------------- */}}
{{- /* perService, unless database.credentials=shared; the dev PostgreSQL always makes one role per service. */}}
{{- define "ecom.databasePerService" -}}
{{- if or .Values.postgresql.enabled (eq .Values.database.credentials "perService") -}}true{{- end -}}
{{- end }}

{{- /* Secret name and key that hold one service's DATABASE_URL; call with (dict "root" $ "component" "order"). */}}
{{- define "ecom.databaseSecretName" -}}
{{- $db := .root.Values.database -}}
{{- if include "ecom.databasePerService" .root -}}
{{- if .root.Values.postgresql.enabled -}}
{{- printf "%s-database-%s" (include "ecom.fullname" .root) .component -}}
{{- else -}}
{{- get $db.serviceSecrets .component | default (printf "%s-database-%s" (include "ecom.fullname" .root) .component) -}}
{{- end -}}
{{- else if $db.url -}}
{{- printf "%s-database" (include "ecom.fullname" .root) -}}
{{- else if $db.existingSecret -}}
{{- $db.existingSecret -}}
{{- else -}}
{{- fail "database: with credentials=shared, set database.url or database.existingSecret (or use credentials=perService, or postgresql.enabled=true for dev). Without one the services would keep their data in memory." -}}
{{- end -}}
{{- end }}

{{- /*
The dev PostgreSQL's password of one service's role: derived from postgresql.password, so it stays
the same on every upgrade without a value per service (dev only: whoever has postgresql.password is
the superuser anyway). Call with (dict "root" $ "component" "order").
*/}}
{{- define "ecom.devDatabasePassword" -}}
{{- $pg := .root.Values.postgresql -}}
{{- printf "ecom-role:%s:%s" (required "postgresql.password is required when postgresql.enabled=true" $pg.password) .component | sha256sum | trunc 40 -}}
{{- end }}

{{- define "ecom.databaseSecretKey" -}}
{{- if or .root.Values.postgresql.enabled (and (not (include "ecom.databasePerService" .root)) .root.Values.database.url) -}}url{{- else -}}{{ .root.Values.database.existingSecretKey }}{{- end -}}
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

{{- /* The API server's addresses: networkPolicy.apiServer.cidrs, else the `kubernetes` EndpointSlice's
(looked up at install), else, rendered offline (helm template), the private ranges. */}}
{{- define "ecom.np.apiServer" -}}
{{- $np := .Values.networkPolicy }}
{{- $cidrs := $np.apiServer.cidrs }}
{{- if not $cidrs }}
{{- $slice := lookup "discovery.k8s.io/v1" "EndpointSlice" "default" "kubernetes" }}
{{- range ($slice.endpoints | default list) }}
{{- range .addresses }}{{ $cidrs = append $cidrs (printf "%s/%s" . (ternary "128" "32" (contains ":" .))) }}{{ end }}
{{- end }}
{{- end }}
- to:
    {{- range ($cidrs | default (list "10.0.0.0/8" "172.16.0.0/12" "192.168.0.0/16")) }}
    - ipBlock: { cidr: {{ . }} }
    {{- end }}
  ports:
    {{- range $np.apiServer.ports }}
    - { port: {{ . }}, protocol: TCP }
    {{- end }}
{{- end }}

{{- define "ecom.np.kafka" -}}
{{- if .Values.kafka.enabled }}
- to:
    - podSelector:
        matchLabels: { strimzi.io/cluster: {{ .Values.kafka.name }}, strimzi.io/kind: Kafka }
  ports:
    - { port: {{ include "ecom.kafkaTlsPort" . }}, protocol: TCP }
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
