package dev.allspark.bridge;

import dev.allspark.ops.LogContext;
import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.LabeledFrame;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.DeadLetters;
import dev.allspark.schemas.kafka.RecordDecodeException;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.schemas.labels.LabelMaps;
import dev.allspark.schemas.labels.MaskCheck;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Joined;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins labelers' masks ({@code labels.masks}) with the frames that were asked for ({@code
 * frames.to-label}, read as a table keyed by frame id) into {@code frames.labeled}, the trainer's
 * labeled set.
 *
 * <ul>
 *   <li>A mask whose frame has a request, and that passes {@link MaskCheck} (key equals frameId,
 *       class set in use, decodable PNG of known class ids, size equal to the frame's), becomes a
 *       {@code LabeledFrame} with the mask in canonical form (gray PNG of ids).
 *   <li>Everything else goes to {@code labels.masks.dlq} with its original key and bytes and the
 *       reason in the {@value DeadLetters#REASON_HEADER} header: unreadable records, records
 *       without a key, tombstones (withdrawing a label is not supported), unknown frames, invalid
 *       masks.
 *   <li><b>A mask that arrives before its request is refused</b> (DLQ, reason "no label request"),
 *       not buffered: the bridge's API accepts masks only for requested frames, so an early mask
 *       comes from a producer that bypassed it, and holding it indefinitely for a request that may
 *       never come would hide the mistake. The DLQ record can be replayed unchanged once the
 *       request exists.
 *   <li><b>Relabel: the latest mask wins.</b> Every accepted mask is written under the frame id to
 *       the compacted {@code frames.labeled}, so the last one replaces the earlier ones for every
 *       reader; the status store also keeps only the latest outcome per frame.
 * </ul>
 *
 * Both input topics are keyed by frame id with the default partitioner and must have the same
 * partition count (the DSL join checks this at start). An unreadable record on {@code
 * frames.to-label} (written by the inference service) is logged with topic, partition and offset
 * and skipped by the deserialization handler the bridge configures.
 */
public final class LabelJoinTopology {
  /** The requests table's store: frame id -> the latest {@code LabelRequest}. */
  public static final String REQUESTS_STORE = "label-requests";

  /** Latest outcome per frame id: {@link LabelStatus} in its one-line form. */
  public static final String STATUS_STORE = "label-status";

  private static final Logger log = LoggerFactory.getLogger(LabelJoinTopology.class);

  private LabelJoinTopology() {}

  /** The outcome of one mask record: a labeled frame, or the reason it was refused. */
  record Outcome(
      LabeledFrame labeled,
      DeadLetters.Reason code,
      String reason,
      byte[] original,
      String labeler) {
    static Outcome refused(DeadLetters.Reason code, String detail, byte[] original) {
      return refused(code, detail, original, null);
    }

    static Outcome refused(
        DeadLetters.Reason code, String detail, byte[] original, String labeler) {
      return new Outcome(null, code, code.text(detail), original, labeler);
    }

    boolean accepted() {
      return labeled != null;
    }
  }

  public static Topology build(TopicCatalog topics, ClassSet classes) {
    return build(topics, classes, Map.of(), reason -> {});
  }

  /**
   * @param serdeConfig passed to the Avro serdes (e.g. {@link AvroSerde#SCHEMAS_DIR_CONFIG})
   * @param refused told the reason of every mask routed to {@code labels.masks.dlq} (the bridge's
   *     dead-letter counter); under exactly-once a task that is retried after a failure routes, and
   *     so counts, its records again, while the topic holds them once
   */
  public static Topology build(
      TopicCatalog topics,
      ClassSet classes,
      Map<String, ?> serdeConfig,
      java.util.function.Consumer<DeadLetters.Reason> refused) {
    AvroSerde<LabelRequest> requestSerde = new AvroSerde<>(LabelRequest.class);
    AvroSerde<LabelMask> maskSerde = new AvroSerde<>(LabelMask.class);
    AvroSerde<LabeledFrame> labeledSerde = new AvroSerde<>(LabeledFrame.class);
    requestSerde.configure(serdeConfig, false);
    maskSerde.configure(serdeConfig, false);
    labeledSerde.configure(serdeConfig, false);
    MaskCheck check = new MaskCheck(classes);
    String masksTopic = topics.name(Topic.LABELS_MASKS);

    StreamsBuilder builder = new StreamsBuilder();
    KTable<String, LabelRequest> requests =
        builder.table(
            topics.name(Topic.FRAMES_TO_LABEL),
            Consumed.with(Serdes.String(), requestSerde).withName("requests-source"),
            Materialized.<String, LabelRequest, KeyValueStore<Bytes, byte[]>>as(REQUESTS_STORE)
                .withKeySerde(Serdes.String())
                .withValueSerde(requestSerde));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(STATUS_STORE), Serdes.String(), Serdes.String()));

    Map<String, KStream<String, byte[]>> masks =
        builder.stream(
                masksTopic, Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("masks"))
            .split(Named.as("masks-"))
            .branch((k, v) -> k == null || v == null, Branched.as("unjoinable"))
            .defaultBranch(Branched.as("keyed"));

    KStream<String, Outcome> unjoinable =
        masks
            .get("masks-unjoinable")
            .mapValues(
                (k, v) ->
                    k == null
                        ? Outcome.refused(
                            DeadLetters.Reason.NO_KEY, "the key must be the frame id", v)
                        : Outcome.refused(
                            DeadLetters.Reason.TOMBSTONE,
                            "frame "
                                + k
                                + ": withdrawing a label is not supported, send a new mask",
                            v),
                Named.as("refuse-unjoinable"));

    KStream<String, Outcome> joined =
        masks
            .get("masks-keyed")
            .leftJoin(
                requests,
                (frameId, bytes, request) ->
                    join(frameId, bytes, request, masksTopic, maskSerde, check),
                Joined.with(Serdes.String(), Serdes.ByteArray(), requestSerde)
                    .withName("join-requests"));

    Map<String, KStream<String, Outcome>> routed =
        unjoinable
            .merge(joined, Named.as("all-outcomes"))
            .process(StatusRecorder::new, Named.as("record-status"), STATUS_STORE)
            .split(Named.as("outcome-"))
            .branch((k, o) -> o.accepted(), Branched.as("accepted"))
            .defaultBranch(Branched.as("refused"));

    routed
        .get("outcome-accepted")
        .mapValues(
            o -> labeledSerde.encode(topics.name(Topic.FRAMES_LABELED), o.labeled()),
            Named.as("encode-labeled"))
        .to(
            topics.name(Topic.FRAMES_LABELED),
            Produced.with(Serdes.String(), Serdes.ByteArray()).withName("frames-labeled"));
    routed
        .get("outcome-refused")
        .peek((k, o) -> refused.accept(o.code()), Named.as("count-refused"))
        .mapValues(Outcome::original, Named.as("original-bytes"))
        .to(
            topics.name(Topic.LABELS_MASKS_DLQ),
            Produced.with(Serdes.String(), Serdes.ByteArray()).withName("masks-dlq"));
    return builder.build();
  }

  static Outcome join(
      String frameId,
      byte[] bytes,
      LabelRequest request,
      String masksTopic,
      AvroSerde<LabelMask> maskSerde,
      MaskCheck check) {
    LabelMask mask;
    try {
      mask = maskSerde.decode(masksTopic, bytes);
    } catch (RecordDecodeException e) {
      return Outcome.refused(DeadLetters.Reason.UNREADABLE_RECORD, e.reason(), bytes);
    }
    if (request == null) {
      return Outcome.refused(
          DeadLetters.Reason.NO_LABEL_REQUEST,
          "frame "
              + frameId
              + " has no label request on frames.to-label (unknown frame, or a mask sent before"
              + " its request)",
          bytes);
    }
    try {
      LabelMask canonical = check.check(frameId, mask, request.getFrame());
      LabeledFrame labeled =
          LabeledFrame.newBuilder()
              .setFrameId(frameId)
              .setFrame(request.getFrame())
              .setMask(canonical)
              .build();
      return new Outcome(labeled, null, null, bytes, mask.getLabeler());
    } catch (LabelMaps.InvalidMaskException e) {
      return Outcome.refused(DeadLetters.Reason.BAD_MASK, e.getMessage(), bytes, mask.getLabeler());
    }
  }

  /** Keeps the latest outcome per frame and puts the DLQ headers on refused records. */
  private static final class StatusRecorder implements Processor<String, Outcome, String, Outcome> {
    private ProcessorContext<String, Outcome> context;
    private KeyValueStore<String, String> status;

    @Override
    public void init(ProcessorContext<String, Outcome> context) {
      this.context = context;
      this.status = context.getStateStore(STATUS_STORE);
    }

    @Override
    public void process(Record<String, Outcome> r) {
      Outcome o = r.value();
      if (r.key() != null) {
        status.put(
            r.key(),
            new LabelStatus(
                    o.accepted() ? LabelStatus.LABELED : LabelStatus.REJECTED,
                    r.timestamp(),
                    o.labeler(),
                    o.reason())
                .encode());
      }
      if (o.accepted()) {
        context.forward(r);
        return;
      }
      String topic = "?";
      int partition = -1;
      long offset = -1;
      var meta = context.recordMetadata();
      if (meta.isPresent()) {
        topic = meta.get().topic();
        partition = meta.get().partition();
        offset = meta.get().offset();
      }
      try (var c = LogContext.frame(r.key())) {
        log.warn("mask at {}/{}@{} to the DLQ: {}", topic, partition, offset, o.reason());
      }
      context.forward(
          r.withHeaders(
              DeadLetters.headers(r.headers(), o.code(), o.reason(), topic, partition, offset)));
    }
  }
}
