package dev.allspark.bridge;

import dev.allspark.ops.Json;
import dev.allspark.ops.OpsServer;
import dev.allspark.ops.Service;
import dev.allspark.ops.ServiceMeters;
import dev.allspark.schemas.LabelClaim;
import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.LabelReview;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.labels.ClassSet;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The labeling bridge: runs {@link LabelJoinTopology} (exactly-once) and serves the labelers' HTTP
 * API and page ({@link BridgeApi}) with {@code /metrics} and {@code /health} on one port. The open
 * requests and label outcomes are read from the topology's own stores (interactive queries), so one
 * bridge instance serves every partition; run one instance per labeling site.
 *
 * <p>Some 310 lines: what the routes share (the topology's stores, the mask producer, the labelers,
 * claims and reviews, the meters) is made, started and closed here together, in one order; the
 * routes, authentication and mask import are their own classes.
 */
public final class LabelingBridge implements Service {
  private static final Logger log = LoggerFactory.getLogger(LabelingBridge.class);

  private final BridgeSettings s;
  private final ClassSet classes;
  private final KafkaStreams streams;
  private final KafkaProducer<String, byte[]> producer;
  private final AvroSerde<LabelMask> maskSerde = new AvroSerde<>(LabelMask.class);
  private final ServiceMeters meters = new ServiceMeters("labeling-bridge");
  final Counter masksSent = counter("allspark.bridge.masks.sent");
  final Counter masksRefused = counter("allspark.bridge.masks.refused");
  final Counter unauthorized = counter("allspark.bridge.unauthorized");
  final Counter claimsMade = counter("allspark.bridge.claims");
  final Counter reviewsAccepted =
      Counter.builder("allspark.bridge.reviews")
          .tag("decision", "accept")
          .register(meters.registry());
  final Counter reviewsRejected =
      Counter.builder("allspark.bridge.reviews")
          .tag("decision", "reject")
          .register(meters.registry());
  private final Clock clock;
  private final Labelers labelers;
  private final Claims claims;
  private final Reviews reviews;
  private final Map<String, Object> client;
  private final OpsServer ops;
  private final ColdStartRequests coldStart;

  public LabelingBridge(BridgeSettings settings) {
    this(settings, Clock.systemUTC());
  }

