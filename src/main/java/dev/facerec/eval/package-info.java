/**
 * The accuracy evaluation and calibration tool ({@code evaluate verify|identify}): runs labeled images
 * through the service's own {@link dev.facerec.pipeline.FacePipeline} and computes verification and
 * open-set identification metrics.
 */
package dev.facerec.eval;
