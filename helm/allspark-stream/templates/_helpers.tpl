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
{{- with .Values.kafka.sasl.existingSecret }}
- name: ALLSPARK_KAFKA_SASL_JAAS_CONFIG
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.kafka.sasl.jaasConfigKey }}
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

{{- define "allspark.envFrom" -}}
- configMapRef:
    name: {{ include "allspark.fullname" . }}
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

{{- define "allspark.probes" -}}
readinessProbe:
  httpGet: {path: /health, port: http}
  periodSeconds: 10
  failureThreshold: 3
livenessProbe:
  httpGet: {path: /health/live, port: http}
  initialDelaySeconds: 30
  periodSeconds: 20
  failureThreshold: 3
{{- end -}}

{{- define "allspark.validate" -}}
{{- if not .Values.kafka.bootstrap -}}
{{- fail "kafka.bootstrap is required: the Kafka bootstrap servers, HOST:PORT[,HOST:PORT]" -}}
{{- end -}}
{{- if and (hasPrefix "SASL" .Values.kafka.securityProtocol) (not .Values.kafka.sasl.existingSecret) -}}
{{- fail "kafka.securityProtocol is SASL_*: set kafka.sasl.existingSecret to the Secret with the JAAS configuration" -}}
{{- end -}}
{{- if and (hasSuffix "SSL" .Values.kafka.securityProtocol) (not .Values.kafka.tls.existingSecret) -}}
{{- fail "kafka.securityProtocol uses SSL: set kafka.tls.existingSecret to the Secret with the truststore" -}}
{{- end -}}
{{- if and .Values.bridge.enabled (not .Values.bridge.sharedToken) (not .Values.bridge.labelersSecret) -}}
{{- fail "bridge.sharedToken is false: set bridge.labelersSecret to the Secret with the per-labeler tokens file (key: labelers), or nobody can sign in" -}}
{{- end -}}
{{- end -}}
