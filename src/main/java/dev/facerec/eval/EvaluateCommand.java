package dev.facerec.eval;

import dev.facerec.eval.CohortNorm.Kind;
import dev.facerec.eval.SubjectTemplate.Rule;
import dev.facerec.model.ModelException;
import dev.facerec.model.ModelManifest;
import dev.facerec.pipeline.FacePipeline;
import dev.facerec.pipeline.PipelineOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * {@code evaluate verify|identify}: measures a profile's accuracy through the service's own
 * {@link FacePipeline} and prints a table, writes a JSON report and a PNG of the curves.
 * Exit codes: 0 done, 1 failed (models, files), 2 usage error.
 */
public final class EvaluateCommand {
  static final String USAGE = """
      Usage:
        evaluate verify --pairs CSV --images DIR --profile P [--profile P2 ...] [options]
            labeled pairs (file_a,file_b,same,fold,origin; paths relative to --images): 10-fold accuracy,
            ROC AUC, EER, TAR at FAR 1e-2/1e-3/1e-4, best-F1 threshold, threshold for --target-fmr
        evaluate verify --pairs CSV --images DIR --halves SEED --profile P [--profile P2 ...]
            [--other-pairs CSV ...] [--other-identify DIR ...] [--cache DIR] [options]
            identity-disjoint halves (issue 14): the identities (image folders) of the pairs, sorted and shuffled
            with SEED, are cut into halves A and B; pairs across the halves are dropped, each half is topped up
            with generated impostor pairs of its own images to as many different as same pairs. Thresholds (for
            --target-fmr, and best accuracy) and the choice among the --profile variants (highest accuracy at
            its own FMR threshold) are made on one half and reported on the other, both ways; the spread of the
            two is printed. A 'dense' FMR threshold (same rule, on every pair of different identities among the
            half's images instead of its ~1000 impostor pairs) is applied too. Each half's thresholds are also applied to --other-pairs (a pairs.csv, images
            relative to its folder) and --other-identify (DIR/<identity>/<image>: closed-set rank-1 with one
            enrolled image per identity and leave-one-out, FMR / TAR over every pair). --cache DIR keeps the
            embeddings of each variant and set there and reuses them (delete it after changing the pipeline)
        evaluate identify --gallery DIR --probes DIR --profile P [...] [--enroll-per-subject K[,K2]] [options]
            open-set identification over identity folders (DIR/<identity>/<image>): rank-1, FNIR at FPIR
            1e-2 and 1e-3. When gallery and probes are the same folder, identities with more than K images
            enroll their first K (by file name) and probe with the rest; the others are never-enrolled strangers.
            Several K are measured on the same embeddings, as are several templates and norms:
              --templates best,top2,centroid  how a subject's faces become one score: the best face (default),
                                              the mean of the two best, the cosine to their normalised mean
              --norm none,cohort-probe,...    score normalization against a cohort of strangers split off the
                                              probes (never enrolled, never probing): none (default),
                                              cohort-probe (T-norm), cohort-subject (Z-norm), cohort-sym (S-norm),
                                              cohort-top (minus the probe's top-k cohort mean)
              --cohort-size N                 cohort identities, one image each, drawn from the strangers with a
                                              fixed seed (default 300; only when a cohort norm is asked for)
              --cohort-seed S                 seed of that draw (default 12)
              --cohort-top K                  k of cohort-top (default 10)
        evaluate impostors --images DIR --profile P [...] [--tail-fraction F] [options]
            every pair of images of different identities (DIR/<identity>/<image>): fits the impostor tail
            that sizes the 1:N threshold (the manifest's calibration.impostorTail) and checks it against counts
              --template-faces K[,K...]       also fit the tail of centroid templates: each identity with at least
                                              K images enrolls the centroid of its first K against every image of
                                              the other identities, side by side with its first image alone
              --pairs CSV --halves SEED --half A|B
                                              only the identities of that half of verify --halves SEED: thresholds
                                              calibrated on the people the options were not chosen on (identify
                                              takes the same three options)
      Options:
        --profile P[:flip][:refine]  profile to evaluate, repeatable; suffixes switch options for that one
                                     (:noflip, :norefine switch them off, also against the profile default;
                                     :five=eyes6|mouthouter|eyes6mouthouter 68->5 reduction, :crop=twopass
                                     landmark box, :detectorpoints averages in the detector's 5 points,
                                     :detector=ID another detector of the manifest; :nocentre drops the
                                     profile's embeddingCentre, :centre centres: with the manifest's centre,
                                     or under --halves each half with the mean of the other half's images)
        --models-dir DIR             model files named as in the manifest (default models)
        --flip                       test-time flip augmentation for every profile
        --refine-landmarks           68-point landmark refinement for every profile (loads faceplugin-landmark68)
        --target-fmr F               false-match rate the calibrated threshold is chosen for (default 1e-3)
        --tail-fraction F            impostors: share of impostor pairs in the fitted tail (default 1e-3)
        --threads N                  worker threads, one pipeline each (default 1)
        --fuse                       verify, identify with exactly two profiles: also measure their fusion, one
                                     vector per image (both L2-normalised, scaled by 1/sqrt(2), concatenated),
                                     whose cosine is the mean of the two cosines; an image either profile
                                     fails on fails. verify also fits a weight on the even folds and reports
                                     every variant on the odd folds
        --out DIR                    where the JSON and PNG go (default eval-out)
      """;

  private static final double[] FARS = {1e-2, 1e-3, 1e-4};
  private static final double[] FPIRS = {1e-2, 1e-3};

  private EvaluateCommand() {}

  /** Parsed command line. */
  record Args(String mode, Path pairs, Path images, Path gallery, Path probes, List<Integer> enrollPerSubject,
      List<String> profiles, Path modelsDir, boolean flip, boolean refine, double targetFmr, int threads, Path out,
      double tailFraction, List<Rule> templates, List<Kind> norms, int cohortSize, long cohortSeed, int cohortTop,
      boolean fuse, List<Integer> templateFaces, Long halves, List<Path> otherPairs, List<Path> otherIdentify, Path cache,
      String half) {

    /** Whether a cohort must be split off the strangers. */
    boolean needsCohort() {
      return norms.stream().anyMatch(Kind::needsCohort);
    }
  }

  public static int run(String[] argv, PrintStream out, PrintStream err) {
    Args a;
    try {
      a = parse(argv);
    } catch (IllegalArgumentException e) {
      err.println("evaluate: " + e.getMessage());
      err.print(USAGE);
      return 2;
    }
    if (a == null) {
      out.print(USAGE);
      return 0;
    }
    try {
      ModelManifest manifest = ModelManifest.load(a.modelsDir());
      PipelineOptions base = PipelineOptions.defaults().withFlipAugment(a.flip()).withRefineLandmarks(a.refine());
      List<Variant> variants = new ArrayList<>();
      for (String p : a.profiles()) {
        Variant v = Variant.parse(p, base);
        manifest.profile(v.profile()); // unknown profile -> ModelException now, not after minutes of work
        variants.add(v);
      }
      Files.createDirectories(a.out());
      return switch (a.mode()) {
        case "verify" -> a.halves() != null ? HalvesEvaluation.run(a, manifest, variants, out, err)
            : verify(a, manifest, variants, out, err);
        case "impostors" -> ImpostorCalibration.run(a, manifest, variants, out);
        default -> identify(a, manifest, variants, out, err);
      };
    } catch (IllegalArgumentException e) {
      err.println("evaluate: " + e.getMessage());
      return 2;
    } catch (ModelException e) {
      err.println("evaluate: " + e.getMessage());
      return 1;
    } catch (IOException e) {
      err.println("evaluate: " + e.getMessage());
      return 1;
    }
  }

