/** The post-deployment smoke check: an operator's client of the HTTP API that walks one request of each kind. */
package dev.facerec.smoke;
