package dev.allspark.inference;

import dev.allspark.model.Segmenter;
import dev.allspark.ops.LogContext;
import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.LabelReason;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.Segmentation;
import dev.allspark.schemas.SegmentationTimings;
import dev.allspark.schemas.images.FrameDecoder;
import dev.allspark.schemas.images.Images;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.DeadLetters;
import dev.allspark.schemas.kafka.RecordDecodeException;
import dev.allspark.schemas.kafka.Topic;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frames in, records out: one micro-batch on the worker thread. Each record of {@code
 * camera.frames} is decoded and checked ({@link DecodedFrame}) or becomes a dead letter with its
 * reason; the good ones go through the model in one forward pass; each gets its {@code
 * Segmentation}, and a {@code LabelRequest} where the policy asks for one. The result ({@link
 * Batch}) is what the poll thread writes and commits in one transaction, with the consumer offsets
 * it covers. Nothing here touches a Kafka client.
 */
final class MicroBatch {
  private static final Logger log = LoggerFactory.getLogger(MicroBatch.class);
  private final FrameDecoder decoder;
  private final LabelRequestPolicy policy;
  private final InferenceMetrics metrics;
  private final String segmentationsTopic;
  private final String dlqTopic;
  private final String toLabelTopic;
  private final AvroSerde<CameraFrame> frameSerde = new AvroSerde<>(CameraFrame.class);
  private final AvroSerde<Segmentation> segmentationSerde = new AvroSerde<>(Segmentation.class);
  private final AvroSerde<LabelRequest> requestSerde = new AvroSerde<>(LabelRequest.class);

  /** A record as the poll thread received it (wall clock for the record, monotonic for traces). */
  record Received(ConsumerRecord<String, byte[]> record, long receivedAt, long receivedNanos) {
    Received(ConsumerRecord<String, byte[]> record) {
      this(record, System.currentTimeMillis(), System.nanoTime());
    }
  }

  /**
   * When a batch passed each point ({@link System#nanoTime}), and when each of its good frames was
   * captured and received: what {@link FrameTrace}s are made of once the batch is committed.
   */
  record Clock(
      long startNanos,
      long decodedNanos,
      long modelNanos,
      long encodedNanos,
      List<DecodedFrame> frames) {

    List<FrameTrace> traces(long committedNanos, long committedMillis) {
      List<FrameTrace> out = new ArrayList<>(frames.size());
      for (DecodedFrame f : frames) {
        long captured = f.frame().getCaptureTime().toEpochMilli();
        out.add(
            new FrameTrace(
                f.frame().getFrameId(),
                captured,
                committedMillis,
                frames.size(),
                Math.max(0, f.receivedAtMillis() - captured),
                ms(startNanos - f.receivedNanos()),
                ms(decodedNanos - startNanos),
                ms(modelNanos - decodedNanos),
                ms(encodedNanos - modelNanos),
                ms(committedNanos - encodedNanos)));
      }
      return out;
    }

    private static double ms(long nanos) {
      return Math.max(0, nanos) / 1e6;
    }
  }

  /** What one micro-batch produces; written and committed by the poll thread. */
  record Batch(
      List<ProducerRecord<String, byte[]>> records,
      Map<TopicPartition, OffsetAndMetadata> offsets,
      Map<TopicPartition, Long> firstOffsets,
      List<Segmentation> results,
      Map<DeadLetters.Reason, Integer> dlq,
      Map<String, Integer> requests,
      Clock clock) {}

  /** The deployment's frame limits, label-request policy and output topics, from its settings. */
  MicroBatch(InferenceSettings settings, InferenceMetrics metrics) {
    this.decoder = new FrameDecoder(settings.maxFrameBytes(), settings.maxFramePixels());
    this.policy =
        new LabelRequestPolicy(
            settings.labelRequestsPerMinute(),
            settings.labelFraction(),
            settings.auditFraction(),
            settings.seed(),
            System::currentTimeMillis);
    this.metrics = metrics;
    this.segmentationsTopic = settings.topics().name(Topic.SEGMENTATIONS);
    this.dlqTopic = settings.topics().name(Topic.CAMERA_FRAMES_DLQ);
    this.toLabelTopic = settings.topics().name(Topic.FRAMES_TO_LABEL);
  }