  static Args parse(String[] argv) {
    if (argv.length == 0) {
      throw new IllegalArgumentException("missing 'verify' or 'identify'");
    }
    String mode = argv[0];
    if (mode.equals("--help") || mode.equals("-h") || mode.equals("help")) {
      return null;
    }
    if (!List.of("verify", "identify", "impostors").contains(mode)) {
      throw new IllegalArgumentException("unknown evaluation '" + mode + "' (verify, identify or impostors)");
    }
    Map<String, String> single = new LinkedHashMap<>();
    List<String> profiles = new ArrayList<>();
    List<Path> otherPairs = new ArrayList<>();
    List<Path> otherIdentify = new ArrayList<>();
    boolean flip = false;
    boolean refine = false;
    boolean fuse = false;
    for (int i = 1; i < argv.length; i++) {
      String k = argv[i];
      switch (k) {
        case "--flip" -> flip = true;
        case "--refine-landmarks" -> refine = true;
        case "--fuse" -> fuse = true;
        case "--help", "-h" -> {
          return null;
        }
        case "--profile", "--pairs", "--images", "--gallery", "--probes", "--enroll-per-subject", "--models-dir",
            "--target-fmr", "--threads", "--out", "--tail-fraction", "--templates", "--norm", "--cohort-size",
            "--cohort-seed", "--cohort-top", "--template-faces", "--halves", "--other-pairs", "--other-identify", "--cache",
            "--half" -> {
          if (i + 1 >= argv.length || argv[i + 1].startsWith("--")) {
            throw new IllegalArgumentException(k + " needs a value");
          }
          String v = argv[++i];
          if (k.equals("--profile")) {
            profiles.addAll(List.of(v.split(",")));
          } else if (k.equals("--other-pairs")) {
            otherPairs.add(Path.of(v));
          } else if (k.equals("--other-identify")) {
            otherIdentify.add(Path.of(v));
          } else if (single.put(k, v) != null) {
            throw new IllegalArgumentException(k + " given twice");
          }
        }
        default -> throw new IllegalArgumentException("unknown option '" + k + "'");
      }
    }
    if (profiles.isEmpty()) {
      throw new IllegalArgumentException("give at least one --profile");
    }
    if (fuse && (mode.equals("impostors") || new LinkedHashSet<>(profiles).size() != 2)) {
      throw new IllegalArgumentException("--fuse needs 'verify' or 'identify' and exactly two --profile");
    }
    boolean halves = single.containsKey("--halves");
    String half = single.get("--half");
    if (half != null && (mode.equals("verify") || fuse || !halves || !single.containsKey("--pairs") || !List.of("A", "B").contains(half))) {
      throw new IllegalArgumentException("--half A|B is for 'impostors' and 'identify', with --halves SEED and --pairs CSV");
    }
    if (halves && !(mode.equals("verify") && !fuse || half != null)) {
      throw new IllegalArgumentException("--halves is a mode of 'verify' (without --fuse), or picks the people of"
          + " 'impostors --half' and 'identify --half'");
    }
    if ((!halves || half != null) && (!otherPairs.isEmpty() || !otherIdentify.isEmpty() || single.containsKey("--cache"))) {
      throw new IllegalArgumentException("--other-pairs, --other-identify and --cache need --halves");
    }
    Long seed = null;
    if (halves) {
      try {
        seed = Long.parseLong(single.get("--halves"));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--halves needs an integer seed, got '" + single.get("--halves") + "'");
      }
    }
    List<String> need = switch (mode) {
      case "verify" -> List.of("--pairs", "--images");
      case "impostors" -> List.of("--images");
      default -> List.of("--gallery", "--probes");
    };
    for (String n : need) {
      if (!single.containsKey(n)) {
        throw new IllegalArgumentException("'" + mode + "' needs " + n);
      }
    }
    double fmr = number(single, "--target-fmr", 1e-3);
    if (!(fmr > 0 && fmr < 1)) {
      throw new IllegalArgumentException("--target-fmr must be between 0 and 1");
    }
    double tail = number(single, "--tail-fraction", 1e-3);
    if (!(tail > 0 && tail < 0.1)) {
      throw new IllegalArgumentException("--tail-fraction must be between 0 and 0.1");
    }
    int threads = (int) number(single, "--threads", 1);
    List<Integer> ks = new ArrayList<>();
    for (String k : list(single, "--enroll-per-subject", "1")) {
      ks.add((int) number(Map.of("--enroll-per-subject", k), "--enroll-per-subject", 1));
    }
    if (threads < 1 || ks.stream().anyMatch(k -> k < 1)) {
      throw new IllegalArgumentException("--threads and --enroll-per-subject must be at least 1");
    }
    List<Rule> templates = list(single, "--templates", "best").stream().map(Rule::parse).distinct().toList();
    List<Kind> norms = list(single, "--norm", "none").stream().map(Kind::parse).distinct().toList();
    int cohortSize = (int) number(single, "--cohort-size", 300);
    int cohortTop = (int) number(single, "--cohort-top", 10);
    if (cohortSize < 1 || cohortTop < 1) {
      throw new IllegalArgumentException("--cohort-size and --cohort-top must be at least 1");
    }
    return new Args(mode, path(single, "--pairs"), path(single, "--images"), path(single, "--gallery"),
        path(single, "--probes"), List.copyOf(new LinkedHashSet<>(ks)), List.copyOf(new LinkedHashSet<>(profiles)),
        Path.of(single.getOrDefault("--models-dir", "models")), flip, refine, fmr, threads,
        Path.of(single.getOrDefault("--out", "eval-out")), tail, templates, norms, cohortSize,
        (long) number(single, "--cohort-seed", 12), cohortTop, fuse,
        !single.containsKey("--template-faces") ? List.of() : list(single, "--template-faces", "")
            .stream().map(t -> (int) number(Map.of("--template-faces", t), "--template-faces", 1)).toList(),
        seed, List.copyOf(otherPairs), List.copyOf(otherIdentify), path(single, "--cache"), half);
  }

  private static List<String> list(Map<String, String> m, String k, String def) {
    List<String> items = List.of(m.getOrDefault(k, def).split(",")).stream().map(String::trim)
        .filter(x -> !x.isEmpty()).toList();
    if (items.isEmpty()) {
      throw new IllegalArgumentException(k + " needs a value");
    }
    return items;
  }

  private static Path path(Map<String, String> m, String k) {
    return m.containsKey(k) ? Path.of(m.get(k)) : null;
  }

  private static double number(Map<String, String> m, String k, double def) {
    try {
      return m.containsKey(k) ? Double.parseDouble(m.get(k)) : def;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(k + " must be a number, got '" + m.get(k) + "'");
    }
  }

