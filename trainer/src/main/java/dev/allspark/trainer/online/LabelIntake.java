package dev.allspark.trainer.online;

import dev.allspark.ops.LogContext;
import dev.allspark.schemas.LabeledFrame;
import dev.allspark.schemas.images.FrameDecoder;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.DeadLetters;
import dev.allspark.schemas.labels.LabelMaps;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records of {@code frames.labeled} into the labeled set: each one decoded and checked ({@link
 * Samples}); one that breaks a rule goes to {@code frames.labeled.dlq} with its reason, and the
 * counts of both are kept in the trainer's metrics. Runs on the labels {@link Intake} thread.
 */
record LabelIntake(
    Samples samples,
    LabeledSet labeled,
    TrainerMetrics metrics,
    Producer<String, byte[]> dlq,
    String dlqTopic,
    AvroSerde<LabeledFrame> serde) {
  private static final Logger log = LoggerFactory.getLogger(LabelIntake.class);

  LabelIntake(
      Samples samples,
      LabeledSet labeled,
      TrainerMetrics metrics,
      Producer<String, byte[]> dlq,
      String dlqTopic) {
    this(samples, labeled, metrics, dlq, dlqTopic, new AvroSerde<>(LabeledFrame.class));
  }

  void accept(ConsumerRecord<String, byte[]> r) {
    metrics.labelsSeen.increment();
    DeadLetters.Reason reason;
    String detail;
    try {
      if (r.value() == null) {
        reason = DeadLetters.Reason.TOMBSTONE;
        detail = "no labeled frame";
      } else {
        labeled.put(samples.labeled(serde.decode(r)));
        return;
      }
    } catch (FrameDecoder.BadFrame e) {
      reason = DeadLetters.Reason.BAD_FRAME;
      detail = e.getMessage();
    } catch (LabelMaps.InvalidMaskException e) {
      reason = DeadLetters.Reason.BAD_MASK;
      detail = e.getMessage();
    } catch (dev.allspark.schemas.kafka.SchemaRegistry.Unavailable e) {
      throw e; // the registry is away, not the record at fault: no dead letter, tried again
    } catch (RuntimeException e) {
      reason = DeadLetters.Reason.UNREADABLE_RECORD;
      detail = e.getMessage();
    }
    metrics.deadLettered(reason, dlqTopic);
    try (var c = LogContext.frame(r.key())) {
      log.warn(
          "labeled frame at {}/{}@{} to the DLQ: {}",
          r.topic(),
          r.partition(),
          r.offset(),
          reason.text(detail));
    }
    dlq.send(DeadLetters.record(dlqTopic, r, reason, detail));
  }
}
