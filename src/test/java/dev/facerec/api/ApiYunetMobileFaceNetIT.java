package dev.facerec.api;

/** The API end to end with the {@code yunet-mobilefacenet} profile. */
class ApiYunetMobileFaceNetIT extends ApiTestBase {
  ApiYunetMobileFaceNetIT() {
    super("yunet-mobilefacenet");
  }
}