  // ---------------------------------------------------------------- verify

  private static int verify(Args a, ModelManifest manifest, List<Variant> variants, PrintStream out, PrintStream err)
      throws IOException {
    List<Pair> pairs = Pair.read(a.pairs());
    if (pairs.isEmpty()) {
      throw new IllegalArgumentException(a.pairs() + " holds no pairs");
    }
    LinkedHashSet<Path> distinct = new LinkedHashSet<>();
    for (Pair p : pairs) {
      distinct.add(a.images().resolve(p.fileA()));
      distinct.add(a.images().resolve(p.fileB()));
    }
    List<Path> files = new ArrayList<>(distinct);
    for (Path f : files) {
      if (!Files.isRegularFile(f)) {
        throw new IOException("image " + f + " of " + a.pairs() + " does not exist");
      }
    }
    long genuine = pairs.stream().filter(Pair::same).count();
    out.printf("evaluate verify: %d pairs (%d same, %d different), %d distinct images, %s%n", pairs.size(), genuine,
        pairs.size() - genuine, files.size(), foldNote(pairs));

    JsonObject report = header(a, "verify");
    report.put("data", new JsonObject().put("pairs", a.pairs().toString()).put("images", a.images().toString())
        .put("pairCount", pairs.size()).put("same", genuine).put("different", pairs.size() - genuine)
        .put("distinctImages", files.size()).put("folds", foldNote(pairs)));
    JsonArray results = new JsonArray();
    Map<String, VerifyMetrics> table = new LinkedHashMap<>();
    Map<String, List<Roc.Point>> curves = new LinkedHashMap<>();
    Map<String, Embeddings.Result> embs = new LinkedHashMap<>();
    for (Variant v : variants) {
      out.printf("%s: embedding %d images with %d thread(s)%n", v.label(), files.size(), a.threads());
      Embeddings.Result emb = Embeddings.compute(files, manifest, v, a.modelsDir(), a.threads(), out);
      embs.put(v.label(), emb);
      VerifyMetrics m = VerifyMetrics.of(pairs, emb, a.images(), a.targetFmr());
      table.put(v.label(), m);
      curves.put(v.label(), m.roc().curve(400));
      results.add(m.toJson(v.label(), about(v, manifest), emb));
      if (!emb.failures().isEmpty()) {
        err.printf("%s: no face in %d image(s), e.g. %s%n", v.label(), emb.failures().size(),
            emb.failures().entrySet().iterator().next());
      }
    }
    String fusedTable = null;
    if (a.fuse()) {
      Fusion mean = fusion(embs, 0.5);
      Embeddings.Result fused = mean.fuse(embs.get(variants.get(0).label()), embs.get(variants.get(1).label()));
      String label = mean.label(variants.get(0).label(), variants.get(1).label());
      VerifyMetrics m = VerifyMetrics.of(pairs, fused, a.images(), a.targetFmr());
      table.put(label, m);
      curves.put(label, m.roc().curve(400));
      results.add(m.toJson(label, fusionAbout(mean, variants, manifest), fused));
      StringBuilder sb = new StringBuilder();
      report.put("fusionWeight", weightedFusion(pairs, a, variants, embs, manifest, sb));
      fusedTable = sb.toString();
    }
    report.put("results", results);
    String stem = "verify-" + stem(variants) + (a.fuse() ? "_fusion" : "");
    Path json = a.out().resolve(stem + ".json");
    Path png = a.out().resolve(stem + "-roc.png");
    Files.writeString(json, report.encodePrettily() + "\n", StandardCharsets.UTF_8);
    RocPlot.write(png, "ROC on " + a.pairs().getFileName() + " (" + pairs.size() + " pairs)", curves);
    out.println();
    out.print(verifyTable(table, a.targetFmr()));
    if (fusedTable != null) {
      out.println();
      out.print(fusedTable);
    }
    out.println();
    out.print(costTable(embs));
    out.println();
    out.println("JSON: " + json);
    out.println("ROC:  " + png);
    return 0;
  }

  private static String foldNote(List<Pair> pairs) {
    long folds = pairs.stream().mapToInt(Pair::fold).distinct().count();
    return folds + " fold(s)";
  }

  /** Everything measured for one variant on a pairs file. */
  record VerifyMetrics(Roc roc, KFold.Result kfold, int failedPairs, int failedImages, double targetFmr, double seconds,
      int images) {
    static VerifyMetrics of(List<Pair> pairs, Embeddings.Result emb, Path images, double targetFmr) {
      double[] scores = new double[pairs.size()];
      boolean[] same = new boolean[pairs.size()];
      int[] folds = new int[pairs.size()];
      int failed = 0;
      for (int i = 0; i < scores.length; i++) {
        Pair p = pairs.get(i);
        float[] ea = emb.get(images.resolve(p.fileA()));
        float[] eb = emb.get(images.resolve(p.fileB()));
        if (ea == null || eb == null) {
          scores[i] = -1; // no face: the pair counts as a failure (never a match above any sane threshold)
          failed++;
        } else {
          scores[i] = FacePipeline.cosine(ea, eb);
        }
        same[i] = p.same();
        folds[i] = p.fold();
      }
      boolean kfoldable = java.util.Arrays.stream(folds).distinct().count() >= 2;
      return new VerifyMetrics(Roc.of(scores, same), kfoldable ? KFold.evaluate(scores, same, folds) : null, failed,
          emb.failures().size(), targetFmr, emb.seconds(), emb.embeddings().size() + emb.failures().size());
    }

    double thresholdAt(double far) {
      return roc.thresholdAtFar(far);
    }

    /** @param about what was measured: profile and switches, or the fusion's parts */
    JsonObject toJson(String label, JsonObject about, Embeddings.Result emb) {
      JsonObject o = new JsonObject().put("label", label).mergeIn(about)
          .put("images", images)
          .put("imagesWithoutFace", failedImages)
          .put("pairsFailed", failedPairs)
          .put("embedSeconds", round(seconds, 1))
          .put("stageMsPerImage", stageMs(emb))
          .put("auc", round(roc.auc(), 6))
          .put("eer", round(roc.eer(), 6));
      if (kfold != null) {
        JsonArray folds = new JsonArray();
        kfold.folds().forEach(f -> folds.add(new JsonObject().put("fold", f.fold()).put("pairs", f.pairs())
            .put("threshold", round(f.threshold(), 6)).put("accuracy", round(f.accuracy(), 6))));
        o.put("accuracy", new JsonObject().put("mean", round(kfold.mean(), 6)).put("std", round(kfold.std(), 6))
            .put("meanThreshold", round(kfold.folds().stream().mapToDouble(KFold.Fold::threshold).average().orElse(0), 6))
            .put("folds", folds));
      }
      JsonArray tars = new JsonArray();
      for (double far : FARS) {
        JsonObject t = new JsonObject().put("far", far);
        if (roc.enoughImpostorsFor(far)) {
          double th = roc.thresholdAtFar(far);
          t.put("threshold", round(th, 6)).put("tar", round(roc.tar(th), 6)).put("measuredFar", round(roc.far(th), 6));
        } else {
          t.put("note", "not enough impostor pairs (" + roc.impostorCount() + " < " + (long) Math.ceil(1 / far) + ")");
        }
        tars.add(t);
      }
      o.put("tarAtFar", tars);
      Roc.F1 f1 = roc.bestF1();
      o.put("bestF1", new JsonObject().put("threshold", round(f1.threshold(), 6)).put("precision", round(f1.precision(), 6))
          .put("recall", round(f1.recall(), 6)).put("f1", round(f1.f1(), 6)));
      double th = roc.thresholdAtFar(targetFmr);
      o.put("targetFmr", new JsonObject().put("fmr", targetFmr).put("threshold", round(th, 6))
          .put("thresholdRoundedUp", Math.ceil(th * 1e4) / 1e4).put("measuredFmr", round(roc.far(th), 6))
          .put("tar", round(roc.tar(th), 6)).put("enoughImpostors", roc.enoughImpostorsFor(targetFmr)));
      JsonArray curve = new JsonArray();
      for (Roc.Point p : roc.curve(200)) {
        curve.add(new JsonArray().add(round(p.threshold(), 5)).add(round(p.far(), 6)).add(round(p.tar(), 6)));
      }
      o.put("roc", new JsonObject().put("columns", new JsonArray().add("threshold").add("far").add("tar")).put("points", curve));
      if (!emb.failures().isEmpty()) {
        JsonObject fails = new JsonObject();
        new TreeMap<>(emb.failures()).forEach((k, r) -> fails.put(k.toString(), r));
        o.put("failures", fails);
      }
      return o;
    }
  }

