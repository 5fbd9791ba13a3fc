package dev.allspark.ingest;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.allspark.ops.OpsServer;
import dev.allspark.schemas.ImageEncoding;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * {@code POST /frames}: vehicle gateways push one frame per request. The body is the JPEG or PNG
 * bytes ({@code Content-Type: image/jpeg} or {@code image/png}); headers say who and when: {@code
 * X-Vehicle-Id}, {@code X-Camera-Id}, {@code X-Capture-Time} (epoch milliseconds or ISO-8601),
 * optional {@code X-Frame-Id} (default: a new UUID) and {@code X-Meta-<key>} metadata. Answers 202
 * with the frame id, partition and offset once the broker has the frame; 400 (bad input), 405, 413
 * (over the size limit), 415 (not JPEG or PNG) or 503 (Kafka unavailable), each with a message
 * saying what is wrong.
 */
final class HttpPush implements HttpHandler {
  /** Validates and sends a frame. */
  interface Sender {
    java.util.concurrent.Future<RecordMetadata> send(SourceFrame frame)
        throws FrameProducer.RejectedFrameException;
  }

  /** Told of every answer: frames the broker acknowledged, and refusals with their status. */
  interface Outcomes {
    void accepted(SourceFrame frame);

    void refused(int status);
  }

  /** How long a push waits for the broker: a little over the producer's delivery timeout. */
  static final long WAIT_SECONDS = 35;

  private final Sender producer;
  private final int maxImageBytes;
  private final Outcomes outcomes;

  HttpPush(Sender producer, int maxImageBytes, Outcomes outcomes) {
    this.producer = producer;
    this.maxImageBytes = maxImageBytes;
    this.outcomes = outcomes;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    try {
      answer(ex);
    } catch (RuntimeException e) {
      reply(ex, 500, error("the push failed: " + e));
    } catch (IOException e) {
      if (ex.getAttribute(ANSWERED) == null) {
        outcomes.refused(500); // the request broke off before it was answered
      }
      throw e;
    }
  }

  private static final String ANSWERED = "allspark.answered";

  /** Frame ids accepted lately (the newest {@link #REMEMBERED}), with where they went. */
  static final int REMEMBERED = 100_000;

  private static final long[] IN_FLIGHT = new long[0];

