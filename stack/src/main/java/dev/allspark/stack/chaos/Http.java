package dev.allspark.stack.chaos;

import dev.allspark.ops.PrometheusText;
import dev.allspark.schemas.kafka.DeadLetters;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** The suite's HTTP probes: requests by hand (malformed ones too), statuses, metrics. */
final class Http {
  private Http() {}

  static String reason(ConsumerRecord<String, byte[]> r) {
    Header h = r.headers().lastHeader(DeadLetters.REASON_HEADER);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  static Map<String, String> headers(String time) {
    return Map.of("X-Vehicle-Id", "v", "X-Camera-Id", "c", "X-Capture-Time", time);
  }

  static int request(String url, String method, String type, Map<String, String> h, byte[] body) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
      c.setRequestMethod(method);
      c.setConnectTimeout(5000);
      c.setReadTimeout(60_000);
      c.setRequestProperty("Content-Type", type);
      h.forEach(c::setRequestProperty);
      if (body != null) {
        c.setDoOutput(true);
        c.setFixedLengthStreamingMode(body.length);
        try (OutputStream out = c.getOutputStream()) {
          out.write(body);
        }
      }
      return c.getResponseCode();
    } catch (IOException e) {
      return -1;
    }
  }

  /** The status of an answer to a request written by hand (headers the JDK client refuses). */
  static int rawStatus(int port, String head) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      byte[] line = new byte[12];
      int n = in.readNBytes(line, 0, 12);
      String status = new String(line, 0, n, StandardCharsets.US_ASCII);
      return status.startsWith("HTTP/1.1 ") ? Integer.parseInt(status.substring(9, 12)) : -1;
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  static int status(String url, int timeoutMs) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
      c.setConnectTimeout(timeoutMs);
      c.setReadTimeout(timeoutMs);
      int code = c.getResponseCode();
      c.getInputStream().readAllBytes();
      return code;
    } catch (IOException e) {
      return -1;
    }
  }

  static double metric(int port, String name) {
    try {
      HttpURLConnection c =
          (HttpURLConnection)
              URI.create("http://127.0.0.1:" + port + "/metrics").toURL().openConnection();
      c.setReadTimeout(5000);
      return PrometheusText.value(
          new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8), name);
    } catch (IOException | NumberFormatException e) {
      // not up yet
    }
    return Double.NaN;
  }

  static long step(int port) {
    double v = metric(port, "allspark_trainer_step_total");
    return Double.isNaN(v) ? -1 : (long) v;
  }

  static void awaitLive(int port, Service s) throws InterruptedException {
    long end = System.nanoTime() + 180_000_000_000L;
    while (System.nanoTime() < end) {
      if (status("http://127.0.0.1:" + port + "/health/live", 1000) == 200) {
        return;
      }
      if (!s.alive()) {
        throw new IllegalStateException(s.name() + " exited, see " + s.log());
      }
      Thread.sleep(300);
    }
    throw new IllegalStateException(s.name() + " not live within 180 s, see " + s.log());
  }
}
