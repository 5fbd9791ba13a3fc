package dev.allspark.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.LabeledFrame;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.DeadLetters;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.schemas.labels.LabelMaps;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelJoinTopologyTest {
  private static final int W = 8;
  private static final int H = 6;

  @TempDir Path state;
  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> requests;
  private TestInputTopic<String, byte[]> masks;
  private TestOutputTopic<String, byte[]> labeled;
  private TestOutputTopic<String, byte[]> dlq;
  private final AvroSerde<LabelRequest> requestSerde = new AvroSerde<>(LabelRequest.class);
  private final AvroSerde<LabelMask> maskSerde = new AvroSerde<>(LabelMask.class);
  private final AvroSerde<LabeledFrame> labeledSerde = new AvroSerde<>(LabeledFrame.class);

  @BeforeEach
  void start() {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "bridge-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
    p.putAll(LabelingBridge.errorHandling(TopicCatalog.defaults()));
    driver =
        new TopologyTestDriver(
            LabelJoinTopology.build(TopicCatalog.defaults(), ClassSet.CAMVID), p);
    requests =
        driver.createInputTopic(
            "frames.to-label", new StringSerializer(), new ByteArraySerializer());
    masks =
        driver.createInputTopic("labels.masks", new StringSerializer(), new ByteArraySerializer());
    labeled =
        driver.createOutputTopic(
            "frames.labeled", new StringDeserializer(), new ByteArrayDeserializer());
    dlq =
        driver.createOutputTopic(
            "labels.masks.dlq", new StringDeserializer(), new ByteArrayDeserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private void request(String id) {
    requests.pipeInput(id, requestSerde.encode(Fixtures.request(id, W, H, 1000)));
  }

  private byte[] mask(String id, int top, int bottom, String labeler) {
    return maskSerde.encode(Fixtures.mask(id, Fixtures.idsPng(W, H, top, bottom), W, H, labeler));
  }

  private String status(String id) {
    var store = driver.<String, String>getKeyValueStore(LabelJoinTopology.STATUS_STORE);
    String s = store.get(id);
    return s == null ? null : LabelStatus.decode(s).state();
  }

  @Test
  void maskAfterItsRequestJoinsTheFrame() throws Exception {
    request("cam/1");
    masks.pipeInput("cam/1", mask("cam/1", 0, 3, "ann"));

    List<TestRecord<String, byte[]>> out = labeled.readRecordsToList();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).key()).isEqualTo("cam/1");
    LabeledFrame lf = labeledSerde.decode("frames.labeled", out.get(0).value());
    assertThat(lf.getFrame().getFrameId()).isEqualTo("cam/1");
    assertThat(lf.getFrame().getWidth()).isEqualTo(W);
    LabelMaps.LabelMap map = LabelMaps.read(bytes(lf.getMask().getMask()), ClassSet.CAMVID);
    assertThat(map.id(0, 0)).isEqualTo(0);
    assertThat(map.id(0, H - 1)).isEqualTo(3);
    assertThat(lf.getMask().getLabeler()).isEqualTo("ann");
    assertThat(dlq.isEmpty()).isTrue();
    assertThat(status("cam/1")).isEqualTo(LabelStatus.LABELED);
  }

  @Test
  void maskBeforeItsRequestGoesToTheDlqAndCanBeReplayedOnceTheRequestExists() {
    byte[] early = mask("cam/2", 0, 3, "ann");
    masks.pipeInput("cam/2", early);

    assertThat(labeled.isEmpty()).isTrue();
    TestRecord<String, byte[]> refused = dlq.readRecord();
    assertThat(refused.key()).isEqualTo("cam/2");
    assertThat(refused.value()).isEqualTo(early); // the original bytes, for replay
    assertThat(DeadLetters.reason(refused.headers())).contains("frame cam/2 has no label request");
    assertThat(new String(refused.headers().lastHeader(DeadLetters.SOURCE_HEADER).value()))
        .isEqualTo("labels.masks/0@0");
    assertThat(status("cam/2")).isEqualTo(LabelStatus.REJECTED);

    // the request arrives; replaying the DLQ record as it is now joins
    request("cam/2");
    masks.pipeInput(refused.key(), refused.value());
    assertThat(labeled.readRecordsToList()).hasSize(1);
    assertThat(status("cam/2")).isEqualTo(LabelStatus.LABELED);
  }

  @Test
  void relabelTheLatestMaskWins() throws Exception {
    request("cam/3");
    masks.pipeInput("cam/3", mask("cam/3", 0, 3, "first"));
    masks.pipeInput("cam/3", mask("cam/3", 5, 8, "second"));

    var out = labeled.readKeyValuesToMap(); // what a compacted topic keeps per key
    assertThat(out).containsOnlyKeys("cam/3");
    LabeledFrame latest = labeledSerde.decode("frames.labeled", out.get("cam/3"));
    assertThat(latest.getMask().getLabeler()).isEqualTo("second");
    LabelMaps.LabelMap map = LabelMaps.read(bytes(latest.getMask().getMask()), ClassSet.CAMVID);
    assertThat(map.id(0, 0)).isEqualTo(5);
    assertThat(map.id(0, H - 1)).isEqualTo(8);
    String s = driver.<String, String>getKeyValueStore(LabelJoinTopology.STATUS_STORE).get("cam/3");
    assertThat(LabelStatus.decode(s).labeler()).isEqualTo("second");
  }

  @Test
  void unknownFrameGoesToTheDlq() {
    request("cam/4");
    masks.pipeInput("cam/unknown", mask("cam/unknown", 0, 3, "ann"));
    assertThat(labeled.isEmpty()).isTrue();
    assertThat(DeadLetters.reason(dlq.readRecord().headers()))
        .contains("frame cam/unknown has no label request");
  }

  @Test
  void malformedMasksGoToTheDlqWithTheirReason() {
    request("cam/5");
    // not Avro at all
    masks.pipeInput("cam/5", "garbage".getBytes());
    // a mask of the wrong size
    masks.pipeInput(
        "cam/5",
        maskSerde.encode(Fixtures.mask("cam/5", Fixtures.idsPng(4, 4, 0, 3), 4, 4, "ann")));
    // an unknown class id
    masks.pipeInput("cam/5", mask("cam/5", 0, 42, "ann"));
    // key and frame id disagree
    masks.pipeInput("cam/5", mask("cam/6", 0, 3, "ann"));
    // no key, and a tombstone
    masks.pipeInput((String) null, mask("cam/5", 0, 3, "ann"));
    masks.pipeInput("cam/5", (byte[]) null);
    // a PNG that is not one
    masks.pipeInput(
        "cam/5", maskSerde.encode(Fixtures.mask("cam/5", new byte[] {1, 2, 3}, W, H, "ann")));

    assertThat(labeled.isEmpty()).isTrue();
    List<String> reasons =
        dlq.readRecordsToList().stream().map(r -> DeadLetters.reason(r.headers())).toList();
    assertThat(reasons).hasSize(7);
    assertThat(reasons.get(0)).startsWith("unreadable record");
    assertThat(reasons.get(1)).contains("mask is 4x4 but frame cam/5 is 8x6");
    assertThat(reasons.get(2)).contains("class id 42 at (0, 3) is not a camvid-11 class");
    assertThat(reasons.get(3)).contains("record key 'cam/5' differs from the mask's frameId");
    assertThat(reasons.get(4)).contains("no key");
    assertThat(reasons.get(5)).contains("tombstone");
    assertThat(reasons.get(6)).contains("does not decode");
    assertThat(status("cam/5")).isEqualTo(LabelStatus.REJECTED);
  }

  @Test
  void anUnreadableRequestIsSkippedToTheDlqAndTheJoinGoesOn() {
    requests.pipeInput("cam/7", "not a request".getBytes());
    var refused = dlq.readRecord();
    assertThat(refused.key()).isEqualTo("cam/7");
    assertThat(refused.value()).isEqualTo("not a request".getBytes());
    request("cam/7");
    masks.pipeInput("cam/7", mask("cam/7", 0, 3, "ann"));
    assertThat(labeled.readRecordsToList()).hasSize(1);
  }

  private static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  /** A Cityscapes deployment joins masks of its 19 classes and refuses masks of another set. */
  @Test
  void aCityscapesBridgeTakesItsOwnClassesAndRefusesAnotherSet(@TempDir Path dir) throws Exception {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "bridge-cs");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
    p.putAll(LabelingBridge.errorHandling(TopicCatalog.defaults()));
    try (TopologyTestDriver d =
        new TopologyTestDriver(
            LabelJoinTopology.build(TopicCatalog.defaults(), ClassSet.CITYSCAPES), p)) {
      var req =
          d.createInputTopic("frames.to-label", new StringSerializer(), new ByteArraySerializer());
      var in =
          d.createInputTopic("labels.masks", new StringSerializer(), new ByteArraySerializer());
      var ok =
          d.createOutputTopic(
              "frames.labeled", new StringDeserializer(), new ByteArrayDeserializer());
      var refused =
          d.createOutputTopic(
              "labels.masks.dlq", new StringDeserializer(), new ByteArrayDeserializer());
      req.pipeInput("cs/1", requestSerde.encode(Fixtures.request("cs/1", W, H, 1000)));
      LabelMask cs =
          LabelMask.newBuilder(Fixtures.mask("cs/1", Fixtures.idsPng(W, H, 10, 18), W, H, "ann"))
              .setClassSetVersion("cityscapes-19")
              .build();
      in.pipeInput("cs/1", maskSerde.encode(cs)); // sky over bicycle
      in.pipeInput("cs/1", mask("cs/1", 0, 3, "bob")); // a camvid-11 mask
      List<TestRecord<String, byte[]>> joined = ok.readRecordsToList();
      assertThat(joined).hasSize(1);
      LabelMaps.LabelMap m =
          LabelMaps.read(
              bytes(
                  labeledSerde.decode("frames.labeled", joined.get(0).value()).getMask().getMask()),
              ClassSet.CITYSCAPES);
      assertThat(m.id(0, H - 1)).isEqualTo(18);
      List<TestRecord<String, byte[]>> dead = refused.readRecordsToList();
      assertThat(dead).hasSize(1);
      assertThat(new String(dead.get(0).headers().lastHeader("allspark.dlq.reason").value()))
          .contains("camvid-11")
          .contains("cityscapes-19");
    }
  }
}
