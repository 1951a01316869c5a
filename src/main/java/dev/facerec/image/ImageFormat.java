package dev.facerec.image;

/** The image types the service accepts, recognised by their magic bytes. */
public enum ImageFormat {
  JPEG,
  PNG,
  WEBP,
  BMP
}
