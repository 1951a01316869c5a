/** Face alignment onto the ArcFace template and embedding with ONNX Runtime. */
package dev.facerec.embed;
