package dev.allspark.schemas.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void pausesDoubleUpToTheCeilingAndStartOverAfterASuccess() {
    Backoff b = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(1));
    assertThat(b.nextMillis()).isEqualTo(250);
    assertThat(b.nextMillis()).isEqualTo(500);
    assertThat(b.nextMillis()).isEqualTo(1000);
    assertThat(b.nextMillis()).isEqualTo(1000);
    b.reset();
    assertThat(b.nextMillis()).isEqualTo(250);
  }

  @Test
  void aCeilingBelowTheFirstPauseIsRefused() {
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aFailureIsDescribedWithItsCausesOnce() {
    IOException root = new IOException("Unexpected end of ZLIB input stream");
    RuntimeException wrapped = new RuntimeException(root.toString(), root);
    assertThat(Errors.describe(new IllegalStateException("Error reading PNG image data", wrapped)))
        .isEqualTo(
            "Error reading PNG image data; java.io.IOException: Unexpected end of ZLIB input stream");
    assertThat(Errors.describe(new NullPointerException())).isEqualTo("NullPointerException");
    assertThat(Errors.describe(new IOException("reading:"))).isEqualTo("IOException (reading:)");
  }
}
