package dev.allspark.bridge;

import com.sun.net.httpserver.HttpExchange;
import dev.allspark.ops.OpsServer;
import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The bridge's API authentication: {@code Authorization: Bearer <token>}, compared in constant
 * time. A request without it is answered 401 (with {@code WWW-Authenticate}), one with another
 * token 403; both are counted.
 */
final class BearerAuth {
  private final byte[] token;
  private final Counter refused;

  BearerAuth(String token, Counter refused) {
    this.token = token.getBytes(StandardCharsets.UTF_8);
    this.refused = refused;
  }

  /** True when the request carries the token; otherwise answers it and returns false. */
  boolean check(HttpExchange ex) throws IOException {
    String header = ex.getRequestHeaders().getFirst("Authorization");
    if (header == null || !header.startsWith("Bearer ")) {
      refused.increment();
      OpsServer.drain(ex);
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"allspark-labeling\"");
      OpsServer.error(ex, 401, "the API needs the header Authorization: Bearer <token>");
      return false;
    }
    byte[] given = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(given, token)) {
      refused.increment();
      OpsServer.drain(ex);
      OpsServer.error(ex, 403, "the token is not valid");
      return false;
    }
    return true;
  }
}
