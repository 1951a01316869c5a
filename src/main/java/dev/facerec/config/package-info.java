/** Typed configuration from conf/application.yaml and environment variables, validated once at start. */
package dev.facerec.config;
