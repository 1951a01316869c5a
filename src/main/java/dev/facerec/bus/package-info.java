/** The event-bus contract: addresses, message records and their codecs, and the failure codes. */
package dev.facerec.bus;
