package dev.allspark.stack;

import dev.allspark.ingest.IngestService;
import dev.allspark.ingest.IngestSettings;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.kafka.TopicsInitializer;
import dev.allspark.testkit.EmbeddedKafka;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.tools.ProducerPerformance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code allspark bench ingest}: folder replay at full speed through the ingest service (edge
 * validation with a full decode of every frame, idempotent producer, {@code acks=all}), beside
 * Kafka's own {@code ProducerPerformance} sending the same number of records of the same mean size
 * with the same producer guarantees to a topic with the same settings. The ratio says what the
 * ingest path costs over the raw producer.
 */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description = {
      "Folder replay at full speed through the ingest service beside Kafka's ProducerPerformance",
      "(same record count and mean size, acks=all, idempotent) on the same broker. Prints JSON."
    })
public final class BenchIngestCommand implements Callable<Integer> {
  @Option(
      names = "--folder",
      defaultValue = "../shared/datasets/camvid/train",
      description = "Frames to replay, CamVid or Cityscapes layout (default: ${DEFAULT-VALUE}).")
  Path folder;

  @Option(
      names = "--bootstrap",
      description = "An existing broker (default: start one in this JVM).")
  String bootstrap;

  @Option(names = "--jpeg", description = "Re-encode frames as JPEG on the way.")
  boolean jpeg;

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(folder)) {
      throw new IllegalArgumentException(
          "--folder " + folder + " does not exist (CamVid lives in ../shared/datasets/camvid)");
    }
    EmbeddedKafka embedded = null;
    try {
      String servers = bootstrap;
      if (servers == null) {
        System.err.println("bench ingest: starting a Kafka broker in this JVM");
        embedded = EmbeddedKafka.start();
        servers = embedded.bootstrapServers();
      }
      String prefix = "bench-" + UUID.randomUUID().toString().substring(0, 8) + ".";
      TopicCatalog topics = TopicCatalog.prefixed(prefix);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
        // the yardstick's topic: the same partitions and limits as camera.frames
        admin
            .createTopics(
                List.of(
                    new org.apache.kafka.clients.admin.NewTopic(
                            prefix + "perf", Topic.CAMERA_FRAMES.defaultPartitions(), (short) 1)
                        .configs(topics.configs(Topic.CAMERA_FRAMES))))
            .all()
            .get();
      }

      // the default edge check (header of every frame, every n-th decoded), then every frame
      // decoded, as before issue 15
      int defaultEvery = Integer.parseInt(IngestSettings.Key.DECODE_EVERY.defaultValue());
      Map<String, Object> replays = new LinkedHashMap<>();
      long frames = 0;
      long bytes = 0;
      double defaultRate = 0;
      double fullRate = 0;
      for (int every : new int[] {defaultEvery, 1}) {
        System.err.printf(
            "bench ingest: replaying %s at full speed, decoding every %d frame(s)%n",
            folder, every);
        TopicCatalog replayTopics = TopicCatalog.prefixed(prefix + "d" + every + ".");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
          new TopicsInitializer(admin, replayTopics, (short) 1).run();
        }
        IngestSettings settings =
            IngestSettings.builder(servers)
                .topics(replayTopics)
                .source(IngestService.Source.FOLDER)
                .folder(folder)
                .fps(0)
                .jpeg(jpeg)
                .cameras(1)
                .httpPort(-1)
                .decodeEvery(every)
                .build();
        long t0 = System.nanoTime();
        try (IngestService ingest = new IngestService(settings, System.err).start()) {
          ingest.awaitFinished();
          frames = ingest.framesSent();
          bytes = ingest.bytesSent();
          if (ingest.status().startsWith("failed")) {
            throw new IllegalStateException("the replay failed: " + ingest.status());
          }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("decodeEvery", every);
        r.put("seconds", round(seconds));
        r.put("framesPerSecond", round(frames / seconds));
        r.put("megabytesPerSecond", round(bytes / seconds / (1 << 20)));
        replays.put(every == 1 ? "everyFrameDecoded" : "defaultCheck", r);
        if (every == 1) {
          fullRate = frames / seconds;
        } else {
          defaultRate = frames / seconds;
        }
      }
      int recordSize = (int) Math.max(1, bytes / Math.max(1, frames));

      System.err.printf(
          "bench ingest: ProducerPerformance, %d records of %d bytes%n", frames, recordSize);
      String perf =
          producerPerformance(
              new String[] {
                "--topic",
                prefix + "perf",
                "--num-records",
                Long.toString(frames),
                "--record-size",
                Integer.toString(recordSize),
                "--throughput",
                "-1",
                "--producer-props",
                "bootstrap.servers=" + servers,
                "acks=all",
                "enable.idempotence=true",
                "linger.ms=10",
                "batch.size=1048576",
                "max.request.size=" + (Topic.CAMERA_FRAMES.maxMessageBytes() + 4096)
              });
      Matcher m =
          Pattern.compile(
                  "(\\d+) records sent, ([\\d.]+) records/sec \\(([\\d.]+) MB/sec\\), ([\\d.]+) ms"
                      + " avg latency")
              .matcher(perf);
      if (!m.find()) {
        throw new IllegalStateException("ProducerPerformance printed no summary:\n" + perf);
      }
      double perfRate = Double.parseDouble(m.group(2));

      Map<String, Object> out = new LinkedHashMap<>();
      out.put("folder", folder.toString());
      out.put("frames", frames);
      out.put("meanImageBytes", recordSize);
      out.put("jpeg", jpeg);
      out.put("ingestFolderReplay", replays);
      Map<String, Object> yard = new LinkedHashMap<>();
      yard.put("records", Long.parseLong(m.group(1)));
      yard.put("recordsPerSecond", perfRate);
      yard.put("megabytesPerSecond", Double.parseDouble(m.group(3)));
      yard.put("avgLatencyMs", Double.parseDouble(m.group(4)));
      out.put("producerPerformance", yard);
      out.put("defaultCheckOverProducerPerformance", round(defaultRate / perfRate));
      out.put("everyFrameDecodedOverProducerPerformance", round(fullRate / perfRate));
      System.out.println(dev.allspark.ops.Json.pretty(out));
      return 0;
    } finally {
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  /** Runs Kafka's tool in this JVM and returns what it printed. */
  private static String producerPerformance(String[] args) throws Exception {
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      ProducerPerformance.main(args);
    } finally {
      System.setOut(stdout);
    }
    String text = captured.toString(StandardCharsets.UTF_8);
    System.err.print(text);
    return text;
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
