package dev.facerec.eval;

import static dev.facerec.eval.EvaluateCommand.f4;
import static dev.facerec.eval.EvaluateCommand.round;
import static dev.facerec.eval.EvaluateCommand.sci;

import dev.facerec.model.EmbeddingCentre;
import dev.facerec.model.ModelManifest;
import dev.facerec.pipeline.FacePipeline;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code evaluate verify --halves SEED}: the identity-disjoint halves protocol of {@link Halves}. Every variant is
 * embedded once; for each direction (select on A, report on B; select on B, report on A) the target-FMR threshold
 * and the best-accuracy threshold are calibrated on the selection half and applied to the report half; the variant
 * chosen on the selection half (rule in {@link Halves#choose}) gives the honest report-half figure. The thresholds
 * of each half are also applied to the other labeled sets given ({@code --other-pairs}, {@code --other-identify}).
 * A centred variant ({@code :centre}, or a profile with an {@code embeddingCentre}) centres each half with the mean of
 * the other half's images ({@link Centres}), so no figure rests on a centre fitted on its own people.
 */
final class HalvesEvaluation {
  private HalvesEvaluation() {}

  /** One half's scores and what is calibrated on them. */
  record Half(String name, List<Pair> pairs, double[] scores, boolean[] same, Roc roc, KFold.Result kfold,
      double thrFmr, double thrBest, double thrDense, long denseImpostors) {
    static Half of(String name, List<Pair> pairs, Embeddings.Result emb, Path images, double targetFmr) {
      double[] scores = HalvesEvaluation.scores(pairs, emb, images);
      boolean[] same = new boolean[pairs.size()];
      int[] folds = new int[pairs.size()];
      for (int i = 0; i < same.length; i++) {
        same[i] = pairs.get(i).same();
        folds[i] = pairs.get(i).fold();
      }
      Roc roc = Roc.of(scores, same);
      boolean kfoldable = java.util.Arrays.stream(folds).distinct().count() >= 2;
      double[] dense = denseImpostors(pairs, emb, images);
      double[] genuine = java.util.stream.IntStream.range(0, scores.length).filter(i -> same[i])
          .mapToDouble(i -> scores[i]).toArray();
      return new Half(name, pairs, scores, same, roc, kfoldable ? KFold.evaluate(scores, same, folds) : null,
          roc.thresholdAtFar(targetFmr), KFold.bestThreshold(scores, same),
          new Roc(genuine, dense).thresholdAtFar(targetFmr), dense.length);
    }

    /**
     * Every pair of distinct images of different identities among the half's images (those with a face): the
     * impostor scores a target-FMR threshold can be calibrated on instead of the half's ~1000 impostor pairs.
     */
    static double[] denseImpostors(List<Pair> pairs, Embeddings.Result emb, Path images) {
      List<float[]> v = new ArrayList<>();
      List<String> who = new ArrayList<>();
      for (Path f : Halves.files(pairs, images)) {
        float[] e = emb.get(f);
        if (e != null) {
          v.add(e);
          who.add(Halves.identity(images.relativize(f).toString()));
        }
      }
      int n = v.size();
      long count = 0;
      for (int i = 0; i < n; i++) {
        for (int k = i + 1; k < n; k++) {
          count += who.get(i).equals(who.get(k)) ? 0 : 1;
        }
      }
      double[] out = new double[Math.toIntExact(count)];
      int c = 0;
      for (int i = 0; i < n; i++) {
        for (int k = i + 1; k < n; k++) {
          if (!who.get(i).equals(who.get(k))) {
            out[c++] = FacePipeline.cosine(v.get(i), v.get(k));
          }
        }
      }
      return out;
    }

    double accuracy(double t) {
      return Halves.accuracy(scores, same, t);
    }

    double kfoldMean() {
      return kfold == null ? Double.NaN : kfold.mean();
    }
  }

  /** One variant, everything measured. */
  record Measured(Variant variant, Embeddings.Result lfw, Half a, Half b, Map<String, Other> others, Centres centres) {
    Half half(String n) {
      return n.equals("A") ? a : b;
    }
  }

  /**
   * The embedding centres of a centred variant: the mean unit embedding of each half's images, and of both (for the
   * other labeled sets, whose people are in neither half). Half A is scored with B's centre and B with A's.
   */
  record Centres(float[] a, float[] b, float[] all) {
    static Centres of(Embeddings.Result emb, Halves.Split split, Path images) {
      List<float[]> inA = present(emb, Halves.files(split.pairsA(), images));
      List<float[]> inB = present(emb, Halves.files(split.pairsB(), images));
      List<float[]> both = new ArrayList<>(inA);
      both.addAll(inB);
      return new Centres(EmbeddingCentre.mean(inA), EmbeddingCentre.mean(inB), EmbeddingCentre.mean(both));
    }

    private static List<float[]> present(Embeddings.Result emb, List<Path> files) {
      return files.stream().map(emb::get).filter(java.util.Objects::nonNull).toList();
    }

    /** Every embedding of {@code emb} with {@code centre} applied (failures and timings unchanged). */
    Embeddings.Result apply(Embeddings.Result emb, float[] centre) {
      EmbeddingCentre c = new EmbeddingCentre(centre, "");
      Map<Path, float[]> out = new java.util.HashMap<>();
      emb.embeddings().forEach((p, e) -> out.put(p, c.applied(e)));
      return new Embeddings.Result(out, emb.failures(), emb.seconds(), emb.stageSeconds());
    }
  }

  /** Figures of one other labeled set at given thresholds. */
  record Other(String kind, JsonObject json, Map<String, String> cells) {}

  private static String atThreshold(Half h, double t) {
    return String.format(Locale.ROOT, "%.2f %% (%.4f / %.2f %%)", 100 * h.accuracy(t), h.roc().far(t), 100 * h.roc().tar(t));
  }

  private static JsonArray vector(float[] v) {
    JsonArray a = new JsonArray();
    for (float x : v) {
      a.add(round(x, 7));
    }
    return a;
  }

  static double[] scores(List<Pair> pairs, Embeddings.Result emb, Path images) {
    double[] s = new double[pairs.size()];
    for (int i = 0; i < s.length; i++) {
      float[] x = emb.get(images.resolve(pairs.get(i).fileA()));
      float[] y = emb.get(images.resolve(pairs.get(i).fileB()));
      s[i] = x == null || y == null ? -1 : FacePipeline.cosine(x, y);
    }
    return s;
  }

  static int run(EvaluateCommand.Args a, ModelManifest manifest, List<Variant> variants, PrintStream out,
      PrintStream err) throws IOException {
    List<Pair> pairs = Pair.read(a.pairs());
    Halves.Split split = Halves.split(pairs, a.halves());
    List<Path> lfwFiles = Halves.files(pairs, a.images());
    for (Path f : lfwFiles) {
      if (!Files.isRegularFile(f)) {
        throw new IOException("image " + f + " of " + a.pairs() + " does not exist");
      }
    }
    out.printf("evaluate verify --halves %d: %d pairs, %d identities, %d distinct images%n", a.halves(), pairs.size(),
        split.a().size() + split.b().size(), lfwFiles.size());
    out.println("  " + describe("A", split.a().size(), split.pairsA(), split.keptA()));
    out.println("  " + describe("B", split.b().size(), split.pairsB(), split.keptB()));
    out.printf("  dropped: %d impostor pairs whose identities fall in different halves%n", split.dropped());

    Map<String, List<Pair>> otherPairs = new LinkedHashMap<>();
    Map<String, Map<String, List<Path>>> otherIds = new LinkedHashMap<>();
    for (Path csv : a.otherPairs()) {
      otherPairs.put(setName(csv.toAbsolutePath().getParent()), Pair.read(csv));
    }
    Map<String, Path> otherPairImages = new LinkedHashMap<>();
    for (Path csv : a.otherPairs()) {
      otherPairImages.put(setName(csv.toAbsolutePath().getParent()), csv.toAbsolutePath().getParent());
    }
    for (Path dir : a.otherIdentify()) {
      otherIds.put(setName(dir), EvaluateCommand.identities(dir));
    }

    List<Measured> measured = new ArrayList<>();
    for (Variant v : variants) {
      out.printf("%s: embedding %d images with %d thread(s)%n", v.label(), lfwFiles.size(), a.threads());
      // Embedded without a centre; a centred variant is centred here, each half with the mean of the other half's
      // images, so that no half is scored with a centre fitted on its own people.
      boolean centred = v.centred(manifest);
      Variant embedded = centred ? v.withoutCentre() : v;
      Embeddings.Result emb = EmbeddingCache.compute(a.cache(), setName(a.images()), lfwFiles, manifest, embedded,
          a.modelsDir(), a.threads(), out);
      if (!emb.failures().isEmpty()) {
        err.printf("%s: no face in %d image(s), e.g. %s%n", v.label(), emb.failures().size(),
            emb.failures().entrySet().iterator().next());
      }
      Centres centres = centred ? Centres.of(emb, split, a.images()) : null;
      Half ha = Half.of("A", split.pairsA(), centred ? centres.apply(emb, centres.b()) : emb, a.images(), a.targetFmr());
      Half hb = Half.of("B", split.pairsB(), centred ? centres.apply(emb, centres.a()) : emb, a.images(), a.targetFmr());
      Map<String, Double> thresholds = new LinkedHashMap<>();
      thresholds.put("A fmr", ha.thrFmr());
      thresholds.put("B fmr", hb.thrFmr());
      thresholds.put("A best", ha.thrBest());
      thresholds.put("B best", hb.thrBest());
      thresholds.put("A dense fmr", ha.thrDense());
      thresholds.put("B dense fmr", hb.thrDense());
      Map<String, Other> others = new LinkedHashMap<>();
      for (Map.Entry<String, List<Pair>> e : otherPairs.entrySet()) {
        Path images = otherPairImages.get(e.getKey());
        List<Path> files = Halves.files(e.getValue(), images);
        Embeddings.Result oe = EmbeddingCache.compute(a.cache(), e.getKey(), files, manifest, embedded,
            a.modelsDir(), a.threads(), out);
        oe = centred ? centres.apply(oe, centres.all()) : oe;
        others.put(e.getKey(), otherPairsMetrics(e.getValue(), oe, images, thresholds));
      }
      for (Map.Entry<String, Map<String, List<Path>>> e : otherIds.entrySet()) {
        List<Path> files = e.getValue().values().stream().flatMap(List::stream).toList();
        Embeddings.Result oe = EmbeddingCache.compute(a.cache(), e.getKey(), files, manifest, embedded,
            a.modelsDir(), a.threads(), out);
        oe = centred ? centres.apply(oe, centres.all()) : oe;
        others.put(e.getKey(), otherIdentifyMetrics(e.getValue(), oe, thresholds));
      }
      measured.add(new Measured(v, emb, ha, hb, others, centres));
    }

    // The selection, in both directions.
    JsonArray chosen = new JsonArray();
    Map<String, Measured> choice = new LinkedHashMap<>();
    for (String sel : List.of("A", "B")) {
      List<Halves.Candidate> cands = measured.stream().map(m -> new Halves.Candidate(m.variant().label(),
          m.half(sel).accuracy(m.half(sel).thrFmr()), m.half(sel).kfoldMean())).toList();
      String label = Halves.choose(cands).label();
      Measured m = measured.stream().filter(x -> x.variant().label().equals(label)).findFirst().orElseThrow();
      choice.put(sel, m);
      Half s = m.half(sel);
      Half r = m.half(other(sel));
      chosen.add(new JsonObject().put("selectOn", sel).put("reportOn", other(sel)).put("chosen", label)
          .put("selectionAccuracyAtFmrThreshold", round(s.accuracy(s.thrFmr()), 6))
          .put("thresholdAtFmr", round(s.thrFmr(), 6))
          .put("reportAccuracyAtFmrThreshold", round(r.accuracy(s.thrFmr()), 6))
          .put("reportFmrAtThreshold", round(r.roc().far(s.thrFmr()), 6))
          .put("reportTarAtThreshold", round(r.roc().tar(s.thrFmr()), 6))
          .put("bestAccuracyThreshold", round(s.thrBest(), 6))
          .put("reportAccuracyAtBestThreshold", round(r.accuracy(s.thrBest()), 6))
          .put("denseThresholdAtFmr", round(s.thrDense(), 6))
          .put("reportAccuracyAtDenseThreshold", round(r.accuracy(s.thrDense()), 6)));
    }

    // Tables.
    out.println();
    for (String sel : List.of("A", "B")) {
      out.printf("Select on %s, report on %s (threshold for FMR <= %s and best-accuracy threshold, both calibrated on"
          + " %s and applied unchanged to %s):%n", sel, other(sel), sci(a.targetFmr()), sel, other(sel));
      out.print(directionTable(measured, sel, choice.get(sel).variant().label()));
      out.println();
    }
    out.println("Chosen on each half, reported on the other (rule: highest accuracy on the selection half at the"
        + " variant's own FMR threshold; ties: higher k-fold accuracy there, then the variant given first):");
    out.print(choiceTable(choice));
    out.println();
    out.println("Every variant, report-half accuracy in both directions and their spread:");
    out.print(spreadTable(measured));
    out.println();
    out.println("At the profile's threshold in the manifest (the service's own verify threshold, calibrated for the profile's"
        + " default options), on each half:");
    int width = Math.max("variant".length(), measured.stream().mapToInt(m -> m.variant().label().length()).max().orElse(0));
    String row = "%-" + width + "s | %-9s | %-26s | %-26s%n";
    StringBuilder own = new StringBuilder(String.format(Locale.ROOT, row, "variant", "threshold",
        "half A: acc. (FMR / TAR)", "half B: acc. (FMR / TAR)"));
    for (Measured m : measured) {
      double t = manifest.profile(m.variant().profile()).threshold();
      own.append(String.format(Locale.ROOT, row, m.variant().label(), String.format(Locale.ROOT, "%.4f", t),
          atThreshold(m.a(), t), atThreshold(m.b(), t)));
    }
    out.print(own);
    out.println();
    out.println("At each half's own dense FMR threshold (fitted on that half's impostor pairs, the way the manifest's threshold"
        + " is calibrated; a variant's figure where its threshold would be fitted on the same people):");
    String dense = "%-" + width + "s | %-10s | %-26s | %-10s | %-26s%n";
    StringBuilder d = new StringBuilder(String.format(Locale.ROOT, dense, "variant", "thr. A", "half A: acc. (FMR / TAR)",
        "thr. B", "half B: acc. (FMR / TAR)"));
    for (Measured m : measured) {
      d.append(String.format(Locale.ROOT, dense, m.variant().label(), String.format(Locale.ROOT, "%.4f", m.a().thrDense()),
          atThreshold(m.a(), m.a().thrDense()), String.format(Locale.ROOT, "%.4f", m.b().thrDense()),
          atThreshold(m.b(), m.b().thrDense())));
    }
    out.print(d);
    if (!measured.get(0).others().isEmpty()) {
      out.println();
      out.println("Other labeled sets, at the thresholds calibrated on each LFW half (A fmr = FMR threshold of A, ...):");
      out.print(othersTable(measured));
    }
    out.println();
    Map<String, Embeddings.Result> costs = new LinkedHashMap<>();
    measured.forEach(m -> costs.put(m.variant().label(), m.lfw()));
    out.println("Cost on the " + lfwFiles.size() + " LFW images:");
    out.print(costTable(costs));

    // JSON.
    JsonObject report = new JsonObject().put("tool", "facerec-service evaluate verify --halves")
        .put("date", java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC)
            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString())
        .put("modelsDir", a.modelsDir().toString()).put("threads", a.threads())
        .put("protocol", "identities (an image's folder) of --pairs sorted, shuffled with java.util.Random(seed), A ="
            + " first ceil(n/2), B = the rest; a pair is kept in a half when both identities are in it, pairs across"
            + " halves are dropped; each half is topped up with generated impostor pairs of its own images (Random(seed"
            + " + 1) for A, seed + 2 for B) until different = same. On each half: threshold for the target FMR (smallest"
            + " with FMR <= target: the manifest's rule), best-accuracy threshold (middle of the best run), k-fold accuracy"
            + " over the folds present; also a 'dense' target-FMR threshold, same rule, on every pair of different"
            + " identities among the half's images. Each is applied unchanged to the other half. Selection: highest accuracy on the"
            + " selection half at the variant's own target-FMR threshold; ties to the higher k-fold accuracy, then the"
            + " variant given first. A centred variant centres each half with the mean unit embedding of the other half's"
            + " images (the other labeled sets with the mean of both halves).")
        .put("targetFmr", a.targetFmr());
    report.put("data", new JsonObject().put("pairs", a.pairs().toString()).put("images", a.images().toString())
        .put("seed", a.halves()).put("pairCount", pairs.size()).put("distinctImages", lfwFiles.size())
        .put("droppedCrossHalfPairs", split.dropped())
        .put("A", halfJson(split.a().size(), split.pairsA(), split.keptA()))
        .put("B", halfJson(split.b().size(), split.pairsB(), split.keptB())));
    JsonArray results = new JsonArray();
    for (Measured m : measured) {
      JsonObject o = new JsonObject().put("label", m.variant().label()).put("profile", m.variant().profile())
          .put("flip", m.variant().options().flipAugment()).put("refineLandmarks", m.variant().refines(manifest))
          .put("manifestThreshold", manifest.profile(m.variant().profile()).threshold())
          .put("embedSeconds", round(m.lfw().seconds(), 1)).put("imagesWithoutFace", m.lfw().failures().size())
          .put("stageMsPerImage", stageMs(m.lfw()));
      double manifestThreshold = manifest.profile(m.variant().profile()).threshold();
      for (String h : List.of("A", "B")) {
        Half half = m.half(h);
        o.put("half" + h, halfResult(half, a.targetFmr()).put("atManifestThreshold", new JsonObject()
            .put("accuracy", round(half.accuracy(manifestThreshold), 6)).put("fmr", round(half.roc().far(manifestThreshold), 6))
            .put("tar", round(half.roc().tar(manifestThreshold), 6))));
      }
      JsonArray dirs = new JsonArray();
      for (String sel : List.of("A", "B")) {
        Half s = m.half(sel);
        Half r = m.half(other(sel));
        dirs.add(new JsonObject().put("selectOn", sel).put("reportOn", other(sel))
            .put("thresholdAtFmr", round(s.thrFmr(), 6))
            .put("selectionAccuracyAtFmrThreshold", round(s.accuracy(s.thrFmr()), 6))
            .put("reportAccuracyAtFmrThreshold", round(r.accuracy(s.thrFmr()), 6))
            .put("reportFmrAtThreshold", round(r.roc().far(s.thrFmr()), 6))
            .put("reportTarAtThreshold", round(r.roc().tar(s.thrFmr()), 6))
            .put("bestAccuracyThreshold", round(s.thrBest(), 6))
            .put("selectionAccuracyAtBestThreshold", round(s.accuracy(s.thrBest()), 6))
            .put("reportAccuracyAtBestThreshold", round(r.accuracy(s.thrBest()), 6))
            .put("denseThresholdAtFmr", round(s.thrDense(), 6))
            .put("reportAccuracyAtDenseThreshold", round(r.accuracy(s.thrDense()), 6))
            .put("reportFmrAtDenseThreshold", round(r.roc().far(s.thrDense()), 6))
            .put("reportTarAtDenseThreshold", round(r.roc().tar(s.thrDense()), 6)));
      }
      o.put("directions", dirs);
      if (m.centres() != null) {
        // Half A's centre is what a profile selected on A ships as its embeddingCentre (with thresholds fitted on B).
        o.put("centres", new JsonObject().put("fittedOnA", vector(m.centres().a())).put("fittedOnB", vector(m.centres().b()))
            .put("fittedOnBoth", vector(m.centres().all())));
      }
      JsonObject oth = new JsonObject();
      m.others().forEach((k, v) -> oth.put(k, v.json()));
      o.put("otherSets", oth);
      results.add(o);
    }
    report.put("results", results).put("chosen", chosen);
    double spread = choice.get("A").b().accuracy(choice.get("A").a().thrFmr())
        - choice.get("B").a().accuracy(choice.get("B").b().thrFmr());
    report.put("spreadOfChosen", round(spread, 6));
    Path json = a.out().resolve(reportName(a.halves(), variants.stream().map(Variant::label).toList()));
    Files.writeString(json, report.encodePrettily() + "\n", StandardCharsets.UTF_8);
    out.println();
    out.println("JSON: " + json);
    return 0;
  }

  /**
   * {@code halves-SEED-<labels joined by _>.json}; past 120 characters of labels (a file name may hold 255 bytes),
   * the first label, how many more, and a hash of all of them, so that each set of variants keeps its own file.
   */
  static String reportName(long seed, List<String> labels) {
    String all = String.join("_", labels);
    if (all.length() > 120) {
      all = labels.get(0) + "_and-" + (labels.size() - 1) + "-more-" + String.format(Locale.ROOT, "%08x", all.hashCode());
    }
    return "halves-" + seed + "-" + all + ".json";
  }

  private static String describe(String name, int ids, List<Pair> pairs, int kept) {
    long same = pairs.stream().filter(Pair::same).count();
    return String.format(Locale.ROOT, "half %s: %d identities, %d pairs of the file kept (%d same, %d different),"
        + " %d generated different pairs added: %d pairs (%d same, %d different)", name, ids, kept, same, kept - same,
        pairs.size() - kept, pairs.size(), same, pairs.size() - same);
  }

  private static JsonObject halfJson(int ids, List<Pair> pairs, int kept) {
    long same = pairs.stream().filter(Pair::same).count();
    return new JsonObject().put("identities", ids).put("keptPairs", kept).put("same", same)
        .put("keptDifferent", kept - same).put("generatedDifferent", pairs.size() - kept).put("pairs", pairs.size());
  }

  private static JsonObject halfResult(Half h, double targetFmr) {
    JsonObject o = new JsonObject().put("pairs", h.pairs().size()).put("genuine", h.roc().genuineCount())
        .put("impostors", h.roc().impostorCount()).put("auc", round(h.roc().auc(), 6)).put("eer", round(h.roc().eer(), 6))
        .put("thresholdAtFmr", round(h.thrFmr(), 6)).put("enoughImpostorsForFmr", h.roc().enoughImpostorsFor(targetFmr))
        .put("measuredFmr", round(h.roc().far(h.thrFmr()), 6)).put("tarAtThreshold", round(h.roc().tar(h.thrFmr()), 6))
        .put("accuracyAtFmrThreshold", round(h.accuracy(h.thrFmr()), 6))
        .put("bestAccuracyThreshold", round(h.thrBest(), 6)).put("accuracyAtBestThreshold", round(h.accuracy(h.thrBest()), 6))
        .put("denseImpostorPairs", h.denseImpostors()).put("denseThresholdAtFmr", round(h.thrDense(), 6))
        .put("accuracyAtDenseThreshold", round(h.accuracy(h.thrDense()), 6));
    if (h.kfold() != null) {
      o.put("kfold", new JsonObject().put("folds", h.kfold().folds().size()).put("mean", round(h.kfold().mean(), 6))
          .put("std", round(h.kfold().std(), 6)));
    }
    return o;
  }

  // ---------------------------------------------------------------- other sets

  private static Other otherPairsMetrics(List<Pair> pairs, Embeddings.Result emb, Path images,
      Map<String, Double> thresholds) {
    double[] s = scores(pairs, emb, images);
    boolean[] same = new boolean[pairs.size()];
    for (int i = 0; i < same.length; i++) {
      same[i] = pairs.get(i).same();
    }
    Roc roc = Roc.of(s, same);
    JsonObject j = new JsonObject().put("kind", "verify pairs").put("pairs", pairs.size())
        .put("same", roc.genuineCount()).put("different", roc.impostorCount())
        .put("imagesWithoutFace", emb.failures().size()).put("auc", round(roc.auc(), 6));
    Map<String, String> cells = new LinkedHashMap<>();
    JsonObject at = new JsonObject();
    thresholds.forEach((k, t) -> {
      double acc = Halves.accuracy(s, same, t);
      at.put(k, new JsonObject().put("threshold", round(t, 6)).put("accuracy", round(acc, 6))
          .put("fmr", round(roc.far(t), 6)).put("tar", round(roc.tar(t), 6)));
      cells.put(k, String.format(Locale.ROOT, "%.2f %% (FMR %.3f, TAR %.3f)", 100 * acc, roc.far(t), roc.tar(t)));
    });
    j.put("atLfwHalfThresholds", at);
    cells.put("AUC", String.format(Locale.ROOT, "%.4f", roc.auc()));
    return new Other("pairs", j, cells);
  }

  /**
   * Closed-set rank-1 over identity folders: K=1 (each identity with 2+ images enrolls its first by file name and
   * probes with the rest) and leave-one-out (each image against every other image); plus every pair of images at
   * the LFW half thresholds (FMR / TAR).
   */
  static Other otherIdentifyMetrics(Map<String, List<Path>> ids, Embeddings.Result emb, Map<String, Double> thresholds) {
    List<Path> all = new ArrayList<>();
    List<String> who = new ArrayList<>();
    ids.forEach((id, imgs) -> imgs.forEach(p -> {
      all.add(p);
      who.add(id);
    }));
    int n = all.size();
    double[][] sim = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int k = i + 1; k < n; k++) {
        float[] x = emb.get(all.get(i));
        float[] y = emb.get(all.get(k));
        sim[i][k] = sim[k][i] = x == null || y == null ? -1 : FacePipeline.cosine(x, y);
      }
    }
    // K = 1
    int probes = 0;
    int hits = 0;
    Map<String, Integer> enrolled = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      if (ids.get(who.get(i)).size() >= 2 && !enrolled.containsKey(who.get(i)) && emb.get(all.get(i)) != null) {
        enrolled.put(who.get(i), i);
      }
    }
    for (int i = 0; i < n; i++) {
      if (ids.get(who.get(i)).size() < 2 || ids.get(who.get(i)).get(0).equals(all.get(i))) {
        continue;
      }
      probes++;
      if (emb.get(all.get(i)) == null) {
        continue;
      }
      String best = null;
      double bs = Double.NEGATIVE_INFINITY;
      for (Map.Entry<String, Integer> e : enrolled.entrySet()) {
        if (e.getValue() != i && sim[i][e.getValue()] > bs) {
          bs = sim[i][e.getValue()];
          best = e.getKey();
        }
      }
      hits += who.get(i).equals(best) ? 1 : 0;
    }
    // leave-one-out
    int looProbes = 0;
    int looHits = 0;
    for (int i = 0; i < n; i++) {
      if (ids.get(who.get(i)).size() < 2) {
        continue;
      }
      looProbes++;
      if (emb.get(all.get(i)) == null) {
        continue;
      }
      int best = -1;
      for (int k = 0; k < n; k++) {
        if (k != i && emb.get(all.get(k)) != null && (best < 0 || sim[i][k] > sim[i][best])) {
          best = k;
        }
      }
      looHits += best >= 0 && who.get(best).equals(who.get(i)) ? 1 : 0;
    }
    // every pair
    List<Double> g = new ArrayList<>();
    List<Double> im = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      for (int k = i + 1; k < n; k++) {
        (who.get(i).equals(who.get(k)) ? g : im).add(sim[i][k]);
      }
    }
    Roc roc = new Roc(g.stream().mapToDouble(Double::doubleValue).toArray(),
        im.stream().mapToDouble(Double::doubleValue).toArray());
    double rank1 = probes == 0 ? Double.NaN : hits / (double) probes;
    double loo = looProbes == 0 ? Double.NaN : looHits / (double) looProbes;
    JsonObject j = new JsonObject().put("kind", "identify folders").put("identities", ids.size()).put("images", n)
        .put("imagesWithoutFace", emb.failures().size())
        .put("rank1K1", new JsonObject().put("probes", probes).put("hits", hits).put("rank1", round(rank1, 6)))
        .put("rank1LeaveOneOut", new JsonObject().put("probes", looProbes).put("hits", looHits).put("rank1", round(loo, 6)))
        .put("allPairs", new JsonObject().put("genuine", g.size()).put("impostors", im.size())
            .put("auc", round(roc.auc(), 6)));
    Map<String, String> cells = new LinkedHashMap<>();
    cells.put("rank-1 K=1", String.format(Locale.ROOT, "%.2f %% (%d/%d)", 100 * rank1, hits, probes));
    cells.put("rank-1 leave-one-out", String.format(Locale.ROOT, "%.2f %% (%d/%d)", 100 * loo, looHits, looProbes));
    JsonObject at = new JsonObject();
    thresholds.forEach((k, t) -> {
      at.put(k, new JsonObject().put("threshold", round(t, 6)).put("fmr", round(roc.far(t), 6))
          .put("tar", round(roc.tar(t), 6)));
      if (k.endsWith("fmr")) {
        cells.put("all pairs @ " + k + ": FMR / TAR",
            String.format(Locale.ROOT, "%.4f / %.2f %%", roc.far(t), 100 * roc.tar(t)));
      }
    });
    j.getJsonObject("allPairs").put("atLfwHalfThresholds", at);
    return new Other("identify", j, cells);
  }

  // ---------------------------------------------------------------- tables

  private static String directionTable(List<Measured> measured, String sel, String chosen) {
    String rep = other(sel);
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"variant", "k-fold on " + sel, "FMR thr. (" + sel + ")", "acc. " + sel + " @ it",
        "acc. " + rep + " @ it", "FMR / TAR " + rep + " @ it", "best-acc. thr. (" + sel + ")", "acc. " + sel + " @ it",
        "acc. " + rep + " @ it", "dense FMR thr. (" + sel + ")", "acc. " + rep + " @ it (FMR / TAR)", "k-fold on " + rep,
        "chosen"});
    for (Measured m : measured) {
      Half s = m.half(sel);
      Half r = m.half(rep);
      rows.add(new String[] {m.variant().label(), kfold(s), f4(s.thrFmr()), pct(s.accuracy(s.thrFmr())),
          pct(r.accuracy(s.thrFmr())),
          String.format(Locale.ROOT, "%.4f / %.2f %%", r.roc().far(s.thrFmr()), 100 * r.roc().tar(s.thrFmr())),
          f4(s.thrBest()), pct(s.accuracy(s.thrBest())), pct(r.accuracy(s.thrBest())), f4(s.thrDense()),
          String.format(Locale.ROOT, "%s (%.4f / %.2f %%)", pct(r.accuracy(s.thrDense())), r.roc().far(s.thrDense()),
              100 * r.roc().tar(s.thrDense())), kfold(r),
          m.variant().label().equals(chosen) ? "<- chosen on " + sel : ""});
    }
    return EvaluateCommand.render(rows);
  }

  private static String choiceTable(Map<String, Measured> choice) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"direction", "chosen", "acc. on selection half @ FMR thr.", "FMR thr.",
        "acc. on report half @ FMR thr. (honest)", "report FMR / TAR", "acc. on report half @ best-acc. thr.",
        "acc. on report half @ dense FMR thr."});
    double[] honest = new double[2];
    int i = 0;
    for (Map.Entry<String, Measured> e : choice.entrySet()) {
      Half s = e.getValue().half(e.getKey());
      Half r = e.getValue().half(other(e.getKey()));
      honest[i++] = r.accuracy(s.thrFmr());
      rows.add(new String[] {e.getKey() + " -> " + other(e.getKey()), e.getValue().variant().label(),
          pct(s.accuracy(s.thrFmr())), f4(s.thrFmr()), pct(r.accuracy(s.thrFmr())),
          String.format(Locale.ROOT, "%.4f / %.2f %%", r.roc().far(s.thrFmr()), 100 * r.roc().tar(s.thrFmr())),
          pct(r.accuracy(s.thrBest())), pct(r.accuracy(s.thrDense()))});
    }
    rows.add(new String[] {"spread (A->B minus B->A)", "", "", "",
        String.format(Locale.ROOT, "%+.2f pt", 100 * (honest[0] - honest[1])), "", "", ""});
    return EvaluateCommand.render(rows);
  }

  private static String spreadTable(List<Measured> measured) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"variant", "B @ A's FMR thr.", "A @ B's FMR thr.", "spread", "B @ A's best thr.",
        "A @ B's best thr.", "spread", "AUC A / B"});
    for (Measured m : measured) {
      double ab = m.b().accuracy(m.a().thrFmr());
      double ba = m.a().accuracy(m.b().thrFmr());
      double abBest = m.b().accuracy(m.a().thrBest());
      double baBest = m.a().accuracy(m.b().thrBest());
      rows.add(new String[] {m.variant().label(), pct(ab), pct(ba),
          String.format(Locale.ROOT, "%+.2f pt", 100 * (ab - ba)), pct(abBest), pct(baBest),
          String.format(Locale.ROOT, "%+.2f pt", 100 * (abBest - baBest)),
          String.format(Locale.ROOT, "%.5f / %.5f", m.a().roc().auc(), m.b().roc().auc())});
    }
    return EvaluateCommand.render(rows);
  }

  private static String othersTable(List<Measured> measured) {
    List<String> head = new ArrayList<>(List.of("set", "figure"));
    measured.forEach(m -> head.add(m.variant().label()));
    List<String[]> rows = new ArrayList<>();
    rows.add(head.toArray(String[]::new));
    for (String set : measured.get(0).others().keySet()) {
      for (String fig : measured.get(0).others().get(set).cells().keySet()) {
        List<String> r = new ArrayList<>(List.of(set, fig));
        measured.forEach(m -> r.add(m.others().get(set).cells().get(fig)));
        rows.add(r.toArray(String[]::new));
      }
    }
    return EvaluateCommand.render(rows);
  }

  private static String costTable(Map<String, Embeddings.Result> embs) {
    return EvaluateCommand.costTable(embs);
  }

  private static JsonObject stageMs(Embeddings.Result emb) {
    JsonObject o = new JsonObject();
    int n = Math.max(1, emb.images());
    emb.stageSeconds().forEach((k, v) -> o.put(k, round(1000 * v / n, 2)));
    return o;
  }

  static String setName(Path dir) {
    Path n = dir.toAbsolutePath().normalize().getFileName();
    return n == null ? "set" : n.toString();
  }

  private static String other(String half) {
    return half.equals("A") ? "B" : "A";
  }

  private static String kfold(Half h) {
    return h.kfold() == null ? "n/a" : String.format(Locale.ROOT, "%.2f %% ± %.2f", 100 * h.kfold().mean(),
        100 * h.kfold().std());
  }

  private static String pct(double v) {
    return String.format(Locale.ROOT, "%.2f %%", 100 * v);
  }
}
