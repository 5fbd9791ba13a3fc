{{/* Names */}}
{{- define "allspark.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "allspark.fullname" -}}
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

{{/* Labels; call with (dict "root" $ "component" "inference") */}}
{{- define "allspark.selectorLabels" -}}
app.kubernetes.io/name: {{ include "allspark.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "allspark.labels" -}}
{{ include "allspark.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Image of a service; call with (dict "root" $ "service" "trainer" "gpu" true) */}}
{{- define "allspark.image" -}}
{{- $img := .root.Values.image -}}
{{- $tag := default .root.Chart.AppVersion $img.tag -}}
{{- printf "%s/%s-%s:%s%s" $img.registry $img.repository .service $tag (ternary "-gpu" "" (default false .gpu)) -}}
{{- end -}}

{{/* Pod annotations: config checksums roll pods on change; Prometheus scraping */}}
{{- define "allspark.podAnnotations" -}}
checksum/config: {{ include (print .root.Template.BasePath "/configmap.yaml") .root | sha256sum }}
{{- if .secret }}
checksum/secret: {{ include (print .root.Template.BasePath "/bridge-secret.yaml") .root | sha256sum }}
{{- end }}
{{- if .root.Values.metrics.scrape }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- end -}}

{{/* Settings every service shares: the ConfigMap, and the Kafka secrets */}}
{{- define "allspark.commonEnv" -}}
- name: JAVA_TOOL_OPTIONS
  value: "-XX:MaxRAMPercentage=75"
{{- with .Values.nativeMemory.glibcTunables }}
- name: GLIBC_TUNABLES
  value: {{ . | quote }}
{{- end }}
{{- range $name, $ref := .Values.extraSecretEnv }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ required (printf "extraSecretEnv.%s.secret is required" $name) $ref.secret }}
      key: {{ required (printf "extraSecretEnv.%s.key is required" $name) $ref.key }}
{{- end }}
{{- with (ternary "" .Values.kafka.sasl.existingSecret (and .Values.strimzi.enabled .Values.strimzi.users)) }}
- name: ALLSPARK_KAFKA_SASL_JAAS_CONFIG
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.kafka.sasl.jaasConfigKey }}
{{- end }}
{{- with .Values.schemaRegistry.basicAuth.existingSecret }}
- name: ALLSPARK_SCHEMA_REGISTRY_BASIC_AUTH
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.schemaRegistry.basicAuth.key }}
{{- end }}
{{- with .Values.kafka.tls.existingSecret }}
- name: ALLSPARK_KAFKA_SSL_TRUSTSTORE_LOCATION
  value: /etc/allspark/kafka-tls/{{ $.Values.kafka.tls.truststoreKey }}
- name: ALLSPARK_KAFKA_SSL_TRUSTSTORE_TYPE
  value: PKCS12
- name: ALLSPARK_KAFKA_SSL_TRUSTSTORE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.kafka.tls.passwordKey }}
{{- end }}
{{- end -}}

{{/* With strimzi.users, each service signs in as its own KafkaUser; call with (dict "root" $ "component" "inference") */}}
{{- define "allspark.kafkaUser" -}}
{{- if and .root.Values.strimzi.enabled .root.Values.strimzi.users }}
- name: ALLSPARK_KAFKA_SASL_JAAS_CONFIG
  valueFrom:
    secretKeyRef:
      name: {{ printf "%s-%s" (include "allspark.fullname" .root) .component }}
      key: sasl.jaas.config
{{- end }}
{{- end -}}

