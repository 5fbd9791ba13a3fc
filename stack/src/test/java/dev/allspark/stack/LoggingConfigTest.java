package dev.allspark.stack;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allspark.ops.LogContext;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.slf4j.LoggerFactory;

/**
 * The logging of bin/allspark and the images, as {@code src/main/resources/logback.xml} sets it up:
 * readable lines by default, JSON lines with {@code ALLSPARK_LOG_FORMAT=json} (here its system
 * property twin), the MDC of {@link LogContext} in both, Kafka's internals held at warn.
 */
@Isolated
class LoggingConfigTest {
  private final PrintStream err = System.err;

  @AfterEach
  void restore() throws Exception {
    System.setErr(err);
    System.clearProperty("allspark.log.format");
    System.clearProperty("allspark.log.level");
    configure();
  }

  @Test
  void jsonLinesCarryLevelLoggerMessageAndTheFrameAndVersionTheyAreAbout() throws Exception {
    System.setProperty("allspark.log.format", "json");
    List<String> lines =
        capture(
            () -> {
              var log = LoggerFactory.getLogger("dev.allspark.inference.MicroBatch");
              try (var f = LogContext.frame("cam-3/000042");
                  var v = LogContext.version(7)) {
                log.warn("frame to the DLQ: {}", "image is empty");
              }
              log.info("no context here");
              LoggerFactory.getLogger("org.apache.kafka.clients.NetworkClient").info("chatter");
            });
    assertThat(lines).hasSize(2);
    ObjectMapper json = new ObjectMapper();
    JsonNode first = json.readTree(lines.get(0));
    assertThat(first.path("level").asText()).isEqualTo("WARN");
    assertThat(first.path("loggerName").asText()).isEqualTo("dev.allspark.inference.MicroBatch");
    assertThat(first.path("formattedMessage").asText())
        .isEqualTo("frame to the DLQ: image is empty");
    assertThat(first.path("mdc").path("frame").asText()).isEqualTo("cam-3/000042");
    assertThat(first.path("mdc").path("version").asText()).isEqualTo("7");
    assertThat(first.path("timestamp").asLong()).isPositive();
    JsonNode second = json.readTree(lines.get(1));
    assertThat(second.path("mdc").path("frame").isMissingNode()).isTrue();
  }

  @Test
  void textIsTheDefaultWithTheContextInBracketsAndTheLevelIsASetting() throws Exception {
    System.setProperty("allspark.log.level", "warn");
    List<String> lines =
        capture(
            () -> {
              var log = LoggerFactory.getLogger("dev.allspark.trainer.online.TrainingLoop");
              try (var s = LogContext.step(120)) {
                log.warn("step 120: checkpoint withheld");
              }
              log.info("below the level");
              log.warn("plain");
            });
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0))
        .matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\[.*] WARN  TrainingLoop \\[step=120] - .*")
        .endsWith("step 120: checkpoint withheld");
    assertThat(lines.get(1)).contains("WARN  TrainingLoop - plain").doesNotContain("[]");
  }

  private static List<String> capture(Runnable logging) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
    configure();
    logging.run();
    System.err.flush();
    return out.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
  }

  /** Reads logback.xml again, as a starting JVM does. */
  private static void configure() throws Exception {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    JoranConfigurator c = new JoranConfigurator();
    c.setContext(context);
    c.doConfigure(LoggingConfigTest.class.getClassLoader().getResource("logback.xml"));
  }
}