  static String verifyTable(Map<String, VerifyMetrics> table, double targetFmr) {
    List<String> labels = new ArrayList<>(table.keySet());
    List<String[]> rows = new ArrayList<>();
    rows.add(row("", labels, l -> l));
    rows.add(row("images without a face / failed pairs", labels,
        l -> table.get(l).failedImages() + " / " + table.get(l).failedPairs()));
    rows.add(row("accuracy (k-fold, mean ± std)", labels, l -> {
      KFold.Result k = table.get(l).kfold();
      return k == null ? "n/a (one fold)" : String.format(Locale.ROOT, "%.2f %% ± %.2f", 100 * k.mean(), 100 * k.std());
    }));
    rows.add(row("  mean fold threshold", labels, l -> {
      KFold.Result k = table.get(l).kfold();
      return k == null ? "-" : f4(k.folds().stream().mapToDouble(KFold.Fold::threshold).average().orElse(0));
    }));
    rows.add(row("ROC AUC", labels, l -> String.format(Locale.ROOT, "%.5f", table.get(l).roc().auc())));
    rows.add(row("EER", labels, l -> String.format(Locale.ROOT, "%.2f %%", 100 * table.get(l).roc().eer())));
    for (double far : FARS) {
      rows.add(row("TAR @ FAR " + sci(far) + " (threshold)", labels, l -> {
        Roc r = table.get(l).roc();
        if (!r.enoughImpostorsFor(far)) {
          return "not enough impostor pairs";
        }
        double t = r.thresholdAtFar(far);
        return String.format(Locale.ROOT, "%.2f %% (%s)", 100 * r.tar(t), f4(t));
      }));
    }
    rows.add(row("best F1 threshold", labels, l -> f4(table.get(l).roc().bestF1().threshold())));
    rows.add(row("  precision / recall / F1", labels, l -> {
      Roc.F1 f = table.get(l).roc().bestF1();
      return String.format(Locale.ROOT, "%.4f / %.4f / %.4f", f.precision(), f.recall(), f.f1());
    }));
    rows.add(row("threshold for FMR <= " + sci(targetFmr), labels, l -> {
      Roc r = table.get(l).roc();
      double t = r.thresholdAtFar(targetFmr);
      return f4(t) + (r.enoughImpostorsFor(targetFmr) ? "" : " (too few impostors)");
    }));
    rows.add(row("  measured FMR / TAR there", labels, l -> {
      Roc r = table.get(l).roc();
      double t = r.thresholdAtFar(targetFmr);
      return String.format(Locale.ROOT, "%.5f / %.2f %%", r.far(t), 100 * r.tar(t));
    }));
    rows.add(row("embedding time (s, images/s)", labels, l -> {
      VerifyMetrics m = table.get(l);
      return String.format(Locale.ROOT, "%.0f (%.1f/s)", m.seconds(), m.images() / m.seconds());
    }));
    return render(rows);
  }

  // ---------------------------------------------------------------- identify

