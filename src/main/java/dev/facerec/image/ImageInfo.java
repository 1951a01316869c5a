package dev.facerec.image;

/** What {@link ImageProbe} learns from an image's header without decoding it. */
public record ImageInfo(ImageFormat format, int width, int height) {}
