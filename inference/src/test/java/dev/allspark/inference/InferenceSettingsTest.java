package dev.allspark.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allspark.schemas.kafka.Topic;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InferenceSettingsTest {
  private static Map<String, String> with(String key, String value) {
    Map<String, String> m = new HashMap<>(InferenceSettings.defaults("broker:9092"));
    m.put(key, value);
    return m;
  }

  @Test
  void defaultsFollowTheNewestModel() {
    InferenceSettings s = InferenceSettings.from(InferenceSettings.defaults("broker:9092"));
    assertThat(s.modelVersion()).isEmpty();
    assertThat(s.inputWidth()).isEqualTo(480);
    assertThat(s.inputHeight()).isEqualTo(360);
    assertThat(s.maxBatch()).isEqualTo(8);
    assertThat(s.topics().name(Topic.CAMERA_FRAMES)).isEqualTo("camera.frames");
  }

  @Test
  void aPinnedVersionSizeTopicAndClientOverridesAreRead() {
    Map<String, String> m = with("ALLSPARK_INFERENCE_MODEL_VERSION", "12");
    m.put("ALLSPARK_INFERENCE_INPUT_SIZE", "320x240");
    m.put("ALLSPARK_TOPIC_SEGMENTATIONS", "fleet.segmentations");
    m.put("ALLSPARK_KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
    InferenceSettings s = InferenceSettings.from(m);
    assertThat(s.modelVersion()).hasValue(12);
    assertThat(s.inputWidth()).isEqualTo(320);
    assertThat(s.topics().name(Topic.SEGMENTATIONS)).isEqualTo("fleet.segmentations");
    assertThat(s.kafkaOverrides()).containsEntry("security.protocol", "SASL_SSL");
  }

  @Test
  void badValuesAreRefusedNamingTheSetting() {
    assertThatThrownBy(() -> InferenceSettings.from(Map.of()))
        .hasMessageContaining("--bootstrap / ALLSPARK_BOOTSTRAP is required");
    assertThatThrownBy(
            () -> InferenceSettings.from(with("ALLSPARK_INFERENCE_MODEL_VERSION", "newest")))
        .hasMessageContaining("ALLSPARK_INFERENCE_MODEL_VERSION = 'newest' is invalid");
    assertThatThrownBy(() -> InferenceSettings.from(with("ALLSPARK_INFERENCE_MODEL_VERSION", "0")))
        .hasMessageContaining("positive");
    assertThatThrownBy(() -> InferenceSettings.from(with("ALLSPARK_INFERENCE_MAX_BATCH", "0")))
        .hasMessageContaining(
            "--max-batch / ALLSPARK_INFERENCE_MAX_BATCH = '0' is invalid: must be within 1..256");
    assertThatThrownBy(() -> InferenceSettings.from(with("ALLSPARK_INFERENCE_INPUT_SIZE", "480")))
        .hasMessageContaining("expected WIDTHxHEIGHT");
    assertThatThrownBy(
            () -> InferenceSettings.from(with("ALLSPARK_INFERENCE_LABEL_FRACTION", "1.5")))
        .hasMessageContaining("ALLSPARK_INFERENCE_LABEL_FRACTION");
    assertThatThrownBy(
            () -> InferenceSettings.from(with("ALLSPARK_INFERENCE_AUDIT_FRACTION", "0.5")))
        .hasMessageContaining("cannot exceed --label-fraction");
    assertThatThrownBy(
            () -> InferenceSettings.from(with("ALLSPARK_TOPIC_SEGMENTATIONS", "bad name")))
        .hasMessageContaining("ALLSPARK_TOPIC_SEGMENTATIONS");
  }
}
