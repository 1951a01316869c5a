/** Image validation from magic bytes and headers, safe decoding with OpenCV, and conversion to network input tensors. */
package dev.facerec.image;
