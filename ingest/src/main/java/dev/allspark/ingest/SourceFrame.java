package dev.allspark.ingest;

import dev.allspark.schemas.ImageEncoding;
import java.util.Map;

/**
 * A frame from a source before validation: who took it, when, and its encoded bytes. {@code labels}
 * is the ground truth where the source has one (the synthetic fleet, a CamVid folder with
 * annotations), else null.
 */
public record SourceFrame(
    String frameId,
    String vehicleId,
    String cameraId,
    long captureTimeMillis,
    ImageEncoding encoding,
    byte[] image,
    int width,
    int height,
    Map<String, String> metadata,
    int[] labels) {}
