/** The model manifest, profile resolution, checksum verification and the {@code models fetch} installer. */
package dev.facerec.model;