  private static int identify(Args a, ModelManifest manifest, List<Variant> variants, PrintStream out, PrintStream err)
      throws IOException {
    int cohortSize = a.needsCohort() ? a.cohortSize() : 0;
    Map<Integer, IdentifySplit> splits = new LinkedHashMap<>();
    Map<Integer, IdentifySplit> uncut = new LinkedHashMap<>(); // with a cohort: the same K, every stranger probing
    JsonArray splitsJson = new JsonArray();
    LinkedHashSet<Path> allFiles = new LinkedHashSet<>();
    Map<String, List<Path>> galleryIds = identities(a.gallery());
    Map<String, List<Path>> probeIds = a.gallery().toAbsolutePath().normalize().equals(a.probes().toAbsolutePath().normalize())
        ? null : identities(a.probes());
    if (a.half() != null) { // only the people of one half: calibrated on those the options were not chosen on
      Halves.Split hs = Halves.split(Pair.read(a.pairs()), a.halves());
      galleryIds = ImpostorCalibration.half(galleryIds, hs, a.half());
      probeIds = probeIds == null ? null : ImpostorCalibration.half(probeIds, hs, a.half());
      out.printf("evaluate identify --half %s: the %d identities of half %s of --halves %d%n", a.half(), galleryIds.size(),
          a.half(), a.halves());
    }
    for (int k : a.enrollPerSubject()) {
      IdentifySplit split = IdentifySplit.of(galleryIds, probeIds, k, cohortSize, a.cohortSeed());
      splits.put(k, split);
      allFiles.addAll(split.allFiles());
      if (cohortSize > 0) {
        uncut.put(k, IdentifySplit.of(galleryIds, probeIds, k, 0, a.cohortSeed()));
        splitsJson.add(uncut.get(k).toJson(k));
      }
      out.printf("evaluate identify%s: %d enrolled identities (%d images), %d mated probes, %d non-mated probes"
          + " (%d identities)%s%n", a.enrollPerSubject().size() > 1 ? ", K=" + k : "", split.enrolledIdentities(), split.gallery().size(), split.matedCount(),
          split.nonMatedCount(), split.strangerIdentities(),
          split.cohort().isEmpty() ? "" : ", cohort of " + split.cohort().size() + " stranger identities (one image each)");
      splitsJson.add(split.toJson(k));
    }
    IdentifySplit first = splits.values().iterator().next();
    JsonObject report = header(a, "identify");
    report.put("data", new JsonObject().put("gallery", a.gallery().toString()).put("probes", a.probes().toString())
        .put("enrollPerSubject", a.enrollPerSubject().get(0)).put("enrolledIdentities", first.enrolledIdentities())
        .put("galleryImages", first.gallery().size()).put("matedProbes", first.matedCount())
        .put("nonMatedProbes", first.nonMatedCount()).put("strangerIdentities", first.strangerIdentities())
        .put("splits", splitsJson));
    report.put("strategies", new JsonObject()
        .put("templates", new JsonArray(a.templates().stream().map(Rule::id).toList()))
        .put("norms", new JsonArray(a.norms().stream().map(Kind::id).toList()))
        .put("cohortSize", cohortSize).put("cohortSeed", a.cohortSeed()).put("cohortTop", a.cohortTop())
        .put("cohortRule", "cohort identities are drawn from the strangers (seeded shuffle of their sorted names) and"
            + " removed from the non-mated probes; each gives its first image; thresholds come from the remaining"
            + " non-mated probes, for every norm including none"));
    JsonArray results = new JsonArray();
    Map<String, IdentifyMetrics> table = new LinkedHashMap<>();
    Map<String, List<Roc.Point>> curves = new LinkedHashMap<>();
    List<StrategyRow> rows = new ArrayList<>();
    List<Strategy> strategies = new ArrayList<>();
    for (Rule r : a.templates()) {
      for (Kind n : a.norms()) {
        strategies.add(new Strategy(r, n));
      }
    }
    Map<String, Embeddings.Result> embs = new LinkedHashMap<>();
    for (int vi = 0; vi < variants.size() + (a.fuse() ? 1 : 0); vi++) {
      String label;
      JsonObject about;
      Embeddings.Result emb;
      double manifestThreshold;
      if (vi < variants.size()) {
        Variant v = variants.get(vi);
        List<Path> files = new ArrayList<>(allFiles);
        label = v.label();
        out.printf("%s: embedding %d images with %d thread(s)%n", label, files.size(), a.threads());
        emb = Embeddings.compute(files, manifest, v, a.modelsDir(), a.threads(), out);
        embs.put(label, emb);
        about = about(v, manifest);
        manifestThreshold = manifest.profile(v.profile()).threshold();
      } else {
        Fusion mean = fusion(embs, 0.5);
        label = mean.label(variants.get(0).label(), variants.get(1).label());
        emb = mean.fuse(embs.get(variants.get(0).label()), embs.get(variants.get(1).label()));
        about = fusionAbout(mean, variants, manifest);
        // No manifest threshold exists for a fusion; the mean of the two is where its scores' scale puts it.
        manifestThreshold = (manifest.profile(variants.get(0).profile()).threshold()
            + manifest.profile(variants.get(1).profile()).threshold()) / 2;
      }
      JsonObject result = null;
      JsonArray measured = new JsonArray();
      for (Map.Entry<Integer, IdentifySplit> s : splits.entrySet()) {
        long t0 = System.nanoTime();
        Map<Strategy, IdentifyMetrics> ms = IdentifyMetrics.of(s.getValue(), emb, manifestThreshold, strategies,
            a.cohortTop());
        out.printf("  [%s] K=%d: %d strategies scored in %.1f s%n", label, s.getKey(), ms.size(),
            (System.nanoTime() - t0) / 1e9);
        if (uncut.containsKey(s.getKey())) {
          // The templates need no cohort: also measured with every stranger probing, as earlier runs were.
          List<Strategy> raw = a.templates().stream().map(r -> new Strategy(r, Kind.NONE)).toList();
          for (Map.Entry<Strategy, IdentifyMetrics> e : IdentifyMetrics.of(uncut.get(s.getKey()), emb,
              manifestThreshold, raw, a.cohortTop()).entrySet()) {
            rows.add(new StrategyRow(label, s.getKey(), e.getKey(), e.getValue(), false));
            measured.add(e.getValue().toJson(label, about).put("enrollPerSubject", s.getKey())
                .put("template", e.getKey().template().id()).put("norm", Kind.NONE.id()).put("cohortSplitOff", false));
          }
        }
        for (Map.Entry<Strategy, IdentifyMetrics> e : ms.entrySet()) {
          IdentifyMetrics m = e.getValue();
          rows.add(new StrategyRow(label, s.getKey(), e.getKey(), m, cohortSize > 0));
          measured.add(m.toJson(label, about).put("enrollPerSubject", s.getKey()).put("template", e.getKey().template().id())
              .put("norm", e.getKey().norm().id()).put("cohortSplitOff", cohortSize > 0));
          if (result == null) {
            table.put(label, m);
            curves.put(label, m.curve());
            result = m.toJson(label, about).put("stageMsPerImage", stageMs(emb));
          }
        }
      }
      if (measured.size() > 1) {
        result.put("strategies", measured);
      }
      results.add(result);
      if (!emb.failures().isEmpty()) {
        err.printf("%s: no face in %d image(s), e.g. %s%n", label, emb.failures().size(),
            emb.failures().entrySet().iterator().next());
      }
    }
    report.put("results", results);
    Strategy firstStrategy = strategies.get(0);
    String stem = "identify-" + stem(variants) + (a.fuse() ? "_fusion" : "");
    Path json = a.out().resolve(stem + ".json");
    Path png = a.out().resolve(stem + "-det.png");
    Files.writeString(json, report.encodePrettily() + "\n", StandardCharsets.UTF_8);
    RocPlot.write(png, "Open-set identification (" + first.matedCount() + " mated, " + first.nonMatedCount()
        + " non-mated probes" + (rows.size() > table.size() ? "; K=" + a.enrollPerSubject().get(0) + ", "
        + firstStrategy.label() : "") + ")", "FPIR (log scale)", "1 - FNIR (rank-1 hit at threshold)", curves);
    out.println();
    if (rows.size() > table.size()) {
      out.printf("K=%d, %s:%n", a.enrollPerSubject().get(0), firstStrategy.label());
    }
    out.print(identifyTable(table));
    if (rows.size() > table.size()) {
      out.println();
      out.print(strategyTable(rows));
    }
    out.println();
    out.print(costTable(embs));
    out.println();
    out.println("JSON: " + json);
    out.println("Plot: " + png);
    return 0;
  }

  /** How subjects are scored: a template rule and a normalization. */
  record Strategy(Rule template, Kind norm) {
    String label() {
      return template.id() + " / " + norm.id();
    }
  }

  /** One measured (variant, K, strategy). */
  record StrategyRow(String variant, int k, Strategy strategy, IdentifyMetrics metrics, boolean cohortSplitOff) {}

