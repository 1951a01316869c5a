package dev.facerec.detect;

/** A face box in image pixels: top-left corner, width and height. */
public record Box(float x, float y, float width, float height) {
  public float area() {
    return Math.max(0, width) * Math.max(0, height);
  }

  public float centerX() {
    return x + width / 2f;
  }

  public float centerY() {
    return y + height / 2f;
  }

  public Box scaled(float s) {
    return new Box(x * s, y * s, width * s, height * s);
  }

  /** Intersection over union with another box. */
  public float iou(Box o) {
    float ix = Math.max(0, Math.min(x + width, o.x + o.width) - Math.max(x, o.x));
    float iy = Math.max(0, Math.min(y + height, o.y + o.height) - Math.max(y, o.y));
    float inter = ix * iy;
    float union = area() + o.area() - inter;
    return union <= 0 ? 0 : inter / union;
  }
}
