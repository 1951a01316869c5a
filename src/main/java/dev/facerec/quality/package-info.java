/** Enrollment image quality: face size, detector score, sharpness and pose, and the gate that enforces them. */
package dev.facerec.quality;
