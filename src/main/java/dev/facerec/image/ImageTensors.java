package dev.facerec.image;

import dev.facerec.model.ModelSpec;
import org.opencv.core.Mat;

/**
 * Turns an 8-bit BGR (or single-channel grey) Mat already at the network size into an NCHW float32
 * array, following a model's {@link ModelSpec.InputSpec}: channel order RGB, BGR or GRAY and
 * {@code (pixel - mean[c]) / std[c]} per output channel.
 */
public final class ImageTensors {
  private ImageTensors() {}

  /**
   * @param image CV_8UC3 BGR for RGB/BGR inputs, CV_8UC1 for GRAY inputs, sized width x height of the spec
   * @return {@code channels * height * width} floats, plane by plane
   */
  public static float[] toNchw(Mat image, ModelSpec.InputSpec spec) {
    int w = image.cols();
    int h = image.rows();
    int inChannels = image.channels();
    int outChannels = spec.gray() ? 1 : 3;
    if (inChannels != outChannels) {
      throw new IllegalArgumentException(
          "expected a " + outChannels + "-channel image for " + spec.channels() + " input, got " + inChannels);
    }
    byte[] px = new byte[w * h * inChannels];
    image.get(0, 0, px);
    float[] out = new float[outChannels * w * h];
    int plane = w * h;
    for (int c = 0; c < outChannels; c++) {
      // BGR Mats hold B,G,R; an RGB network wants R first, so read source channel 2 - c.
      int src = spec.gray() || spec.bgr() ? c : 2 - c;
      float mean = spec.mean()[Math.min(c, spec.mean().length - 1)];
      float scale = 1f / spec.std()[Math.min(c, spec.std().length - 1)];
      int o = c * plane;
      for (int i = 0, j = src; i < plane; i++, j += inChannels) {
        out[o + i] = ((px[j] & 0xFF) - mean) * scale;
      }
    }
    return out;
  }
}
