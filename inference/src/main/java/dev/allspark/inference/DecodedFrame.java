package dev.allspark.inference;

import dev.allspark.schemas.CameraFrame;
import java.awt.image.BufferedImage;

/**
 * A frame that passed validation: its record, its decoded image, and when the service received it.
 */
record DecodedFrame(
    CameraFrame frame, BufferedImage image, long receivedAtMillis, long receivedNanos) {}
