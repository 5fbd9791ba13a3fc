package dev.allspark.schemas.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allspark.schemas.CheckpointChunk;
import dev.allspark.schemas.CheckpointRecord;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class CheckpointTopicTest {
  private static byte[] file(int size) {
    byte[] b = new byte[size];
    new Random(size).nextBytes(b);
    return b;
  }

  private static List<ProducerRecord<String, CheckpointRecord>> publish(long version, byte[] f) {
    return CheckpointTopic.records(
        "model.checkpoints",
        version,
        null,
        f,
        "allspark-ckpt/1",
        Map.of("miou", 0.5),
        List.of(),
        1000);
  }

  @Test
  void chunksThenManifestReassembleTheExactFile() {
    byte[] f = file(4321);
    var records = publish(7, f);
    assertThat(records).hasSize(6);
    assertThat(records.get(0).key()).isEqualTo("v7/chunk/0");
    assertThat(records.get(5).key()).isEqualTo("v7/manifest");
    // every record survives the Avro round trip the topic puts it through
    AvroSerde<CheckpointRecord> serde = new AvroSerde<>(CheckpointRecord.class);
    CheckpointTopic.Assembler assembler = new CheckpointTopic.Assembler();
    CheckpointTopic.Outcome last = null;
    for (var r : records) {
      last = assembler.accept(serde.decode("t", serde.encode(r.value())));
    }
    assertThat(last).isInstanceOf(CheckpointTopic.Complete.class);
    CheckpointTopic.Published p = ((CheckpointTopic.Complete) last).checkpoint();
    assertThat(p.version()).isEqualTo(7);
    assertThat(p.file()).isEqualTo(f);
    assertThat(p.manifest().getMetrics()).containsEntry("miou", 0.5);
  }

  @Test
  void aMissingChunkOrAlteredByteIsRefusedWithTheReason() {
    var records = publish(3, file(2500));
    CheckpointTopic.Assembler assembler = new CheckpointTopic.Assembler();
    assembler.accept(records.get(0).value());
    assembler.accept(records.get(2).value());
    var outcome = assembler.accept(records.get(3).value());
    assertThat(((CheckpointTopic.Rejected) outcome).refusal().reason())
        .contains("chunk 1 of 3 is missing");

    records = publish(4, file(2500));
    CheckpointChunk chunk = (CheckpointChunk) records.get(1).value().getBody();
    byte[] altered = chunk.getData().array().clone();
    int at = chunk.getData().arrayOffset();
    altered[at] ^= 1;
    chunk.setData(ByteBuffer.wrap(altered, at, chunk.getData().remaining()).slice());
    for (int i = 0; i < 3; i++) {
      assembler.accept(records.get(i).value());
    }
    outcome = assembler.accept(records.get(3).value());
    assertThat(((CheckpointTopic.Rejected) outcome).refusal().reason()).contains("sha256 mismatch");
  }

  @Test
  void interleavedVersionsAreKeptApart() {
    byte[] a = file(1500);
    byte[] b = file(2200);
    var ra = publish(1, a);
    var rb = publish(2, b);
    CheckpointTopic.Assembler assembler = new CheckpointTopic.Assembler();
    assembler.accept(ra.get(0).value());
    assembler.accept(rb.get(0).value());
    assembler.accept(rb.get(1).value());
    assembler.accept(ra.get(1).value());
    assembler.accept(rb.get(2).value());
    var first = assembler.accept(ra.get(2).value());
    var second = assembler.accept(rb.get(3).value());
    assertThat(((CheckpointTopic.Complete) first).checkpoint().file()).isEqualTo(a);
    assertThat(((CheckpointTopic.Complete) second).checkpoint().file()).isEqualTo(b);
  }
}
