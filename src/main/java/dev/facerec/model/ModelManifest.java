package dev.facerec.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The model manifest ({@code models/manifest.json}): every supported model and profile. */
public final class ModelManifest {
  public static final String FILE_NAME = "manifest.json";
  private static final String CLASSPATH_COPY = "/models/" + FILE_NAME;

  private final Map<String, ModelSpec> models;
  private final Map<String, ProfileSpec> profiles;

  private ModelManifest(Map<String, ModelSpec> models, Map<String, ProfileSpec> profiles) {
    this.models = models;
    this.profiles = profiles;
  }

  /** Reads {@code dir/manifest.json} when it exists, else the copy bundled in the jar. */
  public static ModelManifest load(Path dir) {
    Path file = dir == null ? null : dir.resolve(FILE_NAME);
    try {
      if (file != null && Files.isRegularFile(file)) {
        return parse(new JsonObject(Files.readString(file, StandardCharsets.UTF_8)));
      }
      try (InputStream in = ModelManifest.class.getResourceAsStream(CLASSPATH_COPY)) {
        if (in == null) {
          throw new ModelException("no model manifest at " + file + " and none bundled in the jar");
        }
        return parse(new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
      }
    } catch (IOException e) {
      throw new ModelException("cannot read the model manifest " + file + ": " + e.getMessage(), e);
    }
  }

  public static ModelManifest parse(JsonObject json) {
    Map<String, ModelSpec> models = new LinkedHashMap<>();
    for (Object o : json.getJsonArray("models", new JsonArray())) {
      ModelSpec m = model((JsonObject) o);
      models.put(m.id(), m);
    }
    Map<String, ProfileSpec> profiles = new LinkedHashMap<>();
    for (Object o : json.getJsonArray("profiles", new JsonArray())) {
      JsonObject p = (JsonObject) o;
      ProfileSpec spec = new ProfileSpec(
          p.getString("id"),
          p.getString("description", ""),
          p.getString("detector"),
          p.getString("landmarks"),
          p.getString("recognizer"),
          p.getDouble("threshold"),
          p.getString("thresholdSource", ""),
          p.getBoolean("refineLandmarks", false),
          fmrPoints(p.getJsonObject("calibration")),
          p.getDouble("identifyThreshold", p.getDouble("threshold")),
          p.getString("identifyThresholdSource", p.getString("thresholdSource", "")),
          impostorTail(p.getJsonObject("calibration") == null ? null : p.getJsonObject("calibration").getJsonObject("impostorTail")),
          centroidTails(p.getJsonObject("calibration")),
          centre(p.getString("id"), p.getJsonObject("embeddingCentre")));
      if (spec.refineLandmarks() && spec.landmarks() == null) {
        throw new ModelException("profile " + spec.id() + " sets refineLandmarks but names no landmarks model");
      }
      for (String ref : new String[] {spec.detector(), spec.landmarks(), spec.recognizer()}) {
        if (ref != null && !models.containsKey(ref)) {
          throw new ModelException("profile " + spec.id() + " names unknown model " + ref);
        }
      }
      if (spec.centre() != null && spec.centre().vector().length != models.get(spec.recognizer()).outputDimension()) {
        throw new ModelException("profile " + spec.id() + ": embeddingCentre has " + spec.centre().vector().length
            + " values, recognizer " + spec.recognizer() + " outputs " + models.get(spec.recognizer()).outputDimension());
      }
      profiles.put(spec.id(), spec);
    }
    return new ModelManifest(Map.copyOf(models), profiles);
  }

  private static EmbeddingCentre centre(String profile, JsonObject c) {
    if (c == null) {
      return null;
    }
    JsonArray v = c.getJsonArray("vector");
    if (v == null || v.isEmpty()) {
      throw new ModelException("profile " + profile + ": embeddingCentre has no vector");
    }
    float[] f = new float[v.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = v.getNumber(i).floatValue();
    }
    try {
      return new EmbeddingCentre(f, c.getString("source", ""));
    } catch (IllegalArgumentException e) {
      throw new ModelException("profile " + profile + ": " + e.getMessage());
    }
  }

  private static ModelSpec model(JsonObject m) {
    JsonObject in = m.getJsonObject("input");
    JsonObject npm = m.getJsonObject("npm");
    List<String> urls = new ArrayList<>();
    m.getJsonArray("urls", new JsonArray()).forEach(u -> urls.add((String) u));
    return new ModelSpec(
        m.getString("id"),
        ModelSpec.Kind.valueOf(m.getString("kind").toUpperCase()),
        m.getString("engine"),
        m.getString("file"),
        m.getString("sha256"),
        m.getLong("size", 0L),
        m.getString("license", ""),
        m.getString("source", ""),
        List.copyOf(urls),
        npm == null ? null : new ModelSpec.NpmSource(npm.getString("package"), npm.getString("version"), npm.getString("path")),
        m.getString("bundled"),
        new ModelSpec.InputSpec(
            in.getInteger("width"),
            in.getInteger("height"),
            in.getString("channels"),
            floats(in.getJsonArray("mean")),
            floats(in.getJsonArray("std"))),
        m.getInteger("outputDimension", 0),
        m.getDouble("scoreThreshold", 0.0),
        m.getDouble("nmsThreshold", 0.0));
  }

  /**
   * The calibration curve, sorted by FMR: {@code calibration.fmrThresholds} ({@code [{"fmr": 0.001,
   * "threshold": 0.35}, ...]}) when present, else the {@code thresholdAtFmr<rate>} figures.
   */
  private static List<ProfileSpec.FmrPoint> fmrPoints(JsonObject calibration) {
    List<ProfileSpec.FmrPoint> points = new ArrayList<>();
    if (calibration != null) {
      for (Object o : calibration.getJsonArray("fmrThresholds", new JsonArray())) {
        JsonObject p = (JsonObject) o;
        points.add(new ProfileSpec.FmrPoint(p.getDouble("fmr"), p.getDouble("threshold")));
      }
      if (points.isEmpty()) {
        for (String key : calibration.fieldNames()) {
          if (key.startsWith("thresholdAtFmr") && calibration.getValue(key) instanceof Number n) {
            points.add(new ProfileSpec.FmrPoint(Double.parseDouble(key.substring("thresholdAtFmr".length())), n.doubleValue()));
          }
        }
      }
    }
    points.sort(java.util.Comparator.comparingDouble(ProfileSpec.FmrPoint::fmr));
    return List.copyOf(points);
  }

  /** {@code calibration.centroidTails}: impostor tails of centroid templates, each as {@link #impostorTail}. */
  private static List<ImpostorTail> centroidTails(JsonObject calibration) {
    JsonArray a = calibration == null ? null : calibration.getJsonArray("centroidTails");
    List<ImpostorTail> out = new ArrayList<>();
    if (a != null) {
      for (int i = 0; i < a.size(); i++) {
        out.add(impostorTail(a.getJsonObject(i)));
      }
    }
    return List.copyOf(out);
  }

  /** {@code calibration.impostorTail}: {@code u, zeta, sigma, xi, body: [{fmr, threshold}], pairs}. */
  private static ImpostorTail impostorTail(JsonObject t) {
    if (t == null) {
      return null;
    }
    List<ProfileSpec.FmrPoint> body = new ArrayList<>();
    for (Object o : t.getJsonArray("body", new JsonArray())) {
      JsonObject p = (JsonObject) o;
      body.add(new ProfileSpec.FmrPoint(p.getDouble("fmr"), p.getDouble("threshold")));
    }
    return new ImpostorTail(t.getDouble("u"), t.getDouble("zeta"), t.getDouble("sigma"), t.getDouble("xi"), body, t.getLong("pairs", 0L));
  }

  private static float[] floats(JsonArray a) {
    float[] f = new float[a.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = a.getNumber(i).floatValue();
    }
    return f;
  }

  /** A copy of this manifest with {@code profile} replacing the profile of the same id. */
  public ModelManifest withProfile(ProfileSpec profile) {
    profile(profile.id());
    Map<String, ProfileSpec> copy = new LinkedHashMap<>(profiles);
    copy.put(profile.id(), profile);
    return new ModelManifest(models, copy);
  }

  public Map<String, ModelSpec> models() {
    return models;
  }

  public Map<String, ProfileSpec> profiles() {
    return profiles;
  }

  public ProfileSpec profile(String id) {
    ProfileSpec p = profiles.get(id);
    if (p == null) {
      throw new ModelException("unknown model profile '" + id + "'; known: " + String.join(", ", profiles.keySet()));
    }
    return p;
  }

  public ModelSpec model(String id) {
    ModelSpec m = models.get(id);
    if (m == null) {
      throw new ModelException("unknown model '" + id + "'");
    }
    return m;
  }

  /** The models of a profile in pipeline order: detector, landmarks (when present), recognizer. */
  public List<ModelSpec> modelsOf(String profileId) {
    ProfileSpec p = profile(profileId);
    List<ModelSpec> out = new ArrayList<>();
    out.add(model(p.detector()));
    Optional.ofNullable(p.landmarks()).map(this::model).ifPresent(out::add);
    out.add(model(p.recognizer()));
    return out;
  }
}
