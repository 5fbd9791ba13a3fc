package dev.allspark.schemas.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class DeadLettersTest {
  @Test
  void theReadmeListsEveryReasonWithItsMeaningAndNothingElse() throws Exception {
    List<String> rows =
        Files.readAllLines(Path.of("README.md"), StandardCharsets.UTF_8).stream()
            .filter(l -> l.startsWith("| `"))
            .toList();
    Set<String> expected = new HashSet<>();
    for (DeadLetters.Reason r : DeadLetters.Reason.values()) {
      expected.add("| `" + r.code() + "` | " + r.meaning() + " |");
    }
    assertThat(rows).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void codesAreDistinct() {
    Set<String> codes = new HashSet<>();
    for (DeadLetters.Reason r : DeadLetters.Reason.values()) {
      assertThat(codes.add(r.code())).as(r.code()).isTrue();
    }
  }

  @Test
  void releasedCodesNeverChange() {
    // alerts and dashboards match these: renaming a constant must not change its code
    assertThat(java.util.Arrays.stream(DeadLetters.Reason.values()).map(DeadLetters.Reason::code))
        .containsExactly(
            "unreadable-record",
            "tombstone",
            "no-key",
            "bad-frame",
            "bad-mask",
            "no-label-request");
  }

  @Test
  void aDeadLetterKeepsTheOriginalBytesAndHeadersAndSaysWhyAndWhere() {
    RecordHeaders original = new RecordHeaders();
    original.add("trace", new byte[] {7});
    ConsumerRecord<String, byte[]> in =
        new ConsumerRecord<>("camera.frames", 3, 42L, "cam/1", new byte[] {1, 2, 3});
    original.forEach(h -> in.headers().add(h));
    ProducerRecord<String, byte[]> out =
        DeadLetters.record(
            "camera.frames.dlq", in, DeadLetters.Reason.UNREADABLE_RECORD, "bad magic");
    assertThat(out.topic()).isEqualTo("camera.frames.dlq");
    assertThat(out.key()).isEqualTo("cam/1");
    assertThat(out.value()).containsExactly(1, 2, 3);
    assertThat(out.headers().lastHeader("trace").value()).containsExactly(7);
    assertThat(DeadLetters.code(out.headers())).isEqualTo("unreadable-record");
    assertThat(DeadLetters.reason(out.headers())).isEqualTo("unreadable record: bad magic");
    assertThat(new String(out.headers().lastHeader(DeadLetters.SOURCE_HEADER).value()))
        .isEqualTo("camera.frames/3@42");
  }
}
