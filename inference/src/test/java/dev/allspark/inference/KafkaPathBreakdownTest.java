package dev.allspark.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaPathBreakdownTest {
  @Test
  void stagesVisibilityAndOverheadComeFromTheTracesTheReaderSaw() {
    Map<String, FrameTrace> traces = new HashMap<>();
    Map<String, Long> seen = new HashMap<>();
    for (int i = 0; i < 100; i++) {
      // captured at 1000, committed at 1000 + 40 + i; the reader sees it 2 ms later
      FrameTrace t = new FrameTrace("f" + i, 1000, 1040 + i, 1, 5, i, 1, 30, 2, 2);
      traces.put(t.frameId(), t);
      seen.put(t.frameId(), t.committedAtMillis() + 2);
    }
    traces.put("never-seen", new FrameTrace("never-seen", 0, 0, 1, 0, 0, 0, 0, 0, 0));
    Map<String, Object> out = KafkaPathBreakdown.breakdown(traces, seen);
    assertThat(out.get("tracedFrames")).isEqualTo(100);
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> table =
        (Map<String, Map<String, Object>>) out.get("breakdown");
    assertThat(table.keySet())
        .containsExactly("delivery", "queue", "decode", "model", "encode", "commit", "visible");
    assertThat(table.get("queue")).containsEntry("p50Ms", 50.0).containsEntry("p99Ms", 99.0);
    assertThat(table.get("model")).containsEntry("p50Ms", 30.0);
    assertThat(table.get("visible")).containsEntry("p50Ms", 2.0);
    // end to end as the reader saw it (42 + i) minus the model's 30
    assertThat(out.get("overheadP50Ms")).isEqualTo(62.0);
    assertThat(out.get("overheadP99Ms")).isEqualTo(111.0);
  }
}
