/**
 * The enroll, identify, verify and delete sequences and the rules they decide by ({@link
 * dev.facerec.recognition.IdentifyDecision}, {@link dev.facerec.recognition.DuplicateRule}, {@link
 * dev.facerec.recognition.Consistency}); the one writer of gallery changes, which it publishes to the index
 * replicas after each commit.
 */
package dev.facerec.recognition;
