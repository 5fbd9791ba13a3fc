package dev.allspark.stack.chaos;

import dev.allspark.testkit.EmbeddedKafka;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A standalone KRaft broker (combined broker and controller) in its own process: Apache Kafka's own
 * {@code kafka.Kafka} main from the jars the product ships with, its storage formatted with {@code
 * kafka.tools.StorageTool}, on fixed loopback ports so it can be stopped and started again at the
 * same address with its data.
 */
final class StandaloneBroker {
  private final Path dir;
  private final int port;
  private final Service process;

  StandaloneBroker(Path dir) throws IOException, InterruptedException {
    this.dir = dir;
    this.port = freePort();
    int controller = freePort();
    Path data = Files.createDirectories(dir.resolve("kafka-data"));
    Properties p = new Properties();
    p.putAll(EmbeddedKafka.singleNodeSettings());
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.bootstrap.servers", "127.0.0.1:" + controller);
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("log.dirs", data.toString());
    p.put("log.cleaner.backoff.ms", "1000"); // compaction within seconds, for the versions figure
    Path props = dir.resolve("server.properties");
    try (var out = Files.newOutputStream(props)) {
      p.store(out, "chaos suite broker");
    }
    String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
    Service format =
        new Service(
            "kafka-format",
            List.of(
                "kafka.tools.StorageTool",
                "format",
                "-t",
                clusterId,
                "-c",
                props.toString(),
                "--standalone"),
            Map.of(),
            dir,
            "256m");
    format.start();
    int code = format.await(120);
    if (code != 0) {
      throw new IllegalStateException(
          "formatting the broker's storage failed (exit " + code + "), see " + format.log());
    }
    this.process =
        new Service("kafka", List.of("kafka.Kafka", props.toString()), Map.of(), dir, "768m");
  }

  String bootstrap() {
    return "127.0.0.1:" + port;
  }

  void start() throws IOException, InterruptedException {
    process.start();
    long end = System.nanoTime() + 90_000_000_000L;
    while (System.nanoTime() < end) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException("the broker did not listen within 90 s, see " + process.log());
  }

  /** kill -9: the broker disappears mid-request, as in a crash or a lost node. */
  void kill() throws InterruptedException {
    process.kill9();
  }

  void stop() throws InterruptedException {
    process.stop(30);
  }

  Path dir() {
    return dir;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
