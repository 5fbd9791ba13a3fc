package dev.allspark.bridge;

import com.sun.net.httpserver.HttpExchange;
import dev.allspark.ops.OpsServer;
import dev.allspark.schemas.LabelRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/** What the bridge's routes share: the handler shapes, ordered JSON maps, the requested frame. */
final class ApiCalls {
  private ApiCalls() {}

  interface Action {
    void run() throws IOException, InterruptedException, ExecutionException, TimeoutException;
  }

  interface AsCaller {
    void run(Labelers.Identity who)
        throws IOException, InterruptedException, ExecutionException, TimeoutException;
  }

  /** A map that keeps the order its keys are given in: key, value, key, value, ... */
  static Map<String, Object> ordered(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  /** The request for {@code ?frame=}, or null after answering 400/404. */
  static LabelRequest requested(LabelingBridge bridge, HttpExchange ex) throws IOException {
    String id = OpsServer.query(ex).get("frame");
    if (id == null || id.isBlank()) {
      OpsServer.error(ex, 400, "the query parameter frame (a frame id) is required");
      return null;
    }
    ValueAndTimestamp<LabelRequest> r = bridge.requests().get(id);
    if (r == null) {
      OpsServer.error(ex, 404, "frame " + id + " has no label request");
      return null;
    }
    return r.value();
  }
}
