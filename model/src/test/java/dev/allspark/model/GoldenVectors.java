package dev.allspark.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.allspark.testkit.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The arrays of one file of {@code ../shared/golden/} (the authors' reference code's vectors), by
 * name, and the tolerance check every golden test uses. Skips the test where the file is absent.
 */
public final class GoldenVectors implements AutoCloseable {
  private final NDManager manager;
  private final Map<String, NDArray> arrays = new HashMap<>();

  private GoldenVectors(NDManager manager) {
    this.manager = manager;
  }

  /** Reads {@code ../shared/golden/NAME}. */
  public static GoldenVectors read(String name) throws IOException {
    byte[] bytes = Files.readAllBytes(SharedData.require("golden/" + name));
    GoldenVectors golden = new GoldenVectors(NDManager.newBaseManager());
    for (NDArray array : NDList.decode(golden.manager, bytes)) {
      golden.arrays.put(array.getName(), array);
    }
    return golden;
  }

  /**
   * The file for a test class: {@code @RegisterExtension static final GoldenVectors.File GOLDEN =
   * GoldenVectors.file("x.npz")} reads it before the class's tests (or skips them where it is
   * absent) and closes it after them.
   */
  public static File file(String name) {
    return new File(name);
  }

  /** One golden file's lifetime, bound to a test class's. */
  public static final class File implements BeforeAllCallback, AfterAllCallback {
    private final String name;
    private GoldenVectors vectors;

    private File(String name) {
      this.name = name;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
      vectors = read(name);
    }

    @Override
    public void afterAll(ExtensionContext context) {
      if (vectors != null) {
        vectors.close();
        vectors = null;
      }
    }

    /** The arrays, read. */
    public GoldenVectors vectors() {
      return vectors;
    }
  }

  /** The manager that owns the arrays; a test opens its sub-managers from it. */
  public NDManager manager() {
    return manager;
  }

  /** The array of that name; fails the test when the file has none. */
  public NDArray get(String name) {
    NDArray array = arrays.get(name);
    assertThat(array).as("golden array " + name).isNotNull();
    return array;
  }

  public boolean has(String name) {
    return arrays.containsKey(name);
  }

  public Set<String> names() {
    return arrays.keySet();
  }

  /**
   * Every element within {@code atol + rtol * |expected|} (a NaN is never within); the message
   * names the worst element.
   */
  public static void assertClose(
      String what, NDArray actual, NDArray expected, double atol, double rtol) {
    assertThat(actual.getShape()).as(what + " shape").isEqualTo(expected.getShape());
    float[] a = actual.toType(DataType.FLOAT32, false).toFloatArray();
    float[] e = expected.toType(DataType.FLOAT32, false).toFloatArray();
    int worst = -1;
    double worstExcess = 0;
    for (int i = 0; i < a.length; i++) {
      double excess = Math.abs(a[i] - e[i]) - (atol + rtol * Math.abs(e[i]));
      if (!(excess <= worstExcess)) { // NaN counts as a failure
        worstExcess = Double.isNaN(excess) ? Double.POSITIVE_INFINITY : excess;
        worst = i;
      }
    }
    if (worst >= 0) {
      throw new AssertionError(
          String.format(
              "%s: element %d is %s, the reference %s (beyond %s + %s x |reference|)",
              what, worst, a[worst], e[worst], atol, rtol));
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
