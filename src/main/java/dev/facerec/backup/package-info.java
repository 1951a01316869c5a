/** Backup and restore of a deployment: the database in one consistent export, the index snapshots, a checksummed manifest. */
package dev.facerec.backup;
