package dev.allspark.schemas.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the topics of a {@link TopicCatalog} that are missing and reports the ones that exist
 * with other settings (partitions, cleanup policy, max message size). Running it again changes
 * nothing.
 *
 * <p>Partitions may be chosen per topic ({@link #withPartitions}); a topic that exists with fewer
 * is grown to that count, so raising {@code camera.frames}' partitions (to run more inference
 * replicas) is a {@code helm upgrade}, not a failed hook. Only topics with {@code
 * cleanup.policy=delete} grow: in a compacted topic a key would move to another partition while its
 * old value stays in the old one, and a reader of the whole topic could take the old value for the
 * newest; those keep their partitions and the difference is reported. Nothing else about an
 * existing topic is changed.
 *
 * <p>Why some 340 lines: one job, making the broker's topics match the catalog, in four steps that
 * share the admin client, the catalog and the report (create what is missing and wait until it is
 * visible, grow what may grow, compare every setting, register the value schemas); split apart,
 * each step would need all of them again.
 */
public final class TopicsInitializer {
  private static final Logger LOG = LoggerFactory.getLogger(TopicsInitializer.class);
  private static final long TIMEOUT_SECONDS = 60;

  private final Admin admin;
  private final TopicCatalog catalog;
  private final short replicationFactor;
  private final Map<Topic, Integer> partitions = new java.util.EnumMap<>(Topic.class);
  private SchemaRegistry registry = SchemaRegistry.configured();

  /**
   * @param replicationFactor replication factor of created topics, or -1 for the broker default
   */
  public TopicsInitializer(Admin admin, TopicCatalog catalog, short replicationFactor) {
    if (replicationFactor == 0 || replicationFactor < -1) {
      throw new IllegalArgumentException(
          "replication factor must be -1 (broker default) or at least 1, got " + replicationFactor);
    }
    this.admin = admin;
    this.catalog = catalog;
    this.replicationFactor = replicationFactor;
  }

  /**
   * Partitions to create {@code topic} with, and to grow it to when it has fewer (topics with
   * {@code cleanup.policy=delete} only).
   *
   * @throws IllegalArgumentException for fewer than one partition, or a compacted topic whose
   *     partitions are fixed (see the class comment)
   */
  public TopicsInitializer withPartitions(Topic topic, int count) {
    if (count < 1) {
      throw new IllegalArgumentException(
          "partitions of " + catalog.name(topic) + " must be at least 1, got " + count);
    }
    partitions.put(topic, count);
    return this;
  }

  /**
   * The schema registry to register every topic's value schema with (subject {@code
   * <topic>-value}), so that standard consumers can read the topics and a registry's compatibility
   * rules check every later schema; null = none. Defaults to the one this process is configured
   * with ({@value SchemaRegistry#URL_ENV}).
   */
  public TopicsInitializer withRegistry(SchemaRegistry registry) {
    this.registry = registry;
    return this;
  }

  /** The partitions {@code topic} is created with. */
  public int partitions(Topic topic) {
    return partitions.getOrDefault(topic, topic.defaultPartitions());
  }

  /**
   * Creates the catalog's missing topics on a broker (replication factor 1: tests, benchmarks, the
   * demo) and returns the catalog.
   */
  public static TopicCatalog ensure(String bootstrap, TopicCatalog catalog)
      throws InterruptedException {
    try (Admin admin = Admin.create(java.util.Map.of("bootstrap.servers", bootstrap))) {
      new TopicsInitializer(admin, catalog, (short) 1).run();
    }
    return catalog;
  }

  /**
   * What one run did.
   *
   * @param differences settings that contradict the catalog (fewer partitions, another cleanup
   *     policy or size limit): {@code topics create} exits 3
   * @param notes deliberate changes that are fine, e.g. partitions raised by an operator to scale
   *     out (a later {@code topics create}, e.g. a Helm upgrade's hook, must not fail on them)
   * @param schemas value subjects registered with the schema registry, as {@code subject id N}
   *     (empty without a registry)
   */
  public record Report(
      List<String> created,
      List<String> unchanged,
      List<String> differences,
      List<String> notes,
      List<String> schemas) {
    public boolean consistent() {
      return differences.isEmpty();
    }
  }

  public Report run() throws InterruptedException {
    try {
      Set<String> existing = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      List<String> created = new ArrayList<>();
      List<String> unchanged = new ArrayList<>();
      List<NewTopic> toCreate = new ArrayList<>();
      List<Topic> present = new ArrayList<>();
      for (Topic topic : Topic.values()) {
        String name = catalog.name(topic);
        if (existing.contains(name)) {
          present.add(topic);
        } else {
          toCreate.add(
              new NewTopic(name, Optional.of(partitions(topic)), rf())
                  .configs(catalog.configs(topic)));
        }
      }
      for (NewTopic topic : toCreate) {
        try {
          admin.createTopics(List.of(topic)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
          created.add(topic.name());
          LOG.info(
              "created topic {} ({} partitions, {})",
              topic.name(),
              topic.numPartitions(),
              topic.configs());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
          // Created concurrently by another initializer: check it like any existing topic.
          present.add(topicNamed(topic.name()));
        }
      }
      awaitVisible(created);
      List<String> notes = new ArrayList<>();
      grow(present, notes);
      List<String> differences = compare(present, notes);
      for (Topic topic : present) {
        String name = catalog.name(topic);
        if (differences.stream().noneMatch(d -> d.startsWith(name + ":"))) {
          unchanged.add(name);
        }
      }
      differences.forEach(d -> LOG.warn("topic settings differ from the catalog: {}", d));
      notes.forEach(n -> LOG.info("topic: {}", n));
      List<String> schemas = new ArrayList<>();
      if (registry != null) {
        for (Topic topic : Topic.values()) {
          if (topic.valueType() != null) {
            String subject = SchemaRegistry.valueSubject(catalog.name(topic));
            int id =
                registry.register(
                    subject,
                    org.apache.avro.specific.SpecificData.get().getSchema(topic.valueType()));
            schemas.add(subject + " id " + id);
            LOG.info("schema {} registered with {} (id {})", subject, registry.url(), id);
          }
        }
      }
      return new Report(
          List.copyOf(created),
          List.copyOf(unchanged),
          List.copyOf(differences),
          List.copyOf(notes),
          List.copyOf(schemas));
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot initialize topics: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "cannot initialize topics: the cluster did not answer within "
              + TIMEOUT_SECONDS
              + " s (is the bootstrap address right?)",
          e);
    }
  }

  /**
   * Waits until every created topic can be described with all its partitions led: creation returns
   * before the metadata reaches every broker, and a service that starts right after (the demo, a
   * Helm hook followed by the services) would otherwise see "unknown topic".
   */
  private void awaitVisible(List<String> created)
      throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    while (!created.isEmpty()) {
      try {
        Map<String, TopicDescription> d =
            admin.describeTopics(created).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (d.values().stream()
            .allMatch(t -> t.partitions().stream().allMatch(p -> p.leader() != null))) {
          return;
        }
      } catch (ExecutionException e) {
        if (!(e.getCause()
            instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
          throw e;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("created topics did not become visible: " + created);
      }
      Thread.sleep(100);
    }
  }

  /** Grows delete-policy topics that have fewer partitions than asked for. */
  private void grow(List<Topic> present, List<String> notes)
      throws InterruptedException, ExecutionException, TimeoutException {
    List<Topic> asked = present.stream().filter(partitions::containsKey).toList();
    if (asked.isEmpty()) {
      return;
    }
    Map<String, TopicDescription> d =
        admin
            .describeTopics(asked.stream().map(catalog::name).toList())
            .allTopicNames()
            .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    Map<String, NewPartitions> increases = new HashMap<>();
    for (Topic topic : asked) {
      String name = catalog.name(topic);
      int have = d.get(name).partitions().size();
      if (have < partitions(topic) && !topic.compacted()) {
        increases.put(name, NewPartitions.increaseTo(partitions(topic)));
        notes.add(name + ": grown from " + have + " to " + partitions(topic) + " partitions");
      }
    }
    if (!increases.isEmpty()) {
      admin.createPartitions(increases).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      increases.forEach(
          (name, n) -> LOG.info("grew topic {} to {} partitions", name, n.totalCount()));
    }
  }

  private Optional<Short> rf() {
    return replicationFactor < 0 ? Optional.empty() : Optional.of(replicationFactor);
  }

  private Topic topicNamed(String name) {
    return catalog.names().entrySet().stream()
        .filter(e -> e.getValue().equals(name))
        .findFirst()
        .orElseThrow()
        .getKey();
  }

  private List<String> compare(Collection<Topic> topics, List<String> notes)
      throws InterruptedException, ExecutionException, TimeoutException {
    List<String> differences = new ArrayList<>();
    if (topics.isEmpty()) {
      return differences;
    }
    List<String> names = topics.stream().map(catalog::name).toList();
    Map<String, TopicDescription> descriptions =
        admin.describeTopics(names).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    Map<ConfigResource, Topic> resources = new HashMap<>();
    for (Topic topic : topics) {
      resources.put(new ConfigResource(ConfigResource.Type.TOPIC, catalog.name(topic)), topic);
    }
    Map<ConfigResource, Config> configs =
        admin.describeConfigs(resources.keySet()).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    for (Topic topic : topics) {
      String name = catalog.name(topic);
      int have = descriptions.get(name).partitions().size();
      int want = partitions(topic);
      if (have < want) {
        differences.add(
            name
                + ": "
                + have
                + " partitions, "
                + (partitions.containsKey(topic) ? "asked for " : "catalog says ")
                + want
                + (topic.compacted()
                    ? " (compacted: not grown, keys would move to other partitions; recreate it"
                        + " empty or keep "
                        + have
                        + ")"
                    : ""));
      } else if (have > want) {
        notes.add(
            name
                + ": "
                + have
                + " partitions, raised from "
                + (partitions.containsKey(topic)
                    ? "the " + want + " asked for"
                    : "the catalog's " + want)
                + " (fine)");
      }
      Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name));
      for (Map.Entry<String, String> expected : catalog.configs(topic).entrySet()) {
        ConfigEntry actual = config.get(expected.getKey());
        String value = actual == null ? null : actual.value();
        if (!expected.getValue().equals(value) && TopicCatalog.tuning(expected.getKey())) {
          notes.add(
              name
                  + ": "
                  + expected.getKey()
                  + "="
                  + value
                  + ", catalog suggests "
                  + expected.getValue());
        } else if (!expected.getValue().equals(value)) {
          differences.add(
              name
                  + ": "
                  + expected.getKey()
                  + "="
                  + value
                  + ", catalog says "
                  + expected.getValue());
        }
      }
    }
    return differences;
  }
}
