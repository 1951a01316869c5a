package dev.facerec.eval;

import dev.facerec.model.ImpostorTail;
import dev.facerec.model.ModelManifest;
import dev.facerec.pipeline.FacePipeline;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code evaluate impostors}: every pair of images of different identities of a labeled folder is an impostor
 * pair; fits {@link ImpostorTail} to their similarities and prints the manifest's {@code impostorTail} object with
 * how well the tail matches the counted rates where there are enough pairs to count them.
 */
final class ImpostorCalibration {
  static final double[] BODY_FMRS = {1e-1, 3e-2, 1e-2, 3e-3};
  private static final double[] CHECK_FMRS = {1e-4, 1e-5, 1e-6};

  private ImpostorCalibration() {}

  static int run(EvaluateCommand.Args a, ModelManifest manifest, List<Variant> variants, PrintStream out) throws IOException {
    Map<String, List<Path>> ids = EvaluateCommand.identities(a.images());
    if (a.half() != null) {
      ids = half(ids, Halves.split(Pair.read(a.pairs()), a.halves()), a.half());
      out.printf("evaluate impostors --half %s: the %d identities of half %s of --halves %d, every image of theirs under --images%n",
          a.half(), ids.size(), a.half(), a.halves());
    }
    List<Path> files = new ArrayList<>();
    List<Integer> owner = new ArrayList<>();
    int id = 0;
    for (List<Path> imgs : ids.values()) {
      for (Path p : imgs) {
        files.add(p);
        owner.add(id);
      }
      id++;
    }
    out.printf("evaluate impostors: %d images of %d identities%n", files.size(), ids.size());
    JsonArray results = new JsonArray();
    for (Variant v : variants) {
      Embeddings.Result emb = Embeddings.compute(files, manifest, v, a.modelsDir(), a.threads(), out);
      float[] scores = impostorScores(files, owner, emb);
      JsonObject tail = toJson(ImpostorTail.fit(scores, a.tailFraction(), BODY_FMRS), a, v, files.size(), ids.size());
      Arrays.sort(scores);
      tail.put("checks", checks(scores, a.tailFraction()));
      JsonObject result = new JsonObject().put("profile", v.profile()).put("label", v.label()).put("impostorTail", tail);
      out.printf("%n%s: %d impostor pairs%n\"impostorTail\": %s%n", v.label(), scores.length, tail.encodePrettily());
      JsonArray templates = new JsonArray();
      for (int k : a.templateFaces()) {
        templates.add(templates(ids, emb, k, a, v, out));
      }
      if (!templates.isEmpty()) {
        result.put("templates", templates);
      }
      results.add(result);
    }
    Path json = a.out().resolve("impostors-" + String.join("_", variants.stream().map(Variant::label).toList()) + ".json");
    Files.writeString(json, new JsonObject().put("tool", "facerec-service evaluate impostors").put("results", results).encodePrettily() + "\n",
        StandardCharsets.UTF_8);
    out.println("JSON: " + json);
    return 0;
  }

  /**
   * Only the identities of one half of the identity-disjoint split: thresholds calibrated on the people the options
   * were not chosen on (the split's identities are the pairs file's folders; {@code ids} is keyed by folder name).
   */
  static Map<String, List<Path>> half(Map<String, List<Path>> ids, Halves.Split split, String half) {
    java.util.Set<String> keep = new java.util.HashSet<>("A".equals(half) ? split.a() : split.b());
    Map<String, List<Path>> out = new java.util.TreeMap<>();
    ids.forEach((name, files) -> {
      if (keep.contains(name)) {
        out.put(name, files);
      }
    });
    if (out.isEmpty()) {
      throw new IllegalArgumentException("--half " + half + ": none of its identities is a folder of --images");
    }
    return out;
  }

