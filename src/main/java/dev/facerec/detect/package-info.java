/** Face detection (YuNet, UltraFace-style faceplugin detector) and landmark refinement; plain classes. */
package dev.facerec.detect;
