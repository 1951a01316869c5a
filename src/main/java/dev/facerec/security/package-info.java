/** Who may call: API keys and JWTs, roles and collection scopes, rate limits, failed-auth back-off, the keys CLI. */
package dev.facerec.security;
