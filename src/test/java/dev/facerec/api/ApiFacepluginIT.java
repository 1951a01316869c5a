package dev.facerec.api;

/** The API end to end with the default {@code faceplugin} profile. */
class ApiFacepluginIT extends ApiTestBase {
  ApiFacepluginIT() {
    super("faceplugin");
  }
}
