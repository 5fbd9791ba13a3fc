package dev.allspark.bridge;

import com.sun.net.httpserver.HttpExchange;
import dev.allspark.ops.OpsServer;
import io.micrometer.core.instrument.Counter;
import java.io.IOException;

/**
 * The bridge's API authentication: {@code Authorization: Bearer <token>}, looked up in {@link
 * Labelers} (hashed, constant-time). A request without it is answered 401 (with {@code
 * WWW-Authenticate}), one with an unknown or revoked token 403; both are counted. The caller's
 * identity is the token's owner: nothing the client declares (no header) names the labeler.
 */
final class BearerAuth {
  private final Labelers labelers;
  private final Counter refused;

  BearerAuth(Labelers labelers, Counter refused) {
    this.labelers = labelers;
    this.refused = refused;
  }

  /** The caller when the request carries a known token; otherwise answers it and returns null. */
  Labelers.Identity check(HttpExchange ex) throws IOException {
    String header = ex.getRequestHeaders().getFirst("Authorization");
    if (header == null || !header.startsWith("Bearer ")) {
      refused.increment();
      OpsServer.drain(ex);
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"allspark-labeling\"");
      OpsServer.error(ex, 401, "the API needs the header Authorization: Bearer <token>");
      return null;
    }
    Labelers.Identity who = labelers.identify(header.substring(7).strip());
    if (who == null) {
      refused.increment();
      OpsServer.drain(ex);
      OpsServer.error(ex, 403, "the token is not valid (unknown or revoked)");
      return null;
    }
    return who;
  }
}
