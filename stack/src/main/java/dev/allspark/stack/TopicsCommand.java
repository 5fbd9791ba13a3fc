package dev.allspark.stack;

import dev.allspark.schemas.kafka.KafkaOverrides;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.kafka.TopicsInitializer;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code allspark topics}: the product's topics. */
@Command(
    name = "topics",
    description = "Create or list the product's Kafka topics.",
    mixinStandardHelpOptions = true,
    subcommands = {TopicsCommand.Create.class, TopicsCommand.ListTopics.class})
final class TopicsCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The catalog in force: defaults, renamed by ALLSPARK_TOPIC_* environment variables. */
  static TopicCatalog catalog() {
    return TopicCatalog.from(System.getenv());
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Create every missing topic and report existing ones whose settings differ.",
        "Existing topics are never changed. Safe to run again.",
        "Topic names follow ALLSPARK_TOPIC_<TOPIC> environment variables."
      })
  static final class Create implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--bootstrap",
        required = true,
        paramLabel = "HOST:PORT",
        description = "Kafka bootstrap servers.")
    String bootstrap;

    @Option(
        names = "--replication-factor",
        defaultValue = "-1",
        description = "Replication factor of created topics; -1 = the broker's default.")
    short replicationFactor;

    @Option(
        names = "--admin-config",
        paramLabel = "KEY=VALUE",
        description = "Extra Admin client settings (security, for example); repeatable.")
    Map<String, String> adminConfig = new HashMap<>();

    @Option(
        names = "--partitions",
        paramLabel = "TOPIC=N",
        description = {
          "Partitions of a topic (its catalog name, e.g. camera.frames=12); repeatable.",
          "An existing topic with fewer is grown (cleanup.policy=delete topics only: a compacted",
          "topic keeps its partitions and the difference is reported)."
        })
    Map<String, Integer> partitions = new HashMap<>();

    @Option(
        names = "--schema-registry",
        paramLabel = "URL",
        description = {
          "Register every topic's value schema (subject <topic>-value) with this Confluent-API",
          "schema registry (Confluent, Karapace, Apicurio's /apis/ccompat/v7). Default: "
              + dev.allspark.schemas.kafka.SchemaRegistry.URL_ENV
              + ", the setting",
          "that makes every service write the Confluent wire format; none when unset."
        })
    String schemaRegistry;

    @Override
    public Integer call() throws Exception {
      // security and tuning from ALLSPARK_KAFKA_* (as every service), then --admin-config
      Map<String, Object> config = new HashMap<>(KafkaOverrides.from(System.getenv()));
      config.putAll(adminConfig);
      config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      config.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
      config.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
      PrintWriter out = spec.commandLine().getOut();
      try (Admin admin = Admin.create(config)) {
        TopicsInitializer init = new TopicsInitializer(admin, catalog(), replicationFactor);
        if (schemaRegistry != null) {
          init.withRegistry(
              new dev.allspark.schemas.kafka.SchemaRegistry(
                  schemaRegistry,
                  System.getenv(dev.allspark.schemas.kafka.SchemaRegistry.AUTH_ENV)));
        }
        for (Map.Entry<String, Integer> e : partitions.entrySet()) {
          init.withPartitions(topic(spec.commandLine(), e.getKey()), e.getValue());
        }
        TopicsInitializer.Report report = init.run();
        report.created().forEach(t -> out.println("created   " + t));
        report.unchanged().forEach(t -> out.println("exists    " + t));
        report.notes().forEach(n -> out.println("note      " + n));
        report.differences().forEach(d -> out.println("DIFFERS   " + d));
        report.schemas().forEach(d -> out.println("schema    " + d));
        out.printf(
            "%d created, %d already there, %d settings differ%n",
            report.created().size(), report.unchanged().size(), report.differences().size());
        return report.consistent() ? 0 : 3;
      }
    }
  }

  /** A topic by its catalog name ({@code camera.frames}) or the name in force. */
  static Topic topic(CommandLine cli, String name) {
    TopicCatalog catalog = catalog();
    for (Topic t : Topic.values()) {
      if (t.defaultName().equals(name) || catalog.name(t).equals(name)) {
        return t;
      }
    }
    throw new CommandLine.ParameterException(
        cli,
        "--partitions: no topic is named '"
            + name
            + "'; topics: "
            + java.util.Arrays.stream(Topic.values()).map(Topic::defaultName).toList());
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Print the topic catalog: names in force and their settings.")
  static final class ListTopics implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      TopicCatalog catalog = catalog();
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          "%-20s %-18s %-10s %-9s %10s  %s%n",
          "topic", "key", "partitions", "cleanup", "max bytes", "value");
      for (Topic topic : Topic.values()) {
        out.printf(
            "%-20s %-18s %-10d %-9s %10d  %s%n",
            catalog.name(topic),
            topic.key(),
            topic.defaultPartitions(),
            topic.cleanupPolicy(),
            topic.maxMessageBytes(),
            topic.valueType() == null
                ? "rejected record + reason headers"
                : topic.valueType().getSimpleName());
      }
    }
  }
}
