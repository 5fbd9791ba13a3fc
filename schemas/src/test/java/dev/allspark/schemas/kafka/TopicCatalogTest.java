package dev.allspark.schemas.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicCatalogTest {

  @Test
  void defaultsFollowTheDesign() {
    TopicCatalog catalog = TopicCatalog.defaults();
    assertThat(catalog.name(Topic.CAMERA_FRAMES)).isEqualTo("camera.frames");
    assertThat(catalog.name(Topic.FRAMES_TO_LABEL)).isEqualTo("frames.to-label");
    assertThat(catalog.configs(Topic.LABELS_MASKS)).containsEntry("cleanup.policy", "compact");
    assertThat(catalog.configs(Topic.CAMERA_FRAMES))
        .containsEntry("cleanup.policy", "delete")
        .containsEntry("retention.ms", "604800000");
    assertThat(catalog.configs(Topic.FRAMES_LABELED)).doesNotContainKey("retention.ms");
  }

  @Test
  void theJoinedTopicsAreCoPartitioned() {
    // labeling-bridge joins labels.masks with frames.to-label by frame id.
    assertThat(Topic.LABELS_MASKS.defaultPartitions())
        .isEqualTo(Topic.FRAMES_TO_LABEL.defaultPartitions());
  }

  @Test
  void namesComeFromSettingsOrEnvironment() {
    TopicCatalog catalog =
        TopicCatalog.from(
            Map.of(
                "allspark.topic.camera-frames", "fleet-a.frames",
                "ALLSPARK_TOPIC_SEGMENTATIONS", "fleet-a.segmentations",
                "UNRELATED", "x"));
    assertThat(catalog.name(Topic.CAMERA_FRAMES)).isEqualTo("fleet-a.frames");
    assertThat(catalog.name(Topic.SEGMENTATIONS)).isEqualTo("fleet-a.segmentations");
    assertThat(catalog.name(Topic.LABELS_MASKS)).isEqualTo("labels.masks");
  }

  @Test
  void anIllegalNameIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> TopicCatalog.from(Map.of("ALLSPARK_TOPIC_LABELS_MASKS", "bad name!")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ALLSPARK_TOPIC_LABELS_MASKS")
        .hasMessageContaining("bad name!");
  }

  @Test
  void twoTopicsCannotShareAName() {
    assertThatThrownBy(
            () -> TopicCatalog.from(Map.of("allspark.topic.segmentations", "camera.frames")))
        .hasMessageContaining("CAMERA_FRAMES")
        .hasMessageContaining("SEGMENTATIONS");
  }
}
