package dev.allspark.schemas.kafka;

import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.CheckpointRecord;
import dev.allspark.schemas.LabelClaim;
import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.LabelReview;
import dev.allspark.schemas.LabeledFrame;
import dev.allspark.schemas.Segmentation;
import java.util.Locale;
import org.apache.avro.specific.SpecificRecord;

/**
 * Every topic of the product with its defaults (DESIGN.md, "Topics"). Names are configurable
 * through {@link TopicCatalog}; the rest are the settings {@link TopicsInitializer} creates them
 * with. Sizes are in bytes ({@code 10 << 20} = 10 MiB).
 */
public enum Topic {
  CAMERA_FRAMES("camera.frames", "camera id", CameraFrame.class, 6, false, 10 << 20, 7),
  FRAMES_TO_LABEL("frames.to-label", "frame id", LabelRequest.class, 3, true, 10 << 20, -1),
  LABELS_MASKS("labels.masks", "frame id", LabelMask.class, 3, true, 4 << 20, -1),
  /** The labelers' claims on requested frames: small, one partition, read whole at start. */
  LABELS_CLAIMS("labels.claims", "frame id", LabelClaim.class, 1, true, 64 << 10, -1),
  /** Masks waiting for (or sent back by) a reviewer, where review is on. */
  LABELS_REVIEW("labels.review", "frame id", LabelReview.class, 1, true, 4 << 20, -1),
  FRAMES_LABELED("frames.labeled", "frame id", LabeledFrame.class, 3, true, 14 << 20, -1),
  SEGMENTATIONS("segmentations", "frame id", Segmentation.class, 6, false, 4 << 20, 7),
  /** One partition: chunks and manifests of a version stay in order. */
  MODEL_CHECKPOINTS(
      "model.checkpoints", "version/chunk key", CheckpointRecord.class, 1, true, 2 << 20, -1),
  CAMERA_FRAMES_DLQ("camera.frames.dlq", "as source", null, 1, false, 16 << 20, 30),
  LABELS_MASKS_DLQ("labels.masks.dlq", "as source", null, 1, false, 16 << 20, 30),
  FRAMES_LABELED_DLQ("frames.labeled.dlq", "as source", null, 1, false, 16 << 20, 30);

  private final String defaultName;
  private final String key;
  private final Class<? extends SpecificRecord> valueType;
  private final int defaultPartitions;
  private final boolean compacted;
  private final int maxMessageBytes;
  private final int retentionDays;

  Topic(
      String defaultName,
      String key,
      Class<? extends SpecificRecord> valueType,
      int defaultPartitions,
      boolean compacted,
      int maxMessageBytes,
      int retentionDays) {
    this.defaultName = defaultName;
    this.key = key;
    this.valueType = valueType;
    this.defaultPartitions = defaultPartitions;
    this.compacted = compacted;
    this.maxMessageBytes = maxMessageBytes;
    this.retentionDays = retentionDays;
  }

  public String defaultName() {
    return defaultName;
  }

  /** What the record key holds (all keys are UTF-8 strings). */
  public String key() {
    return key;
  }

  /** The Avro value type, or null for a DLQ (which keeps the rejected record's raw bytes). */
  public Class<? extends SpecificRecord> valueType() {
    return valueType;
  }

  public int defaultPartitions() {
    return defaultPartitions;
  }

  /** {@code cleanup.policy=compact} when true, else {@code delete}. */
  public boolean compacted() {
    return compacted;
  }

  public String cleanupPolicy() {
    return compacted ? "compact" : "delete";
  }

  /** The topic's {@code max.message.bytes}: producers must allow as much. */
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  /** Retention in days for delete-policy topics; -1 for compacted ones (kept forever). */
  public int retentionDays() {
    return retentionDays;
  }

  /** The setting that renames this topic, e.g. {@code allspark.topic.camera-frames}. */
  public String nameSetting() {
    return "allspark.topic." + name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The environment variable that renames it, e.g. {@code ALLSPARK_TOPIC_CAMERA_FRAMES}. */
  public String nameEnvironmentVariable() {
    return "ALLSPARK_TOPIC_" + name();
  }
}