  private final Map<String, long[]> accepted =
      new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
          return size() > REMEMBERED;
        }
      };

  /** Handles one push and returns the status it answered with. */
  private int answer(HttpExchange ex) throws IOException {
    try {
      if (!ex.getRequestMethod().equals("POST")) {
        ex.getResponseHeaders().set("Allow", "POST");
        return reply(ex, 405, error("use POST with the image as the body"));
      }
      String type = header(ex, "Content-Type");
      ImageEncoding encoding;
      if (type == null) {
        return reply(ex, 415, error("Content-Type is missing: image/jpeg or image/png"));
      } else if (type.toLowerCase(Locale.ROOT).startsWith("image/jpeg")) {
        encoding = ImageEncoding.JPEG;
      } else if (type.toLowerCase(Locale.ROOT).startsWith("image/png")) {
        encoding = ImageEncoding.PNG;
      } else {
        return reply(ex, 415, error("Content-Type " + type + " is not image/jpeg or image/png"));
      }
      String vehicle = header(ex, "X-Vehicle-Id");
      String camera = header(ex, "X-Camera-Id");
      String time = header(ex, "X-Capture-Time");
      if (vehicle == null || camera == null || time == null) {
        return reply(
            ex, 400, error("headers X-Vehicle-Id, X-Camera-Id and X-Capture-Time are required"));
      }
      long capture;
      try {
        capture = time.matches("\\d+") ? Long.parseLong(time) : Instant.parse(time).toEpochMilli();
      } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
        return reply(
            ex,
            400,
            error(
                "X-Capture-Time '"
                    + time
                    + "' is neither epoch milliseconds nor an ISO-8601 instant in range"));
      }
      String declared = ex.getRequestHeaders().getFirst("Content-Length");
      if (declared != null && declared.strip().matches("\\d+")) {
        java.math.BigInteger length = new java.math.BigInteger(declared.strip());
        if (length.compareTo(java.math.BigInteger.valueOf(4L * maxImageBytes)) > 0) {
          // far over the limit: refused before reading a byte, and the connection is closed
          // (a body of a few times the limit is read and dropped below, so that a client still
          // sending it gets the answer rather than a reset)
          ex.getResponseHeaders().set("Connection", "close");
          return reply(
              ex,
              413,
              error(
                  "Content-Length "
                      + declared.strip()
                      + " is over the limit of "
                      + maxImageBytes
                      + " bytes"));
        }
      }
      byte[] body = readLimited(ex.getRequestBody(), maxImageBytes);
      if (body == null) {
        // read the rest so the client, still sending, gets the answer instead of a reset
        ex.getRequestBody().transferTo(OutputStream.nullOutputStream());
        return reply(ex, 413, error("the image is over the limit of " + maxImageBytes + " bytes"));
      }
      String frameId = header(ex, "X-Frame-Id");
      if (frameId == null) {
        frameId = UUID.randomUUID().toString();
      }
      Map<String, String> metadata = new LinkedHashMap<>();
      for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
        if (h.getKey().toLowerCase(Locale.ROOT).startsWith("x-meta-") && !h.getValue().isEmpty()) {
          metadata.put(h.getKey().substring(7).toLowerCase(Locale.ROOT), h.getValue().get(0));
        }
      }
      SourceFrame frame =
          new SourceFrame(frameId, vehicle, camera, capture, encoding, body, 0, 0, metadata, null);
      // a gateway that retries a push (its answer was lost) must not make a second frame: a frame
      // id accepted lately is answered again with where it went, and sent once
      long[] earlier;
      synchronized (accepted) {
        earlier = accepted.get(frameId);
        if (earlier == null) {
          accepted.put(frameId, IN_FLIGHT);
        }
      }
      if (earlier == IN_FLIGHT) {
        return reply(ex, 409, error("a push of frame " + frameId + " is in flight; retry later"));
      } else if (earlier != null) {
        return reply(ex, 200, where(frameId, earlier[0], earlier[1], true));
      }
      RecordMetadata md;
      try {
        md = producer.send(frame).get(WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (FrameProducer.RejectedFrameException e) {
        forget(frameId);
        return reply(ex, e.tooLarge() ? 413 : 400, error(e.getMessage()));
      } catch (ExecutionException | TimeoutException e) {
        forget(frameId);
        return reply(ex, 503, error("Kafka did not take the frame: " + e));
      } catch (org.apache.kafka.common.errors.RetriableException e) {
        // e.g. the schema registry cannot answer, so the frame cannot be encoded yet
        forget(frameId);
        return reply(ex, 503, error("the frame cannot be written now: " + e.getMessage()));
      } catch (RuntimeException e) {
        forget(frameId);
        throw e;
      }
      synchronized (accepted) {
        accepted.put(frameId, new long[] {md.partition(), md.offset()});
      }
      outcomes.accepted(frame);
      return reply(ex, 202, where(frameId, md.partition(), md.offset(), false));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return reply(ex, 503, error("interrupted"));
    }
  }

  private void forget(String frameId) {
    synchronized (accepted) {
      accepted.remove(frameId);
    }
  }

  /**
   * A header's value. The JDK server decodes header bytes as ISO-8859-1, which turned a UTF-8 frame
   * id such as {@code straße-1} (as curl sends it) into mojibake: bytes that are valid UTF-8 are
   * decoded as UTF-8, others keep the ISO-8859-1 reading.
   */
  private static String header(HttpExchange ex, String name) {
    String v = ex.getRequestHeaders().getFirst(name);
    if (v == null || v.isBlank()) {
      return null;
    }
    byte[] raw = v.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    try {
      v =
          java.nio.charset.StandardCharsets.UTF_8
              .newDecoder()
              .decode(java.nio.ByteBuffer.wrap(raw))
              .toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      // not UTF-8: keep the ISO-8859-1 reading
    }
    return v.strip();
  }

  /** The body, or null when it is longer than {@code limit}. */
  private static byte[] readLimited(InputStream in, int limit) throws IOException {
    byte[] data = in.readNBytes(limit + 1);
    return data.length > limit ? null : data;
  }

  private static Map<String, Object> error(String message) {
    return Map.of("error", message);
  }

  /** Where an accepted frame went; {@code duplicate}: a retried push of an accepted frame id. */
  private static Map<String, Object> where(
      String frameId, long partition, long offset, boolean duplicate) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("frameId", frameId);
    body.put("partition", partition);
    body.put("offset", offset);
    if (duplicate) {
      body.put("duplicate", true);
    }
    return body;
  }

  /**
   * Answers; a refusal is counted before the answer leaves, so a client that has its answer also
   * finds the refusal in the counters.
   */
  private int reply(HttpExchange ex, int status, Map<String, Object> body) throws IOException {
    ex.setAttribute(ANSWERED, status);
    if (status >= 400) {
      outcomes.refused(status);
    }
    OpsServer.json(ex, status, (Object) body);
    return status;
  }
}