  /**
   * Who is enrolled with which images, which images probe, and which stranger images form the impostor cohort
   * (identities neither enrolled nor probing).
   */
  record IdentifySplit(Map<Path, String> gallery, Map<Path, String> mated, Map<Path, String> nonMated,
      int strangerIdentities, Map<Path, String> cohort) {
    /**
     * @param g gallery identities and their images, sorted
     * @param probeIds probe identities, or null when gallery and probes are the same folder
     * @param cohortSize stranger identities split off into the cohort (0: none)
     */
    static IdentifySplit of(Map<String, List<Path>> g, Map<String, List<Path>> probeIds, int k, int cohortSize,
        long seed) {
      Map<Path, String> gallery = new LinkedHashMap<>();
      Map<Path, String> mated = new LinkedHashMap<>();
      Map<String, List<Path>> strangers = new LinkedHashMap<>();
      if (probeIds == null) {
        for (Map.Entry<String, List<Path>> e : g.entrySet()) {
          List<Path> imgs = e.getValue();
          if (imgs.size() > k) {
            imgs.subList(0, k).forEach(p -> gallery.put(p, e.getKey()));
            imgs.subList(k, imgs.size()).forEach(p -> mated.put(p, e.getKey()));
          } else {
            strangers.put(e.getKey(), imgs);
          }
        }
      } else {
        for (Map.Entry<String, List<Path>> e : g.entrySet()) {
          e.getValue().subList(0, Math.min(k, e.getValue().size())).forEach(p -> gallery.put(p, e.getKey()));
        }
        for (Map.Entry<String, List<Path>> e : probeIds.entrySet()) {
          if (g.containsKey(e.getKey())) {
            e.getValue().forEach(p -> mated.put(p, e.getKey()));
          } else {
            strangers.put(e.getKey(), e.getValue());
          }
        }
      }
      if (cohortSize >= strangers.size() && cohortSize > 0) {
        throw new IllegalArgumentException("a cohort of " + cohortSize + " identities leaves no stranger to probe ("
            + strangers.size() + " strangers)");
      }
      List<String> names = new ArrayList<>(new java.util.TreeSet<>(strangers.keySet()));
      java.util.Collections.shuffle(names, new java.util.Random(seed));
      java.util.Set<String> cohortIds = new java.util.HashSet<>(names.subList(0, cohortSize));
      Map<Path, String> nonMated = new LinkedHashMap<>();
      Map<Path, String> cohort = new LinkedHashMap<>();
      for (Map.Entry<String, List<Path>> e : strangers.entrySet()) {
        if (cohortIds.contains(e.getKey())) {
          cohort.put(e.getValue().get(0), e.getKey());
        } else {
          e.getValue().forEach(p -> nonMated.put(p, e.getKey()));
        }
      }
      if (gallery.isEmpty() || mated.isEmpty() || nonMated.isEmpty()) {
        throw new IllegalArgumentException("identify needs enrolled identities, mated and non-mated probes; got "
            + gallery.size() + " gallery images, " + mated.size() + " mated and " + nonMated.size() + " non-mated probes");
      }
      return new IdentifySplit(gallery, mated, nonMated, strangers.size() - cohortIds.size(), cohort);
    }

    int enrolledIdentities() {
      return (int) gallery.values().stream().distinct().count();
    }

    int matedCount() {
      return mated.size();
    }

    int nonMatedCount() {
      return nonMated.size();
    }

    List<Path> allFiles() {
      LinkedHashSet<Path> all = new LinkedHashSet<>(gallery.keySet());
      all.addAll(mated.keySet());
      all.addAll(nonMated.keySet());
      all.addAll(cohort.keySet());
      return new ArrayList<>(all);
    }

    JsonObject toJson(int k) {
      return new JsonObject().put("enrollPerSubject", k).put("enrolledIdentities", enrolledIdentities())
          .put("galleryImages", gallery.size()).put("matedProbes", matedCount()).put("nonMatedProbes", nonMatedCount())
          .put("strangerIdentities", strangerIdentities).put("cohortIdentities", cohort.size());
    }
  }

  private static final java.util.Set<String> IMAGE_EXT = java.util.Set.of("jpg", "jpeg", "png", "bmp", "webp");

