/**
 * The accuracy evaluation and calibration tool ({@code evaluate verify|identify}): runs labeled images
 * through the service's own {@link dev.facerec.pipeline.FacePipeline} and computes verification and
 * open-set identification metrics, including subject templates and cohort score normalization
 * ({@link dev.facerec.eval.SubjectTemplate}, {@link dev.facerec.eval.CohortNorm}) and the fusion of two profiles'
 * recognizers ({@link dev.facerec.eval.Fusion}) that the service does not apply.
 */
package dev.facerec.eval;
