package dev.allspark.schemas.kafka;

import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.CheckpointChunk;
import dev.allspark.schemas.CheckpointManifest;
import dev.allspark.schemas.CheckpointRecord;
import dev.allspark.schemas.ImageEncoding;
import dev.allspark.schemas.LabelClaim;
import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.LabelReason;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.LabelReview;
import dev.allspark.schemas.LabeledFrame;
import dev.allspark.schemas.ReviewState;
import dev.allspark.schemas.Segmentation;
import dev.allspark.schemas.SegmentationTimings;
import dev.allspark.schemas.TopicPartitionOffset;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/** One realistic value of every topic value type. */
final class SampleRecords {
  private SampleRecords() {}

  static final Instant T0 = Instant.parse("2026-11-23T10:15:30.123Z");

  static CameraFrame frame() {
    return CameraFrame.newBuilder()
        .setFrameId("veh-7/cam-front/000042")
        .setVehicleId("veh-7")
        .setCameraId("cam-front")
        .setCaptureTime(T0)
        .setWidth(480)
        .setHeight(360)
        .setEncoding(ImageEncoding.PNG)
        .setImage(ByteBuffer.wrap(new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3}))
        .setMetadata(Map.of("weather", "rain", "speedKmh", "42.5"))
        .build();
  }

  static LabelMask mask() {
    return LabelMask.newBuilder()
        .setFrameId("veh-7/cam-front/000042")
        .setMask(ByteBuffer.wrap(new byte[] {9, 8, 7}))
        .setWidth(480)
        .setHeight(360)
        .setClassSetVersion("camvid-11")
        .setLabeler("alice")
        .setLabeledAt(T0.plusSeconds(3600))
        .build();
  }

  static LabelRequest request() {
    return LabelRequest.newBuilder()
        .setFrameId("veh-7/cam-front/000042")
        .setFrame(frame())
        .setReason(LabelReason.UNCERTAINTY)
        .setScore(1.25f)
        .setModelVersion(12)
        .setRequestedAt(T0.plusSeconds(2))
        .build();
  }

  static LabeledFrame labeled() {
    return LabeledFrame.newBuilder()
        .setFrameId("veh-7/cam-front/000042")
        .setFrame(frame())
        .setMask(mask())
        .build();
  }

  static Segmentation segmentation() {
    return Segmentation.newBuilder()
        .setFrameId("veh-7/cam-front/000042")
        .setCameraId("cam-front")
        .setVehicleId("veh-7")
        .setModelVersion(12)
        .setWidth(480)
        .setHeight(360)
        .setMask(ByteBuffer.wrap(new byte[] {1, 1, 3}))
        .setClassPixelCounts(List.of(10L, 20L, 0L, 30L, 0L, 0L, 0L, 0L, 5L, 0L, 0L))
        .setMeanConfidence(0.81f)
        .setUncertainty(0.42f)
        .setTimings(
            SegmentationTimings.newBuilder()
                .setCaptured(T0)
                .setReceived(T0.plusMillis(15))
                .setModelDone(T0.plusMillis(60))
                .setProduced(T0.plusMillis(64))
                .build())
        .build();
  }

  static CheckpointRecord manifest() {
    return CheckpointRecord.newBuilder()
        .setBody(
            CheckpointManifest.newBuilder()
                .setVersion(13)
                .setParentVersion(12L)
                .setSha256("ab".repeat(32))
                .setSizeBytes(3_500_000)
                .setChunkCount(4)
                .setFormat("allspark-ckpt/1")
                .setMetrics(Map.of("mIoU", 0.512))
                .setWatermark(
                    List.of(
                        new TopicPartitionOffset("camera.frames", 0, 1234L),
                        new TopicPartitionOffset("frames.labeled", 2, 56L)))
                .setCreatedAt(T0)
                .build())
        .build();
  }

  static CheckpointRecord chunk() {
    return CheckpointRecord.newBuilder()
        .setBody(
            CheckpointChunk.newBuilder()
                .setVersion(13)
                .setIndex(2)
                .setCount(4)
                .setData(ByteBuffer.wrap(new byte[] {0, 1, 2, 3, 4, 5}))
                .build())
        .build();
  }

  static LabelClaim claim() {
    return LabelClaim.newBuilder()
        .setFrameId("cam-1/000042")
        .setLabeler("alice")
        .setClaimedAt(T0)
        .setExpiresAt(T0.plusSeconds(1800))
        .build();
  }

  static LabelReview review() {
    return LabelReview.newBuilder()
        .setFrameId("cam-1/000042")
        .setMask(mask())
        .setState(ReviewState.REJECTED)
        .setReviewer("rita")
        .setComment("the car's outline is off")
        .setAt(T0)
        .build();
  }

  /** Every value type, with the topic it belongs to. */
  static Map<Topic, SpecificRecord> everyValueType() {
    return Map.of(
        Topic.LABELS_CLAIMS, claim(),
        Topic.LABELS_REVIEW, review(),
        Topic.CAMERA_FRAMES, frame(),
        Topic.FRAMES_TO_LABEL, request(),
        Topic.LABELS_MASKS, mask(),
        Topic.FRAMES_LABELED, labeled(),
        Topic.SEGMENTATIONS, segmentation(),
        Topic.MODEL_CHECKPOINTS, manifest());
  }
}
