package dev.allspark.schemas.kafka;

import dev.allspark.schemas.CheckpointChunk;
import dev.allspark.schemas.CheckpointManifest;
import dev.allspark.schemas.CheckpointRecord;
import dev.allspark.schemas.TopicPartitionOffset;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How checkpoint files travel on {@code model.checkpoints}: a file is cut into chunks (key {@code
 * v<version>/chunk/<index>}), followed by its manifest (key {@code v<version>/manifest}) with the
 * SHA-256 and size of the whole file. A reader keeps chunks until the manifest arrives, then
 * verifies and releases the file ({@link Assembler}).
 *
 * <p>Every reader of the topic goes through {@link Reader}, every writer through {@link
 * CheckpointPublisher}.
 *
 * <p>Some 370 lines: the topic's layout (keys, records), its reassembly and its reader are one
 * contract, kept in one file so that they cannot drift apart.
 */
public final class CheckpointTopic {
  private static final Logger log = LoggerFactory.getLogger(CheckpointTopic.class);

  /** Chunk payload size: well below the topic's 2 MiB message limit. */
  public static final int DEFAULT_CHUNK_BYTES = 1 << 20;

  private CheckpointTopic() {}

  public static String chunkKey(long version, int index) {
    return "v" + version + "/chunk/" + index;
  }

  public static String manifestKey(long version) {
    return "v" + version + "/manifest";
  }

  /**
   * The records that remove a version from the compacted topic: a tombstone for its manifest first
   * (a reader never sees a manifest whose chunks are gone), then one per chunk.
   */
  public static List<ProducerRecord<String, CheckpointRecord>> tombstones(
      String topic, long version, int chunkCount) {
    List<ProducerRecord<String, CheckpointRecord>> out = new ArrayList<>();
    out.add(new ProducerRecord<>(topic, 0, manifestKey(version), null));
    for (int i = 0; i < chunkCount; i++) {
      out.add(new ProducerRecord<>(topic, 0, chunkKey(version, i), null));
    }
    return out;
  }

