package dev.allspark.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allspark.schemas.LabelReason;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LabelRequestPolicyTest {
  @Test
  void picksTheMostUncertainFramesWithinTheFractionBudget() {
    AtomicLong clock = new AtomicLong();
    LabelRequestPolicy policy = new LabelRequestPolicy(1e6, 0.05, 0, 1, clock::get);
    Random rng = new Random(1);
    int picked = 0;
    int pickedHigh = 0;
    for (int i = 0; i < 2000; i++) {
      clock.addAndGet(100);
      boolean high = rng.nextDouble() < 0.08; // more uncertain frames than the budget
      float u = high ? 2f + rng.nextFloat() : rng.nextFloat();
      LabelReason r = policy.decide(u);
      if (r != null) {
        assertThat(r).isEqualTo(LabelReason.UNCERTAINTY);
        picked++;
        pickedHigh += high ? 1 : 0;
      }
    }
    assertThat(picked).isLessThanOrEqualTo(100).isGreaterThan(40);
    assertThat(pickedHigh).as("picks are the uncertain frames").isGreaterThan(picked * 9 / 10);
  }

  @Test
  void requestsPerMinuteCapTheRate() {
    AtomicLong clock = new AtomicLong();
    // every frame is an audit pick, but only 6 per minute may go
    LabelRequestPolicy policy = new LabelRequestPolicy(6, 1, 1, 1, clock::get);
    int picked = 0;
    for (int i = 0; i < 600; i++) {
      clock.addAndGet(100); // 10 frames per second for one minute
      if (policy.decide(0.5f) == LabelReason.RANDOM_AUDIT) {
        picked++;
      }
    }
    assertThat(picked).isBetween(6, 7);
  }

  @Test
  void zeroRateRequestsNothing() {
    LabelRequestPolicy policy = new LabelRequestPolicy(0, 1, 1, 1, () -> 0);
    for (int i = 0; i < 100; i++) {
      assertThat(policy.decide(5f)).isNull();
    }
  }
}
