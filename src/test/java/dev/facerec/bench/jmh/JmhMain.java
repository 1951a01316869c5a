package dev.facerec.bench.jmh;

import java.nio.file.Path;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH benchmarks of this package ({@link DistanceJmh}, {@link StagesJmh}): one fork, 2 warm-up and 3
 * measured iterations of 1 s each, and prints JMH's table. The fork takes its class path from this JVM, so start it
 * with plain {@code java -cp} (bash bench/run.sh jmh does), not inside Maven.
 *
 * <p>Args: {@code [regex]} of the benchmarks to run (default: all of this package), e.g. {@code DistanceJmh} or
 * {@code StagesJmh.embed}.
 */
public final class JmhMain {
  public static void main(String[] args) throws Exception {
    String include = args.length > 0 ? args[0] : JmhMain.class.getPackageName().replace(".", "\\.") + "\\.";
    String shared = Path.of(System.getProperty("shared.dir", "../shared")).toAbsolutePath().normalize().toString();
    // The fork gets its class path through a manifest jar: a command line of some thousand characters (the -cp of
    // bench/run.sh) makes ONNX Runtime's environment set-up overflow a 1 MB thread stack (SIGSEGV, no hs_err).
    System.setProperty("jmh.separateClasspathJAR", "true");
    Options options = new OptionsBuilder()
        .include(include)
        .forks(1)
        .warmupIterations(2)
        .warmupTime(TimeValue.seconds(1))
        .measurementIterations(3)
        .measurementTime(TimeValue.seconds(1))
        // whatever the host was started with: without the module best() is the scalar loop, without shared.dir no data
        .jvmArgsAppend("--add-modules", "jdk.incubator.vector", "-Dshared.dir=" + shared)
        .shouldFailOnError(true) // a fork that dies would otherwise only leave its row out of the table
        .build();
    new Runner(options).run();
  }
}
