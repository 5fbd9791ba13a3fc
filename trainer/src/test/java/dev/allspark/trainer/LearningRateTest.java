package dev.allspark.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LearningRateTest {

  @Test
  void linearWarmUpThenPolyDecayToZero() {
    LearningRate lr = new LearningRate(0.01, 10, 110, 0.9);
    assertThat(lr.at(0)).isCloseTo(0.001f, within(1e-7f));
    assertThat(lr.at(9)).isCloseTo(0.01f, within(1e-7f));
    assertThat(lr.at(10)).isCloseTo(0.01f, within(1e-7f));
    assertThat(lr.at(60)).isCloseTo((float) (0.01 * Math.pow(0.5, 0.9)), within(1e-7f));
    assertThat(lr.at(110)).isZero();
  }

  @Test
  void refusesAWarmUpAsLongAsTheRun() {
    assertThatThrownBy(() -> new LearningRate(0.01, 100, 100, 0.9))
        .hasMessageContaining("warmup < total");
  }
}
