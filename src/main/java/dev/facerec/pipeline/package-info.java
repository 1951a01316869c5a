/** The face pipeline (validate, decode, detect, align, embed) and the inference worker verticle. */
package dev.facerec.pipeline;
