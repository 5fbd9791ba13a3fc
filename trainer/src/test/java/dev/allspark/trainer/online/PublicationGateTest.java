package dev.allspark.trainer.online;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PublicationGateTest {
  @Test
  void theFirstIsPublishedAndAWorseOneBeyondTheMarginIsWithheld() {
    PublicationGate gate = new PublicationGate(0.02);
    assertThat(gate.decide(0.3, Double.NaN).publish()).isTrue();
    assertThat(gate.decide(0.49, 0.5).publish()).isTrue();
    assertThat(gate.decide(0.48, 0.5).publish()).isTrue();
    PublicationGate.Decision worse = gate.decide(0.47, 0.5);
    assertThat(worse.publish()).isFalse();
    assertThat(worse.reason()).contains("withheld").contains("0.4700").contains("0.4800");
    assertThat(gate.decide(Double.NaN, 0.5).publish()).isFalse();
  }

  @Test
  void aNegativeMarginDemandsAnImprovement() {
    PublicationGate gate = new PublicationGate(-0.05);
    assertThat(gate.decide(0.54, 0.5).publish()).isFalse();
    assertThat(gate.decide(0.55, 0.5).publish()).isTrue();
  }
}