  /** The version a manifest key names ({@code v12/manifest} is 12), or null for any other key. */
  public static Long manifestVersion(String key) {
    if (key == null || !key.startsWith("v") || !key.endsWith("/manifest")) {
      return null;
    }
    try {
      return Long.parseLong(key.substring(1, key.length() - "/manifest".length()));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The records that publish one checkpoint file, chunks first, manifest last. Send them in order
   * to the single partition of the topic (inside one transaction, so a reader never sees half).
   */
  public static List<ProducerRecord<String, CheckpointRecord>> records(
      String topic,
      long version,
      Long parentVersion,
      byte[] file,
      String format,
      Map<String, Double> metrics,
      List<TopicPartitionOffset> watermark,
      int chunkBytes) {
    if (chunkBytes < 1) {
      throw new IllegalArgumentException("chunk size must be >= 1, got " + chunkBytes);
    }
    int count = Math.max(1, (file.length + chunkBytes - 1) / chunkBytes);
    List<ProducerRecord<String, CheckpointRecord>> out = new ArrayList<>(count + 1);
    for (int i = 0; i < count; i++) {
      int from = i * chunkBytes;
      int to = Math.min(file.length, from + chunkBytes);
      CheckpointChunk chunk =
          CheckpointChunk.newBuilder()
              .setVersion(version)
              .setIndex(i)
              .setCount(count)
              .setData(ByteBuffer.wrap(file, from, to - from).slice())
              .build();
      out.add(
          new ProducerRecord<>(
              topic,
              0,
              chunkKey(version, i),
              CheckpointRecord.newBuilder().setBody(chunk).build()));
    }
    CheckpointManifest manifest =
        CheckpointManifest.newBuilder()
            .setVersion(version)
            .setParentVersion(parentVersion)
            .setSha256(sha256(file))
            .setSizeBytes(file.length)
            .setChunkCount(count)
            .setFormat(format)
            .setMetrics(Map.copyOf(metrics))
            .setWatermark(List.copyOf(watermark))
            .setCreatedAt(Instant.now())
            .build();
    out.add(
        new ProducerRecord<>(
            topic,
            0,
            manifestKey(version),
            CheckpointRecord.newBuilder().setBody(manifest).build()));
    return out;
  }

  /** A verified checkpoint file with its manifest. */
  public record Published(CheckpointManifest manifest, byte[] file) {
    public long version() {
      return manifest.getVersion();
    }
  }

  /** A version whose chunks do not add up to its manifest. */
  public record Refused(long version, String reason) {}

  /**
   * The outcome of one record: nothing yet, a complete checkpoint, a refused one, a version removed
   * by retention, a manifest listed (by a {@link Reader#manifests()} reader), or a record that does
   * not decode.
   */
  public sealed interface Outcome
      permits Pending, Complete, Rejected, Removed, Listed, Unreadable {}

  public record Pending() implements Outcome {}

  public record Complete(Published checkpoint) implements Outcome {}

  public record Rejected(Refused refusal) implements Outcome {}

  /** A tombstone for a version's manifest: retention removed it. */
  public record Removed(long version) implements Outcome {}

  /** A manifest seen by a reader that lists versions without reassembling their files. */
  public record Listed(CheckpointManifest manifest) implements Outcome {}

  /** A record whose bytes are not a checkpoint record. */
  public record Unreadable(long offset, String reason) implements Outcome {}

  /**
   * The one way to read {@code model.checkpoints}: records in offset order in, outcomes out. It
   * decodes each record, follows retention's tombstones and either reassembles and verifies every
   * file ({@link #files()}) or only lists the manifests ({@link #manifests()}, which never decodes
   * a chunk). {@link #versions()} is what the topic holds now: manifests not yet removed. Not
   * thread-safe, except {@link #versions()}, which may be read from any thread.
   */
  public static final class Reader {
    private final AvroSerde<CheckpointRecord> serde = new AvroSerde<>(CheckpointRecord.class);
    private final boolean files;
    private final NavigableMap<Long, CheckpointManifest> versions = new ConcurrentSkipListMap<>();
    private Assembler assembler = new Assembler();

    private Reader(boolean files) {
      this.files = files;
    }

    /** A reader that reassembles and verifies every file. */
    public static Reader files() {
      return new Reader(true);
    }

    /** A reader that lists versions (their manifests) and skips the files' chunks. */
    public static Reader manifests() {
      return new Reader(false);
    }

    public Outcome accept(ConsumerRecord<String, byte[]> record) {
      Long manifestOf = manifestVersion(record.key());
      if (record.value() == null) {
        if (manifestOf == null) {
          return new Pending(); // a chunk's tombstone
        }
        versions.remove(manifestOf);
        return new Removed(manifestOf);
      }
      if (!files && manifestOf == null) {
        return new Pending();
      }
      CheckpointRecord value;
      try {
        value = serde.decode(record);
      } catch (RecordDecodeException e) {
        // the record's own faults only: SchemaRegistry.Unavailable goes to the caller
        return new Unreadable(record.offset(), e.getMessage());
      }
      if (!files) {
        if (value.getBody() instanceof CheckpointManifest m) {
          versions.put(m.getVersion(), m);
          return new Listed(m);
        }
        return new Pending();
      }
      Outcome outcome = assembler.accept(value);
      if (outcome instanceof Complete complete) {
        versions.put(complete.checkpoint().version(), complete.checkpoint().manifest());
      }
      return outcome;
    }

    /** The versions on the topic as read so far, oldest first: manifests not removed. */
    public NavigableMap<Long, CheckpointManifest> versions() {
      return Collections.unmodifiableNavigableMap(versions);
    }

    /** Forgets everything, to read the topic again from its beginning. */
    public void restart() {
      assembler = new Assembler();
      versions.clear();
    }

    /**
     * Reads the partitions once from their beginning to the end they had when asked: the versions
     * then on the topic. Stops early (with what it has) when {@code go} turns false.
     */
    public NavigableMap<Long, CheckpointManifest> readToEnd(
        Consumer<String, byte[]> consumer, List<TopicPartition> partitions, BooleanSupplier go) {
      return readToEnd(consumer, partitions, go, null, java.time.Duration.ZERO);
    }

    /**
     * As {@link #readToEnd(Consumer, List, BooleanSupplier)}, but first waits (up to {@code
     * maxWait}) for every transaction written before the call to be decided, so that a version
     * committed just before is not missed (see {@link Partitions#readToEnd(Consumer, List,
     * BooleanSupplier, java.util.function.Consumer, java.util.Map, java.time.Duration)}).
     */
    public NavigableMap<Long, CheckpointManifest> readToEnd(
        Consumer<String, byte[]> consumer,
        List<TopicPartition> partitions,
        BooleanSupplier go,
        java.util.Map<TopicPartition, Long> logEnd,
        java.time.Duration maxWait) {
      String unsettled =
          Partitions.readToEnd(
              consumer,
              partitions,
              go,
              r -> {
                if (accept(r) instanceof Unreadable u) {
                  log.warn(
                      "unreadable record on {} at offset {}: {}",
                      r.topic(),
                      u.offset(),
                      u.reason());
                }
              },
              logEnd,
              maxWait);
      if (unsettled != null) {
        log.warn(
            "read the checkpoints committed so far; still open after {}: {}", maxWait, unsettled);
      }
      return versions();
    }
  }

  /**
   * Reassembles checkpoint files from the topic's records, in offset order. Chunks of a version are
   * kept until its manifest arrives; then the file is checked against the manifest's chunk count,
   * size and SHA-256 and released or refused. Not thread-safe.
   */
  public static final class Assembler {
    private final Map<Long, TreeMap<Integer, byte[]>> chunks = new TreeMap<>();

    public Outcome accept(CheckpointRecord record) {
      Object body = record.getBody();
      if (body instanceof CheckpointChunk chunk) {
        ByteBuffer data = chunk.getData().duplicate();
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        chunks
            .computeIfAbsent(chunk.getVersion(), v -> new TreeMap<>())
            .put(chunk.getIndex(), bytes);
        return new Pending();
      }
      CheckpointManifest manifest = (CheckpointManifest) body;
      long version = manifest.getVersion();
      TreeMap<Integer, byte[]> parts = chunks.remove(version);
      if (parts == null) {
        return new Rejected(new Refused(version, "manifest without any chunk"));
      }
      for (int i = 0; i < manifest.getChunkCount(); i++) {
        if (!parts.containsKey(i)) {
          return new Rejected(
              new Refused(
                  version, "chunk " + i + " of " + manifest.getChunkCount() + " is missing"));
        }
      }
      if (parts.size() != manifest.getChunkCount()) {
        return new Rejected(
            new Refused(
                version, parts.size() + " chunks for a manifest of " + manifest.getChunkCount()));
      }
      long size = 0;
      for (byte[] part : parts.values()) {
        size += part.length;
      }
      if (size != manifest.getSizeBytes()) {
        return new Rejected(
            new Refused(
                version,
                "chunks hold " + size + " bytes, manifest says " + manifest.getSizeBytes()));
      }
      byte[] file = new byte[(int) size];
      int at = 0;
      for (byte[] part : parts.values()) {
        System.arraycopy(part, 0, file, at, part.length);
        at += part.length;
      }
      String actual = sha256(file);
      if (!actual.equalsIgnoreCase(manifest.getSha256())) {
        return new Rejected(
            new Refused(
                version,
                "sha256 mismatch: manifest " + manifest.getSha256() + ", content " + actual));
      }
      return new Complete(new Published(manifest, file));
    }
  }
}
