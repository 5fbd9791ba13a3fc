{{/*
 The topic catalog (schemas/kafka/Topic and TopicCatalog.configs, which HelmChartTest compares
 this with): the Strimzi KafkaTopics are rendered from it. Keys are the catalog names.
*/}}
{{- define "allspark.topicCatalog" -}}
camera.frames:
  env: CAMERA_FRAMES
  partitions: 6
  config:
    cleanup.policy: delete
    max.message.bytes: "10485760"
    retention.ms: "604800000"
frames.to-label:
  env: FRAMES_TO_LABEL
  partitions: 3
  config:
    cleanup.policy: compact
    max.message.bytes: "10485760"
labels.masks:
  env: LABELS_MASKS
  partitions: 3
  config:
    cleanup.policy: compact
    max.message.bytes: "4194304"
labels.claims:
  env: LABELS_CLAIMS
  partitions: 1
  config:
    cleanup.policy: compact
    max.message.bytes: "65536"
labels.review:
  env: LABELS_REVIEW
  partitions: 1
  config:
    cleanup.policy: compact
    max.message.bytes: "4194304"
frames.labeled:
  env: FRAMES_LABELED
  partitions: 3
  config:
    cleanup.policy: compact
    max.message.bytes: "14680064"
segmentations:
  env: SEGMENTATIONS
  partitions: 6
  config:
    cleanup.policy: delete
    max.message.bytes: "4194304"
    retention.ms: "604800000"
model.checkpoints:
  env: MODEL_CHECKPOINTS
  partitions: 1
  config:
    cleanup.policy: compact
    max.message.bytes: "2097152"
    segment.bytes: "67108864"
    min.cleanable.dirty.ratio: "0.1"
    delete.retention.ms: "86400000"
camera.frames.dlq:
  env: CAMERA_FRAMES_DLQ
  partitions: 1
  config:
    cleanup.policy: delete
    max.message.bytes: "16777216"
    retention.ms: "2592000000"
labels.masks.dlq:
  env: LABELS_MASKS_DLQ
  partitions: 1
  config:
    cleanup.policy: delete
    max.message.bytes: "16777216"
    retention.ms: "2592000000"
frames.labeled.dlq:
  env: FRAMES_LABELED_DLQ
  partitions: 1
  config:
    cleanup.policy: delete
    max.message.bytes: "16777216"
    retention.ms: "2592000000"
{{- end -}}