{{- define "allspark.envFrom" -}}
- configMapRef:
    name: {{ include "allspark.fullname" . }}
{{- with .Values.extraEnvFrom }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The pods' ServiceAccount */}}
{{- define "allspark.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "allspark.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* ServiceAccount, affinity and topology spread of a pod; call with (dict "root" $ "component" "inference") */}}
{{- define "allspark.podScheduling" -}}
serviceAccountName: {{ include "allspark.serviceAccountName" .root }}
{{- with .root.Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- range . }}
  {{- $t := deepCopy . }}
  {{- if not (hasKey $t "labelSelector") }}
  {{- $_ := set $t "labelSelector" (dict "matchLabels" (include "allspark.selectorLabels" $ | fromYaml)) }}
  {{- end }}
  - {{- toYaml $t | nindent 4 }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* Writable /tmp (DJL extracts its natives there) and the Kafka truststore */}}
{{- define "allspark.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.kafka.tls.existingSecret }}
- name: kafka-tls
  mountPath: /etc/allspark/kafka-tls
  readOnly: true
{{- end }}
{{- end -}}

{{- define "allspark.volumes" -}}
- name: tmp
  emptyDir: {}
{{- with .Values.kafka.tls.existingSecret }}
- name: kafka-tls
  secret:
    secretName: {{ . }}
{{- end }}
{{- end -}}

{{/* Extra ALLSPARK_* settings from a map */}}
{{- define "allspark.extraEnv" -}}
{{- range $k, $v := . }}
- name: {{ $k }}
  value: {{ $v | quote }}
{{- end }}
{{- end -}}

{{/* Probes: startup (libtorch and the first model can take a minute), then liveness; readiness is
     /health, which each service answers 200 only when it does its job (inference: a model is
     loaded and frames are consumed; bridge: the join topology runs; trainer: training runs;
     ingest: its source works) */}}
{{- define "allspark.probes" -}}
startupProbe:
  httpGet: {path: /health/live, port: http}
  periodSeconds: {{ .Values.startupProbe.periodSeconds }}
  failureThreshold: {{ .Values.startupProbe.failureThreshold }}
readinessProbe:
  httpGet: {path: /health, port: http}
  periodSeconds: 10
  failureThreshold: 3
livenessProbe:
  httpGet: {path: /health/live, port: http}
  periodSeconds: 20
  failureThreshold: 3
{{- end -}}

{{- define "allspark.validate" -}}
{{- if not .Values.kafka.bootstrap -}}
{{- fail "kafka.bootstrap is required: the Kafka bootstrap servers, HOST:PORT[,HOST:PORT]" -}}
{{- end -}}
{{- if and .Values.strimzi.enabled .Values.strimzi.users (not (and (hasPrefix "SASL" .Values.kafka.securityProtocol) (eq .Values.kafka.sasl.mechanism "SCRAM-SHA-512"))) -}}
{{- fail "strimzi.users signs every service in as a SCRAM-SHA-512 KafkaUser: set kafka.securityProtocol to SASL_PLAINTEXT or SASL_SSL and kafka.sasl.mechanism to SCRAM-SHA-512" -}}
{{- end -}}
{{- if and (hasPrefix "SASL" .Values.kafka.securityProtocol) (not .Values.kafka.sasl.existingSecret) (not (and .Values.strimzi.enabled .Values.strimzi.users)) -}}
{{- fail "kafka.securityProtocol is SASL_*: set kafka.sasl.existingSecret to the Secret with the JAAS configuration" -}}
{{- end -}}
{{- if and (hasSuffix "SSL" .Values.kafka.securityProtocol) (not .Values.kafka.tls.existingSecret) -}}
{{- fail "kafka.securityProtocol uses SSL: set kafka.tls.existingSecret to the Secret with the truststore" -}}
{{- end -}}
{{- if not (has .Values.logs.format (list "text" "json")) -}}
{{- fail (printf "logs.format must be text or json, got '%s'" .Values.logs.format) -}}
{{- end -}}
{{- range $topic, $n := .Values.partitions -}}
{{- if not (hasKey (include "allspark.topicCatalog" $ | fromYaml) $topic) -}}
{{- fail (printf "partitions.%s: no topic is named '%s' (topics: %s)" $topic $topic (keys (include "allspark.topicCatalog" $ | fromYaml) | sortAlpha | join ", ")) -}}
{{- end -}}
{{- if eq (index (index (include "allspark.topicCatalog" $ | fromYaml) $topic).config "cleanup.policy") "compact" -}}
{{- fail (printf "partitions.%s: a compacted topic keeps its partitions (its keys would move to other partitions while their old values stay); only delete-policy topics can be given partitions" $topic) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.bridge.enabled (not .Values.bridge.sharedToken) (not .Values.bridge.labelersSecret) -}}
{{- fail "bridge.sharedToken is false: set bridge.labelersSecret to the Secret with the per-labeler tokens file (key: labelers), or nobody can sign in" -}}
{{- end -}}
{{- end -}}
