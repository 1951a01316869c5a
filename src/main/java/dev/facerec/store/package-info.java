/** PostgreSQL: embedded or external server, migrations, and the gallery store (vertx-pg-client). */
package dev.facerec.store;
