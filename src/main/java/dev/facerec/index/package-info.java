/** HNSW index per collection (plain class), its snapshots, and the index verticle. */
package dev.facerec.index;