  /**
   * The tail of centroid templates against the tail of single faces on the same identities: each identity with at
   * least {@code k} embedded images enrolls the centroid of its first {@code k} (and, side by side, its first image
   * alone), scored against every embedded image of every other identity. Same identities and probes in both, so the
   * difference is the template's alone.
   */
  static JsonObject templates(Map<String, List<Path>> ids, Embeddings.Result emb, int k, EvaluateCommand.Args a, Variant v,
      PrintStream out) {
    double zeta = a.tailFraction();
    String label = v.label();
    List<String> names = new ArrayList<>(ids.keySet());
    List<float[]> probes = new ArrayList<>();
    List<Integer> probeOwner = new ArrayList<>();
    List<float[]> centroids = new ArrayList<>();
    List<float[]> singles = new ArrayList<>();
    List<Integer> templateOwner = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      List<float[]> faces = new ArrayList<>();
      for (Path p : ids.get(names.get(i))) {
        float[] e = emb.get(p);
        if (e != null) {
          probes.add(e);
          probeOwner.add(i);
          faces.add(e);
        }
      }
      if (faces.size() >= k) {
        centroids.add(SubjectTemplate.centroid(faces.subList(0, k)));
        singles.add(faces.get(0));
        templateOwner.add(i);
      }
    }
    long n = 0;
    for (int t = 0; t < centroids.size(); t++) {
      for (int p = 0; p < probes.size(); p++) {
        n += probeOwner.get(p).equals(templateOwner.get(t)) ? 0 : 1;
      }
    }
    float[] centroidScores = new float[Math.toIntExact(n)];
    float[] singleScores = new float[Math.toIntExact(n)];
    int j = 0;
    for (int t = 0; t < centroids.size(); t++) {
      for (int p = 0; p < probes.size(); p++) {
        if (!probeOwner.get(p).equals(templateOwner.get(t))) {
          centroidScores[j] = FacePipeline.cosine(probes.get(p), centroids.get(t));
          singleScores[j++] = FacePipeline.cosine(probes.get(p), singles.get(t));
        }
      }
    }
    ImpostorTail centroidTail = ImpostorTail.fit(centroidScores, zeta, BODY_FMRS);
    ImpostorTail singleTail = ImpostorTail.fit(singleScores, zeta, BODY_FMRS);
    Arrays.sort(centroidScores);
    Arrays.sort(singleScores);
    out.printf("%n%s: %d identities with %d+ images as templates, %d probes, %d impostor scores each%n", label,
        centroids.size(), k, probes.size(), n);
    out.printf("%-8s | %-26s | %-26s | %s%n", "FMR", "first face: counted / model", "centroid: counted / model", "model diff");
    JsonArray rows = new JsonArray();
    for (double f : new double[] {1e-2, 1e-3, 1e-4, 1e-5, 1e-6}) {
      boolean countable = f * n >= 5;
      double cs = countable ? ImpostorTail.thresholdAt(singleScores, f) : Double.NaN;
      double cc = countable ? ImpostorTail.thresholdAt(centroidScores, f) : Double.NaN;
      double ms = singleTail.score(f);
      double mc = centroidTail.score(f);
      out.printf(Locale.ROOT, "%-8.0e | %11s / %-12.4f | %11s / %-12.4f | %+.4f%n", f, countable ? String.format(Locale.ROOT, "%.4f", cs) : "-",
          ms, countable ? String.format(Locale.ROOT, "%.4f", cc) : "-", mc, mc - ms);
      JsonObject row = new JsonObject().put("fmr", f).put("firstFaceModel", r6(ms)).put("centroidModel", r6(mc));
      if (countable) {
        row.put("firstFaceCounted", r6(cs)).put("centroidCounted", r6(cc));
      }
      rows.add(row);
    }
    // The manifest's calibration.centroidTails entry for k faces.
    JsonObject manifestEntry = toJson(centroidTail, a, v, probes.size(), ids.size()).put("faces", k)
        .put("data", String.format(Locale.ROOT, "%s%s: the centroid of the first %d images of each of the %d identities with %d or more,"
            + " against every image of the other identities (%d images)", a.images().getFileName(), halfWords(a), k, centroids.size(), k,
            probes.size()))
        .put("command", "java -jar target/facerec-service.jar evaluate impostors --images LFW_DIR --models-dir models --threads 2 --profile "
            + v.label() + " --tail-fraction " + a.tailFraction() + halfOptions(a) + " --template-faces " + k);
    return new JsonObject().put("faces", k).put("identities", centroids.size()).put("probes", probes.size()).put("scores", n)
        .put("firstFaceTail", new JsonObject().put("u", r6(singleTail.u())).put("sigma", r6(singleTail.sigma())).put("xi", r6(singleTail.xi())))
        .put("centroidTail", manifestEntry)
        .put("thresholds", rows);
  }

  /** Cosine similarity of every pair of embedded images with different owners. */
  static float[] impostorScores(List<Path> files, List<Integer> owner, Embeddings.Result emb) {
    List<float[]> vecs = new ArrayList<>();
    List<Integer> who = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      float[] e = emb.get(files.get(i));
      if (e != null) {
        vecs.add(e);
        who.add(owner.get(i));
      }
    }
    long count = 0;
    for (int i = 0; i < vecs.size(); i++) {
      for (int j = i + 1; j < vecs.size(); j++) {
        count += who.get(i).equals(who.get(j)) ? 0 : 1;
      }
    }
    float[] out = new float[Math.toIntExact(count)];
    int k = 0;
    for (int i = 0; i < vecs.size(); i++) {
      for (int j = i + 1; j < vecs.size(); j++) {
        if (!who.get(i).equals(who.get(j))) {
          out[k++] = FacePipeline.cosine(vecs.get(i), vecs.get(j));
        }
      }
    }
    return out;
  }

  private static String halfWords(EvaluateCommand.Args a) {
    return a.half() == null ? "" : String.format(Locale.ROOT, ", half %s of the identity-disjoint split with seed %d (people the"
        + " options were not chosen on)", a.half(), a.halves());
  }

  private static String halfOptions(EvaluateCommand.Args a) {
    return a.half() == null ? "" : " --pairs LFW_DIR/pairs.csv --halves " + a.halves() + " --half " + a.half();
  }

  static JsonObject toJson(ImpostorTail t, EvaluateCommand.Args a, Variant v, int images, int identities) {
    JsonArray body = new JsonArray();
    t.body().forEach(p -> body.add(new JsonObject().put("fmr", p.fmr()).put("threshold", r6(p.threshold()))));
    return new JsonObject()
        .put("model", "generalized Pareto above u (probability-weighted moments), empirical below")
        .put("u", r6(t.u())).put("zeta", t.zeta()).put("sigma", r6(t.sigma())).put("xi", r6(t.xi()))
        .put("body", body).put("pairs", t.pairs())
        .put("data", String.format(Locale.ROOT, "%s%s: every pair of different identities (%d images, %d identities)",
            a.images().getFileName(), halfWords(a), images, identities))
        .put("date", LocalDate.now(ZoneOffset.UTC).toString())
        .put("command", "java -jar target/facerec-service.jar evaluate impostors --images LFW_DIR --models-dir models --threads 2 --profile "
            + v.label() + " --tail-fraction " + a.tailFraction() + halfOptions(a));
  }

  /**
   * The tail against the counted rates: at each check FMR, the counted threshold and the model's FMR there; and the
   * same for a fit from ten times as many exceedances, to show how far the model carries.
   */
  static JsonArray checks(float[] sorted, double zeta) {
    JsonArray out = new JsonArray();
    ImpostorTail fit = ImpostorTail.fit(sorted, zeta, BODY_FMRS);
    ImpostorTail wide = ImpostorTail.fit(sorted, Math.min(0.05, zeta * 10), BODY_FMRS);
    for (double f : CHECK_FMRS) {
      long pairs = Math.round(f * sorted.length);
      if (pairs < 5) {
        continue;
      }
      double counted = ImpostorTail.thresholdAt(sorted, f);
      out.add(new JsonObject().put("fmr", f).put("pairsAbove", pairs).put("countedThreshold", r6(counted))
          .put("modelThreshold", r6(fit.score(f))).put("modelFmrAtCounted", fit.fmr(counted))
          .put("fitFromTenfoldTail", new JsonObject().put("zeta", wide.zeta()).put("modelThreshold", r6(wide.score(f)))));
    }
    return out;
  }

  private static double r6(double v) {
    return Math.round(v * 1e6) / 1e6;
  }
}