  Batch run(List<Received> batch, ServingModel model) {
    long startNanos = System.nanoTime();
    List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
    Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
    Map<TopicPartition, Long> firstOffsets = new LinkedHashMap<>();
    List<DecodedFrame> good = new ArrayList<>();
    Map<DeadLetters.Reason, Integer> dlq = new EnumMap<>(DeadLetters.Reason.class);
    for (Received r : batch) {
      ConsumerRecord<String, byte[]> rec = r.record();
      TopicPartition tp = new TopicPartition(rec.topic(), rec.partition());
      offsets.put(tp, new OffsetAndMetadata(rec.offset() + 1));
      firstOffsets.putIfAbsent(tp, rec.offset());
      if (rec.value() == null) {
        out.add(deadLetter(rec, DeadLetters.Reason.TOMBSTONE, "no frame"));
        dlq.merge(DeadLetters.Reason.TOMBSTONE, 1, Integer::sum);
        continue;
      }
      CameraFrame frame;
      try {
        frame = frameSerde.decode(rec);
      } catch (RecordDecodeException e) {
        // only the record's own faults: a registry that cannot answer (SchemaRegistry.Unavailable)
        // fails the batch, uncommitted, to be tried again
        out.add(deadLetter(rec, DeadLetters.Reason.UNREADABLE_RECORD, e.getMessage()));
        dlq.merge(DeadLetters.Reason.UNREADABLE_RECORD, 1, Integer::sum);
        continue;
      }
      try {
        good.add(new DecodedFrame(frame, decoder.decode(frame), r.receivedAt(), r.receivedNanos()));
      } catch (FrameDecoder.BadFrame e) {
        out.add(deadLetter(rec, DeadLetters.Reason.BAD_FRAME, e.getMessage()));
        dlq.merge(DeadLetters.Reason.BAD_FRAME, 1, Integer::sum);
      }
    }
    List<Segmentation> results = new ArrayList<>();
    Map<String, Integer> requests = new HashMap<>();
    long decodedNanos = System.nanoTime();
    long modelNanos = decodedNanos;
    if (!good.isEmpty()) {
      List<BufferedImage> images = new ArrayList<>(good.size());
      for (DecodedFrame f : good) {
        images.add(f.image());
      }
      long t0 = System.nanoTime();
      List<Segmenter.Result> segs = model.segment(images);
      long modelDone = System.currentTimeMillis();
      modelNanos = System.nanoTime();
      metrics.modelLatency.record(Duration.ofNanos(modelNanos - t0));
      metrics.batchSize.record(images.size());
      for (int i = 0; i < segs.size(); i++) {
        DecodedFrame f = good.get(i);
        Segmenter.Result s = segs.get(i);
        Segmentation result = segmentation(f, s, model, modelDone);
        results.add(result);
        String frameId = f.frame().getFrameId();
        out.add(
            new ProducerRecord<>(
                segmentationsTopic, frameId, segmentationSerde.encode(segmentationsTopic, result)));
        LabelReason why = policy.decide(s.meanEntropy());
        if (why != null) {
          LabelRequest request =
              LabelRequest.newBuilder()
                  .setFrameId(frameId)
                  .setFrame(f.frame())
                  .setReason(why)
                  .setScore(s.meanEntropy())
                  .setModelVersion(model.version())
                  .setRequestedAt(Instant.now())
                  // the labelers' starting point: this model's own mask, same PNG as the result
                  .setPrediction(result.getMask())
                  .build();
          out.add(
              new ProducerRecord<>(
                  toLabelTopic, frameId, requestSerde.encode(toLabelTopic, request)));
          requests.merge(why.name().toLowerCase(Locale.ROOT), 1, Integer::sum);
        }
      }
    }
    Clock clock = new Clock(startNanos, decodedNanos, modelNanos, System.nanoTime(), good);
    return new Batch(out, offsets, firstOffsets, results, dlq, requests, clock);
  }

  private static Segmentation segmentation(
      DecodedFrame f, Segmenter.Result s, ServingModel model, long modelDone) {
    CameraFrame frame = f.frame();
    long[] counts = new long[model.numClasses()];
    for (int c : s.classes()) {
      counts[c]++;
    }
    List<Long> countList = new ArrayList<>(counts.length);
    for (long n : counts) {
      countList.add(n);
    }
    return Segmentation.newBuilder()
        .setFrameId(frame.getFrameId())
        .setCameraId(frame.getCameraId())
        .setVehicleId(frame.getVehicleId())
        .setModelVersion(model.version())
        .setWidth(s.width())
        .setHeight(s.height())
        .setMask(ByteBuffer.wrap(maskPng(s)))
        .setClassPixelCounts(countList)
        .setClassSet(model.classSet())
        .setMeanConfidence(s.meanConfidence())
        .setUncertainty(s.meanEntropy())
        .setTimings(
            SegmentationTimings.newBuilder()
                .setCaptured(frame.getCaptureTime())
                .setReceived(Instant.ofEpochMilli(f.receivedAtMillis()))
                .setModelDone(Instant.ofEpochMilli(modelDone))
                .setProduced(Instant.ofEpochMilli(System.currentTimeMillis()))
                .build())
        .build();
  }

  private ProducerRecord<String, byte[]> deadLetter(
      ConsumerRecord<String, byte[]> rec, DeadLetters.Reason reason, String detail) {
    try (var c = LogContext.frame(rec.key())) {
      log.warn(
          "frame at {}/{}@{} to the DLQ: {}",
          rec.topic(),
          rec.partition(),
          rec.offset(),
          reason.text(detail));
    }
    return DeadLetters.record(dlqTopic, rec, reason, detail);
  }

  /** The class map as an 8-bit grey PNG, one class id per pixel. */
  static byte[] maskPng(Segmenter.Result s) {
    BufferedImage mask = new BufferedImage(s.width(), s.height(), BufferedImage.TYPE_BYTE_GRAY);
    byte[] raster = ((DataBufferByte) mask.getRaster().getDataBuffer()).getData();
    int[] classes = s.classes();
    for (int i = 0; i < classes.length; i++) {
      raster[i] = (byte) classes[i];
    }
    return Images.png(mask);
  }
}
