package dev.facerec.api;

/** The API end to end with the {@code yunet-mobilefacenet} profile, whose models come from the full data (full-data suite). */
@org.junit.jupiter.api.Tag(dev.facerec.testing.TestData.FULL_DATA)
class ApiYunetMobileFaceNetIT extends ApiTestBase {
  ApiYunetMobileFaceNetIT() {
    super("yunet-mobilefacenet");
  }
}
