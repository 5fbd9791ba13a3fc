package dev.allspark.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GradientGuardTest {
  @Test
  void absurdNormsAreRefusedEvenBeforeThereIsAnAverage() {
    GradientGuard guard = new GradientGuard(100, 3);
    assertThat(guard.accept(3e10f)).isFalse(); // a garbage backward pass on the very first step
    assertThat(guard.accept(Float.POSITIVE_INFINITY)).isFalse();
    assertThat(guard.accept(Float.NaN)).isFalse();
    assertThat(guard.accept(2.5f)).isTrue();
    assertThat(guard.refused()).isEqualTo(3);
  }

  @Test
  void afterTheWarmUpANormFarAboveTheRecentOnesIsRefused() {
    GradientGuard guard = new GradientGuard(100, 3);
    for (int i = 0; i < 10; i++) {
      assertThat(guard.accept(1.0f + i * 0.1f)).isTrue();
    }
    assertThat(guard.accept(5000f)).isFalse(); // under the absolute ceiling, but 100x the average
    assertThat(guard.accept(30f)).isTrue(); // large, plausible
  }
}
