/**
 * The CompreFace-compatible REST API (CompreFace 1.x routes and shapes) on the service's own gallery, security
 * and recognition sequences: subjects addressed by name within a key's collection, docs/compreface.md.
 */
package dev.facerec.api.compreface;