  /**
   * @param clock what claims expire by and masks are stamped with (a test's own clock makes expiry
   *     exact)
   */
  public LabelingBridge(BridgeSettings settings, Clock clock) {
    this.s = settings;
    this.clock = clock;
    this.classes = settings.classes();
    this.labelers = new Labelers(settings.labelersFile(), settings.token());
    Properties p = new Properties();
    p.putAll(settings.kafka());
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, settings.applicationId());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap());
    p.put(StreamsConfig.STATE_DIR_CONFIG, settings.stateDir().toString());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.putAll(errorHandling(settings.topics()));
    p.putIfAbsent(
        StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
        Topic.FRAMES_LABELED.maxMessageBytes());
    String masksDlq = settings.topics().name(Topic.LABELS_MASKS_DLQ);
    this.streams =
        new KafkaStreams(
            LabelJoinTopology.build(
                settings.topics(),
                classes,
                Map.of(),
                reason -> meters.deadLetter(reason.code(), masksDlq).increment()),
            p);
    meters.bind(new KafkaStreamsMetrics(streams));
    streams.setUncaughtExceptionHandler(
        e -> {
          log.error("the join topology failed", e);
          return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler
              .StreamThreadExceptionResponse.REPLACE_THREAD;
        });

    Map<String, Object> pc = new HashMap<>(settings.kafka());
    pc.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap());
    pc.put(ProducerConfig.ACKS_CONFIG, "all");
    pc.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    pc.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topic.LABELS_MASKS.maxMessageBytes());
    pc.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "allspark-labeling-bridge");
    this.producer = new KafkaProducer<>(pc, new StringSerializer(), new ByteArraySerializer());
    meters.bind(producer);
    this.claims =
        new Claims(
            new TopicState<>(
                settings.topics().name(Topic.LABELS_CLAIMS), LabelClaim.class, producer),
            clock,
            java.time.Duration.ofSeconds(settings.claimSeconds()));
    this.reviews =
        new Reviews(
            new TopicState<>(
                settings.topics().name(Topic.LABELS_REVIEW), LabelReview.class, producer),
            clock);

    Gauge.builder("allspark.bridge.ready", () -> ready() ? 1 : 0).register(meters.registry());
    this.ops =
        new OpsServer(
            settings.httpPort(),
            "labeling-bridge",
            meters::scrape,
            () ->
                new OpsServer.Health(
                    ready(),
                    Json.write(
                        Map.of(
                            "streams",
                            streams.state().name(),
                            "masksSent",
                            (long) masksSent.count()))));
    ops.route("/", new BridgeApi(this));
    this.client = new HashMap<>(settings.kafka());
    client.put("bootstrap.servers", settings.bootstrap());
    this.coldStart =
        settings.coldStart() > 0
            ? new ColdStartRequests(
                client,
                settings.applicationId() + "-cold-start",
                settings.topics(),
                settings.coldStartEvery(),
                settings.coldStart(),
                null)
            : null;
    // liveness: a Streams client that gave up (ERROR) or a cold start that ended on an error it
    // could not get past cannot recover without a restart
    ops.liveness(
        () ->
            streams.state() != KafkaStreams.State.ERROR
                && (this.coldStart == null || this.coldStart.healthy()));
  }

  /**
   * An unreadable label request is logged (topic, partition, offset) and skipped, and goes to the
   * bridge's DLQ through Streams' own dead-letter support; the topology routes unreadable masks
   * itself.
   */
  static Map<String, Object> errorHandling(TopicCatalog topics) {
    return Map.of(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        LogAndContinueExceptionHandler.class.getName(),
        StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG,
        topics.name(Topic.LABELS_MASKS_DLQ));
  }

  @Override
  public LabelingBridge start() {
    // claims and the review queue are read whole before the API answers anything
    claims.state().restore(client, java.time.Duration.ofSeconds(60));
    reviews.state().restore(client, java.time.Duration.ofSeconds(60));
    streams.start();
    ops.start();
    if (coldStart != null) {
      coldStart.start();
    }
    return this;
  }

  public boolean ready() {
    return streams.state() == KafkaStreams.State.RUNNING;
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  public int httpPort() {
    return ops.port();
  }

  @Override
  public String banner() {
    return String.format(
        "page and API on http://localhost:%d/ (Kafka %s)", httpPort(), s.bootstrap());
  }

  @Override
  public String statusLine() {
    return String.valueOf(state());
  }

  ClassSet classes() {
    return classes;
  }

  Labelers labelers() {
    return labelers;
  }

  Claims claims() {
    return claims;
  }

  Reviews reviews() {
    return reviews;
  }

  boolean reviewOn() {
    return s.review();
  }

  Clock clock() {
    return clock;
  }

  /** The folder imports may read under (its real path), or null when import is off. */
  Path importRoot() {
    return s.importRoot();
  }

  /** Open and answered requests by frame id; throws while the stores are not queryable. */
  ReadOnlyKeyValueStore<String, ValueAndTimestamp<LabelRequest>> requests() {
    return streams.store(
        StoreQueryParameters.fromNameAndType(
            LabelJoinTopology.REQUESTS_STORE, QueryableStoreTypes.timestampedKeyValueStore()));
  }

  /** The latest outcome per frame id, or null. */
  LabelStatus status(String frameId) throws InvalidStateStoreException {
    ReadOnlyKeyValueStore<String, String> store =
        streams.store(
            StoreQueryParameters.fromNameAndType(
                LabelJoinTopology.STATUS_STORE, QueryableStoreTypes.keyValueStore()));
    String v = store.get(frameId);
    return v == null ? null : LabelStatus.decode(v);
  }

  /** Sends a checked mask to {@code labels.masks} and waits for the broker. */
  RecordMetadata send(LabelMask mask)
      throws InterruptedException, ExecutionException, TimeoutException {
    RecordMetadata md =
        producer
            .send(
                new ProducerRecord<>(
                    s.topics().name(Topic.LABELS_MASKS),
                    mask.getFrameId(),
                    maskSerde.encode(s.topics().name(Topic.LABELS_MASKS), mask)))
            .get(30, TimeUnit.SECONDS);
    masksSent.increment();
    return md;
  }

  @Override
  public void close() {
    if (coldStart != null) {
      try {
        coldStart.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    ops.close();
    // leave the group: one bridge per application id, so its successor (a restart, a rolling
    // update) gets every partition at once instead of after the session timeout (45 s)
    streams.close(
        org.apache.kafka.streams.CloseOptions.timeout(java.time.Duration.ofSeconds(30))
            .withGroupMembershipOperation(
                org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    producer.close();
    meters.close();
  }

  private Counter counter(String name) {
    return Counter.builder(name).register(meters.registry());
  }
}