  static Map<String, List<Path>> identities(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException(dir + " is not a folder");
    }
    Map<String, List<Path>> out = new TreeMap<>();
    try (Stream<Path> ids = Files.list(dir)) {
      for (Path id : ids.filter(Files::isDirectory).sorted().toList()) {
        try (Stream<Path> imgs = Files.list(id)) {
          List<Path> files = imgs.filter(Files::isRegularFile).filter(p -> {
            String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
            return IMAGE_EXT.contains(n.substring(n.lastIndexOf('.') + 1));
          }).sorted().toList();
          if (!files.isEmpty()) {
            out.put(id.getFileName().toString(), files);
          }
        }
      }
    }
    return out;
  }

  /** Open-set results of one variant under one strategy. */
  record IdentifyMetrics(OpenSet openSet, int galleryFailures, int probeFailures, int unenrolled, double manifestThreshold,
      double seconds, int cohortUsed) {
    /** Every strategy on the same embeddings; each probe is scored once. */
    static Map<Strategy, IdentifyMetrics> of(IdentifySplit split, Embeddings.Result emb, double manifestThreshold,
        List<Strategy> strategies, int cohortTop) {
      Map<String, List<float[]>> faces = new LinkedHashMap<>();
      int galleryFailures = 0;
      for (Map.Entry<Path, String> e : split.gallery().entrySet()) {
        float[] v = emb.get(e.getKey());
        if (v == null) {
          galleryFailures++;
        } else {
          faces.computeIfAbsent(e.getValue(), x -> new ArrayList<>()).add(v);
        }
      }
      Map<String, SubjectTemplate> subjects = new LinkedHashMap<>();
      faces.forEach((id, f) -> subjects.put(id, new SubjectTemplate(f)));
      List<float[]> cohort = new ArrayList<>();
      if (strategies.stream().anyMatch(s -> s.norm().needsCohort())) {
        split.cohort().keySet().stream().map(emb::get).filter(java.util.Objects::nonNull).forEach(cohort::add);
        if (cohort.isEmpty()) {
          throw new IllegalArgumentException("cohort normalization needs a cohort with faces");
        }
      }
      TemplateSearch search = new TemplateSearch(subjects, cohort, cohortTop);
      Map<Strategy, List<OpenSet.Probe>> probes = new LinkedHashMap<>();
      strategies.forEach(s -> probes.put(s, new ArrayList<>()));
      int probeFailures = 0;
      int unenrolled = 0;
      for (boolean isMated : new boolean[] {true, false}) {
        for (Map.Entry<Path, String> e : (isMated ? split.mated() : split.nonMated()).entrySet()) {
          boolean mated = isMated && subjects.containsKey(e.getValue());
          unenrolled += isMated && !mated ? 1 : 0; // all its gallery images failed: it is a stranger now
          float[] q = emb.get(e.getKey());
          if (q == null) {
            probeFailures++;
            probes.values().forEach(l -> l.add(new OpenSet.Probe(mated, false, Double.NEGATIVE_INFINITY)));
            continue;
          }
          TemplateSearch.Scores scores = search.score(q);
          for (Strategy s : strategies) {
            probes.get(s).add(scores.outcome(s.template(), s.norm(), e.getValue(), mated));
          }
        }
      }
      Map<Strategy, IdentifyMetrics> out = new LinkedHashMap<>();
      for (Strategy s : strategies) {
        out.put(s, new IdentifyMetrics(new OpenSet(probes.get(s)), galleryFailures, probeFailures, unenrolled,
            manifestThreshold, emb.seconds(), s.norm().needsCohort() ? cohort.size() : 0));
      }
      return out;
    }

    List<Roc.Point> curve() {
      double[] t = openSet.nonMatedScores();
      List<Roc.Point> pts = new ArrayList<>();
      for (int i = t.length - 1; i >= 0; i--) {
        if (i > 0 && t[i] == t[i - 1]) {
          continue;
        }
        pts.add(new Roc.Point(t[i], openSet.fpir(t[i]), 1 - openSet.fnir(t[i])));
      }
      return pts;
    }

    /** @param about what was measured: profile and switches, or the fusion's parts */
    JsonObject toJson(String label, JsonObject about) {
      JsonObject o = new JsonObject().put("label", label).mergeIn(about)
          .put("galleryImagesWithoutFace", galleryFailures).put("probesWithoutFace", probeFailures)
          .put("matedProbes", openSet.matedCount()).put("nonMatedProbes", openSet.nonMatedCount())
          .put("embedSeconds", round(seconds, 1))
          .put("rank1", round(openSet.rank1(), 6));
      if (cohortUsed > 0) {
        o.put("cohortFaces", cohortUsed);
      }
      JsonArray at = new JsonArray();
      for (double f : FPIRS) {
        JsonObject x = new JsonObject().put("fpir", f);
        if (openSet.enoughNonMatedFor(f)) {
          double t = openSet.thresholdAtFpir(f);
          x.put("threshold", round(t, 6)).put("fnir", round(openSet.fnir(t), 6)).put("measuredFpir", round(openSet.fpir(t), 6));
        } else {
          x.put("note", "not enough non-mated probes (" + openSet.nonMatedCount() + " < " + (long) Math.ceil(1 / f) + ")");
        }
        at.add(x);
      }
      o.put("fnirAtFpir", at);
      o.put("atManifestThreshold", new JsonObject().put("threshold", manifestThreshold)
          .put("fpir", round(openSet.fpir(manifestThreshold), 6)).put("fnir", round(openSet.fnir(manifestThreshold), 6)));
      return o;
    }
  }

  static String identifyTable(Map<String, IdentifyMetrics> table) {
    List<String> labels = new ArrayList<>(table.keySet());
    List<String[]> rows = new ArrayList<>();
    rows.add(row("", labels, l -> l));
    rows.add(row("gallery / probe images without a face", labels,
        l -> table.get(l).galleryFailures() + " / " + table.get(l).probeFailures()));
    rows.add(row("mated / non-mated probes", labels,
        l -> table.get(l).openSet().matedCount() + " / " + table.get(l).openSet().nonMatedCount()));
    rows.add(row("rank-1 accuracy (mated)", labels, l -> String.format(Locale.ROOT, "%.2f %%", 100 * table.get(l).openSet().rank1())));
    for (double f : FPIRS) {
      rows.add(row("FNIR @ FPIR " + sci(f) + " (threshold)", labels, l -> fnirCell(table.get(l).openSet(), f)));
    }
    rows.add(row("at manifest threshold: FPIR / FNIR", labels, l -> {
      IdentifyMetrics m = table.get(l);
      double t = m.manifestThreshold();
      return String.format(Locale.ROOT, "%s: %.2f %% / %.2f %%", f4(t), 100 * m.openSet().fpir(t), 100 * m.openSet().fnir(t));
    }));
    rows.add(row("embedding time (s)", labels, l -> String.format(Locale.ROOT, "%.0f", table.get(l).seconds())));
    return render(rows);
  }

  /** One line per (profile, K, template, norm). */
  static String strategyTable(List<StrategyRow> measured) {
    List<String[]> rows = new ArrayList<>();
    List<String> head = new ArrayList<>(List.of("profile", "K", "template", "norm", "mated / non-mated", "rank-1"));
    for (double f : FPIRS) {
      head.add("FNIR @ FPIR " + sci(f) + " (thr.)");
    }
    rows.add(head.toArray(String[]::new));
    for (StrategyRow r : measured) {
      OpenSet o = r.metrics().openSet();
      List<String> cells = new ArrayList<>(List.of(r.variant(), String.valueOf(r.k()), r.strategy().template().id(),
          r.strategy().norm().id() + (r.cohortSplitOff() ? "" : " (no cohort)"), o.matedCount() + " / " + o.nonMatedCount(),
          String.format(Locale.ROOT, "%.2f %%", 100 * o.rank1())));
      for (double f : FPIRS) {
        cells.add(fnirCell(o, f));
      }
      rows.add(cells.toArray(String[]::new));
    }
    return render(rows);
  }

  private static String fnirCell(OpenSet o, double fpir) {
    if (!o.enoughNonMatedFor(fpir)) {
      return "not enough non-mated probes";
    }
    double t = o.thresholdAtFpir(fpir);
    return String.format(Locale.ROOT, "%.2f %% (%s)", 100 * o.fnir(t), f4(t));
  }
  // ---------------------------------------------------------------- fusion

  private static JsonObject about(Variant v, ModelManifest manifest) {
    return new JsonObject().put("profile", v.profile()).put("flip", v.options().flipAugment())
        .put("refineLandmarks", v.refines(manifest)).put("manifestThreshold", manifest.profile(v.profile()).threshold());
  }

  private static JsonObject fusionAbout(Fusion f, List<Variant> variants, ModelManifest manifest) {
    return new JsonObject().put("fusion", new JsonObject()
        .put("of", new JsonArray().add(about(variants.get(0), manifest).put("label", variants.get(0).label()))
            .add(about(variants.get(1), manifest).put("label", variants.get(1).label())))
        .put("weight", f.weight()).put("dimension", f.dimA() + f.dimB())
        .put("rule", "score = w * cos(first) + (1 - w) * cos(second), as the cosine of the fused vectors"
            + " (sqrt(w) a | sqrt(1 - w) b); an image either profile fails on fails"));
  }

  /** The fusion of the two runs in {@code embs} (in order), dimensions read off their first vectors. */
  private static Fusion fusion(Map<String, Embeddings.Result> embs, double weight) {
    List<Embeddings.Result> r = new ArrayList<>(embs.values());
    if (r.size() != 2 || r.get(0).embeddings().isEmpty() || r.get(1).embeddings().isEmpty()) {
      throw new IllegalArgumentException("fusion needs two profiles that each embedded at least one image");
    }
    return new Fusion(r.get(0).embeddings().values().iterator().next().length,
        r.get(1).embeddings().values().iterator().next().length, weight);
  }

  /**
   * The weighted fusion: w chosen on the even folds by ROC AUC (grid 0, 0.05, ..., 1; ties to the one nearest ½),
   * then both profiles, the mean and the weighted fusion measured on the odd folds only, which w never saw.
   */
  private static JsonObject weightedFusion(List<Pair> pairs, Args a, List<Variant> variants,
      Map<String, Embeddings.Result> embs, ModelManifest manifest, StringBuilder text) {
    List<Pair> fit = pairs.stream().filter(p -> p.fold() % 2 == 0).toList();
    List<Pair> test = pairs.stream().filter(p -> p.fold() % 2 != 0).toList();
    if (fit.stream().noneMatch(Pair::same) || test.stream().noneMatch(Pair::same)
        || fit.stream().allMatch(Pair::same) || test.stream().allMatch(Pair::same)) {
      text.append("weighted fusion: needs same and different pairs in both even and odd folds; not measured\n");
      return new JsonObject().put("note", "not measured: needs same and different pairs in both even and odd folds");
    }
    String la = variants.get(0).label();
    String lb = variants.get(1).label();
    JsonArray grid = new JsonArray();
    double bestW = 0.5;
    double bestAuc = Double.NEGATIVE_INFINITY;
    for (int i = 0; i <= 20; i++) {
      double w = i / 20.0;
      Roc roc = VerifyMetrics.of(fit, fusion(embs, w).fuse(embs.get(la), embs.get(lb)), a.images(), a.targetFmr()).roc();
      double auc = roc.auc();
      grid.add(new JsonObject().put("w", w).put("auc", round(auc, 6)));
      if (auc > bestAuc || (auc == bestAuc && Math.abs(w - 0.5) < Math.abs(bestW - 0.5))) {
        bestAuc = auc;
        bestW = w;
      }
    }
    Map<String, Embeddings.Result> onTest = new LinkedHashMap<>(embs);
    Fusion mean = fusion(embs, 0.5);
    Fusion weighted = fusion(embs, bestW);
    onTest.put(mean.label(la, lb), mean.fuse(embs.get(la), embs.get(lb)));
    onTest.put(weighted.label(la, lb) + (bestW == 0.5 ? " (chosen w = 0.50)" : ""), weighted.fuse(embs.get(la), embs.get(lb)));
    Map<String, VerifyMetrics> table = new LinkedHashMap<>();
    JsonArray results = new JsonArray();
    for (Map.Entry<String, Embeddings.Result> e : onTest.entrySet()) {
      VerifyMetrics m = VerifyMetrics.of(test, e.getValue(), a.images(), a.targetFmr());
      table.put(e.getKey(), m);
      JsonObject o = m.toJson(e.getKey(), new JsonObject(), e.getValue());
      o.remove("roc"); // the full-data curves are in the results above
      results.add(o);
    }
    long fitSame = fit.stream().filter(Pair::same).count();
    long testSame = test.stream().filter(Pair::same).count();
    text.append(String.format(Locale.ROOT, "Weighted fusion: w = %.2f (weight of %s) chosen on the even folds (%d pairs: %d same,"
        + " %d different) by ROC AUC %.5f; measured on the odd folds only (%d pairs: %d same, %d different):%n",
        bestW, la, fit.size(), fitSame, fit.size() - fitSame, bestAuc, test.size(), testSame, test.size() - testSame));
    text.append(verifyTable(table, a.targetFmr()));
    return new JsonObject().put("criterion", "ROC AUC on the even folds").put("fitPairs", fit.size())
        .put("testPairs", test.size()).put("weightOf", la).put("chosen", bestW).put("grid", grid)
        .put("oddFolds", results);
  }

  /** Milliseconds per image in each stage, single-thread (summed over threads, divided by the images). */
  private static JsonObject stageMs(Embeddings.Result emb) {
    JsonObject o = new JsonObject();
    int n = Math.max(1, emb.images());
    emb.stageSeconds().forEach((k, v) -> o.put(k, round(1000 * v / n, 2)));
    return o;
  }

  /**
   * Per-image cost of each profile by stage; with two profiles also the fusion's: both pipelines in full (as
   * measured here), and what a service would pay detecting once with either profile's detector and embedding twice.
   */
  static String costTable(Map<String, Embeddings.Result> embs) {
    List<String> stages = List.of("decode", "detect", "landmarks", "align", "embed");
    List<String[]> rows = new ArrayList<>();
    List<String> head = new ArrayList<>(List.of("ms per image (one thread)"));
    head.addAll(stages);
    head.add("total");
    rows.add(head.toArray(String[]::new));
    Map<String, double[]> ms = new LinkedHashMap<>();
    embs.forEach((label, e) -> {
      double[] v = new double[stages.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = 1000 * e.stageSeconds().getOrDefault(stages.get(i), 0.0) / Math.max(1, e.images());
      }
      ms.put(label, v);
    });
    ms.forEach((label, v) -> rows.add(costRow(label, v)));
    if (ms.size() == 2) {
      List<String> labels = new ArrayList<>(ms.keySet());
      double[] x = ms.get(labels.get(0));
      double[] y = ms.get(labels.get(1));
      double[] both = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        both[i] = x[i] + y[i];
      }
      rows.add(costRow("fusion, both pipelines (measured)", both));
      for (int d = 0; d < 2; d++) {
        double[] det = d == 0 ? x : y;
        // Detect (and refine landmarks) once with one profile, align and embed with both recognizers.
        double[] once = {det[0], det[1], det[2], x[3] + y[3], x[4] + y[4]};
        rows.add(costRow("fusion, service estimate: detect with " + labels.get(d) + ", embed twice", once));
      }
    }
    return render(rows);
  }

  private static String[] costRow(String label, double[] v) {
    String[] r = new String[v.length + 2];
    r[0] = label;
    double sum = 0;
    for (int i = 0; i < v.length; i++) {
      r[i + 1] = String.format(Locale.ROOT, "%.1f", v[i]);
      sum += v[i];
    }
    r[v.length + 1] = String.format(Locale.ROOT, "%.1f", sum);
    return r;
  }

  // ---------------------------------------------------------------- shared

  private static JsonObject header(Args a, String mode) {
    return new JsonObject().put("tool", "facerec-service evaluate " + mode)
        .put("date", OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS).toString())
        .put("modelsDir", a.modelsDir().toString()).put("threads", a.threads())
        .put("protocol", "verify".equals(mode)
            ? "k-fold over the folds present (pairs without a fold spread round-robin over them); threshold maximising"
                + " accuracy on the other folds, applied to the held-out fold; mean and population std of fold accuracies."
                + " Decision: match when cosine >= threshold. A pair with an image without a face scores -1."
            : "open set: best cosine over all enrolled faces (template best, norm none; other strategies score each"
                + " subject by their template rule and normalized score); FPIR = non-mated probes with best >= t;"
                + " FNIR = mated probes whose rank-1 subject is wrong or below t.");
  }

  private static String stem(List<Variant> variants) {
    return String.join("_", variants.stream().map(Variant::label).toList());
  }

  private static String[] row(String name, List<String> labels, java.util.function.Function<String, String> cell) {
    String[] r = new String[labels.size() + 1];
    r[0] = name;
    for (int i = 0; i < labels.size(); i++) {
      r[i + 1] = cell.apply(labels.get(i));
    }
    return r;
  }

  static String render(List<String[]> rows) {
    int cols = rows.get(0).length;
    int[] w = new int[cols];
    for (String[] r : rows) {
      for (int c = 0; c < cols; c++) {
        w[c] = Math.max(w[c], r[c].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < rows.size(); i++) {
      String[] r = rows.get(i);
      sb.append(String.format("%-" + w[0] + "s", r[0]));
      for (int c = 1; c < cols; c++) {
        sb.append(" | ").append(String.format("%-" + w[c] + "s", r[c]));
      }
      sb.append('\n');
      if (i == 0) {
        sb.append("-".repeat(sb.length() - 1)).append('\n');
      }
    }
    return sb.toString();
  }

  static String f4(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }

  static String sci(double v) {
    return String.format(Locale.ROOT, "%.0e", v).replace("e-0", "e-");
  }

  static double round(double v, int digits) {
    if (!Double.isFinite(v)) {
      return v;
    }
    double s = Math.pow(10, digits);
    return Math.round(v * s) / s;
  }
}
