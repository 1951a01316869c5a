/** Meter names and registration: recognition outcomes, enrollment outcomes, inference queue. */
package dev.facerec.metrics;
