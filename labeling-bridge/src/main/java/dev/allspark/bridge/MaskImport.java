package dev.allspark.bridge;

import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.labels.LabelMaps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * {@code POST /api/import?folder=DIR}: every {@code *.png} of a folder under the import root whose
 * name (without extension) is a requested frame's id, or its last path segment, becomes a mask. The
 * folder's real path must be under the root's (neither ".." nor a link leads out); without a root,
 * import is off. The answer says what was imported and why each other file was skipped. {@code POST
 * /api/import/coco} does the same for the masks of a COCO file ({@link Coco}).
 */
final class MaskImport {
  /** Sends one mask for a request (the API's own submit: checked, then on labels.masks). */
  interface Submit {
    MaskSubmission.Submitted submit(LabelRequest request, byte[] png)
        throws LabelMaps.InvalidMaskException,
            MaskSubmission.ClaimConflict,
            InterruptedException,
            ExecutionException,
            TimeoutException;
  }

  /** The HTTP status and the JSON value to answer with. */
  record Result(int status, Object body) {
    static Result error(int status, String message) {
      return new Result(status, Map.of("error", message));
    }
  }

  private final LabelingBridge bridge;
  private final Submit submit;

  MaskImport(LabelingBridge bridge, Submit submit) {
    this.bridge = bridge;
    this.submit = submit;
  }

  Result run(String folder) throws IOException, InterruptedException {
    if (folder == null || folder.isBlank()) {
      return Result.error(400, "the query parameter folder (a folder of mask PNGs) is required");
    }
    Path root = bridge.importRoot();
    if (root == null) {
      return Result.error(
          403,
          "import is off: start the bridge with --import-root / ALLSPARK_BRIDGE_IMPORT_ROOT, the"
              + " folder under which mask folders may be read");
    }
    Path dir = Path.of(folder);
    if (!Files.isDirectory(dir)) {
      return Result.error(400, "folder " + dir + " does not exist or is not a folder");
    }
    // real paths: neither ".." nor a symbolic link leads out of the root
    if (!dir.toRealPath().startsWith(root.toRealPath())) {
      return Result.error(
          403, "folder " + dir + " is not under the import root " + root.toRealPath());
    }
    Map<String, List<LabelRequest>> byName = requestsByName();
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(f -> f.getFileName().toString().endsWith(".png")).sorted().toList();
    }
    int imported = 0;
    Map<String, String> skipped = new LinkedHashMap<>();
    for (Path f : files) {
      String name = f.getFileName().toString();
      String base = name.substring(0, name.length() - 4);
      List<LabelRequest> matches = byName.getOrDefault(base, List.of());
      if (matches.isEmpty()) {
        skipped.put(name, "no requested frame is named " + base);
        continue;
      }
      if (matches.size() > 1) {
        skipped.put(name, matches.size() + " requested frames end with " + base + ": ambiguous");
        continue;
      }
      if (send(matches.get(0), Files.readAllBytes(f), name, skipped)) {
        imported++;
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("folder", dir.toString());
    body.put("files", files.size());
    body.put("imported", imported);
    body.put("skipped", skipped);
    return new Result(200, body);
  }

  /** Masks read from a COCO file, matched to requests by their images' file names. */
  Result masks(List<Coco.Read> masks) throws InterruptedException {
    Map<String, List<LabelRequest>> byName = requestsByName();
    int imported = 0;
    Map<String, String> skipped = new LinkedHashMap<>();
    for (Coco.Read m : masks) {
      String name = m.fileName();
      String base = name.replaceFirst("\\.(png|jpe?g)$", "");
      List<LabelRequest> matches = byName.getOrDefault(base, List.of());
      if (matches.size() != 1) {
        skipped.put(
            name,
            matches.isEmpty()
                ? "no requested frame is named " + base
                : matches.size() + " requested frames end with " + base + ": ambiguous");
        continue;
      }
      if (send(matches.get(0), LabelMaps.grayPng(m.mask()), name, skipped)) {
        imported++;
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("images", masks.size());
    body.put("imported", imported);
    body.put("skipped", skipped);
    return new Result(200, body);
  }

  private boolean send(LabelRequest r, byte[] png, String name, Map<String, String> skipped)
      throws InterruptedException {
    try {
      submit.submit(r, png);
      return true;
    } catch (LabelMaps.InvalidMaskException e) {
      bridge.masksRefused.increment();
      skipped.put(name, e.getMessage());
    } catch (MaskSubmission.ClaimConflict e) {
      skipped.put(name, e.getMessage());
    } catch (ExecutionException | TimeoutException e) {
      skipped.put(name, "Kafka did not take the mask: " + e);
    }
    return false;
  }

  /** Requests by frame id and by its last path segment (folder replays name frames camera/file). */
  private Map<String, List<LabelRequest>> requestsByName() {
    Map<String, List<LabelRequest>> byName = new HashMap<>();
    try (KeyValueIterator<String, ValueAndTimestamp<LabelRequest>> it = bridge.requests().all()) {
      while (it.hasNext()) {
        var kv = it.next();
        byName.computeIfAbsent(kv.key, k -> new ArrayList<>()).add(kv.value.value());
        int slash = kv.key.lastIndexOf('/');
        if (slash >= 0) {
          byName
              .computeIfAbsent(kv.key.substring(slash + 1), k -> new ArrayList<>())
              .add(kv.value.value());
        }
      }
    }
    return byName;
  }
}
