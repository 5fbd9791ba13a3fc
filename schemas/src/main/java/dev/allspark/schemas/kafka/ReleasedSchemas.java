package dev.allspark.schemas.kafka;

import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.CheckpointRecord;
import dev.allspark.schemas.LabelClaim;
import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.LabelReview;
import dev.allspark.schemas.LabeledFrame;
import dev.allspark.schemas.Segmentation;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.SchemaStore;

/**
 * The schema store that replaces a registry server: every schema version ever released, looked up
 * by the 64-bit fingerprint that Avro single-object encoding puts in front of each record.
 *
 * <p>It holds the current value schemas, every older released version listed in the classpath
 * resource {@code avro/history/index.txt}, and, optionally, the {@code .avsc} files of a folder
 * (set with {@code allspark.schemas.dir}): a way to teach an older service a newer writer's schema
 * without redeploying it.
 */
public final class ReleasedSchemas implements SchemaStore {
  /** The top-level value types, one per topic value. */
  public static final List<Schema> CURRENT =
      List.of(
          CameraFrame.getClassSchema(),
          LabelRequest.getClassSchema(),
          LabelMask.getClassSchema(),
          LabeledFrame.getClassSchema(),
          Segmentation.getClassSchema(),
          CheckpointRecord.getClassSchema(),
          LabelClaim.getClassSchema(),
          LabelReview.getClassSchema());

  private static final String HISTORY = "avro/history/";
  private static final ReleasedSchemas BUNDLED = load();

  private final Map<Long, Schema> byFingerprint = new ConcurrentHashMap<>();

  private ReleasedSchemas() {}

  /** The current schemas and every released older version shipped in this jar. */
  public static ReleasedSchemas bundled() {
    return BUNDLED;
  }

  private static ReleasedSchemas load() {
    ReleasedSchemas store = new ReleasedSchemas();
    CURRENT.forEach(store::add);
    ClassLoader loader = ReleasedSchemas.class.getClassLoader();
    try (InputStream index = loader.getResourceAsStream(HISTORY + "index.txt")) {
      if (index != null) {
        for (String line :
            new BufferedReader(new InputStreamReader(index, StandardCharsets.UTF_8))
                .lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList()) {
          try (InputStream in = loader.getResourceAsStream(HISTORY + line)) {
            if (in == null) {
              throw new IllegalStateException(
                  "avro/history/index.txt lists " + line + " but the resource is missing");
            }
            store.add(new Schema.Parser().parse(in));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the released schema history", e);
    }
    return store;
  }

  /** The bundled schemas plus every {@code .avsc} file in {@code dir}. */
  public static ReleasedSchemas bundledPlus(Path dir) {
    ReleasedSchemas store = new ReleasedSchemas();
    store.byFingerprint.putAll(bundled().byFingerprint);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".avsc")).sorted().toList()) {
        try {
          store.add(new Schema.Parser().parse(file.toFile()));
        } catch (RuntimeException e) {
          throw new IllegalArgumentException(
              "allspark.schemas.dir: " + file + " is not a valid Avro schema: " + e.getMessage(),
              e);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("allspark.schemas.dir: cannot list " + dir, e);
    }
    return store;
  }

  /** Adds one schema version (idempotent). */
  public ReleasedSchemas add(Schema schema) {
    byFingerprint.put(SchemaNormalization.parsingFingerprint64(schema), schema);
    return this;
  }

  @Override
  public Schema findByFingerprint(long fingerprint) {
    return byFingerprint.get(fingerprint);
  }

  public int size() {
    return byFingerprint.size();
  }
}
