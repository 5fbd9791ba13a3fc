package dev.allspark.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RampUpTest {

  @Test
  void risesFromNearZeroToOneOverTheRampThenStays() {
    assertThat(OfflineTraining.rampUp(0, 100)).isCloseTo((float) Math.exp(-5), within(1e-6f));
    assertThat(OfflineTraining.rampUp(50, 100)).isCloseTo((float) Math.exp(-1.25), within(1e-6f));
    assertThat(OfflineTraining.rampUp(100, 100)).isEqualTo(1f);
    assertThat(OfflineTraining.rampUp(5000, 100)).isEqualTo(1f);
    assertThat(OfflineTraining.rampUp(0, 0))
        .as("no ramp: the reference's full weight")
        .isEqualTo(1f);
  }
}
