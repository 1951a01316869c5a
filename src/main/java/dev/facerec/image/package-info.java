/** Image validation from magic bytes and headers, and safe decoding with OpenCV. */
package dev.facerec.image;
