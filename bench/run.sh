#!/usr/bin/env bash
# Runs every benchmark and prints its figures: pipeline throughput, identify over HTTP, HNSW index.
# Needs ../shared (models, LFW) and PostgreSQL on 127.0.0.1:5432. Takes ~15-25 minutes on 2 cores.
#   bash bench/run.sh                 # all
#   bash bench/run.sh pipeline|http|batch|index|distance|native|efc|search|cluster|resilience   (http, cluster: wrk (and nginx) from Debian,
#   batch: python3-onnx from Debian, installed here when missing; http [subjects] [seconds] [profiles]: identify over HTTP against the raw pipeline;
#   resilience [minutes] [clients] [variants]: memory over a mixed load, not part of "all";
#   million [faces] [efConstruction] [shards] [efSearch[,efSearch...]] [engine]: a million faces on one index node, not part of "all";
#   native [identities] [engines]: the index against native hnswlib)
#   bash bench/run.sh jmh [regex]     # JMH microbenchmarks (distance, pipeline stages), ~3 minutes, not part of "all"
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
mvn -B -q test-compile
run() { mvn -B -q exec:java -Dexec.classpathScope=test -Dexec.mainClass="dev.facerec.bench.$1" -Dexec.args="${2:-}" -Dshared.dir="$(cd .. && pwd)/shared"; }
if [[ $what == all || $what == pipeline ]]; then run PipelineBench "500 faceplugin,yunet-mobilefacenet"; fi
if [[ $what == all || $what == http ]]; then
  command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
  mvn -B -q package -DskipTests # the node runs from the jar
  run ThroughputBench "${2:-300} ${3:-20} 8 ${4:-yunet-mobilefacenet,faceplugin} 1,2,4,8,16"
fi
if [[ $what == all || $what == batch ]]; then
  /usr/bin/python3 -c 'import onnx' 2>/dev/null || { apt-get update -q && apt-get install -y -q python3-onnx; }
  run BatchBench "${2:-2}"
fi
if [[ $what == all || $what == index ]]; then run IndexBench "100000 128 1000 32 400"; fi
if [[ $what == all || $what == distance ]]; then
  MAVEN_OPTS="${MAVEN_OPTS:-} --add-modules jdk.incubator.vector" run DistanceBench "20000 128 1000" # exec:java runs in Maven's JVM
fi
if [[ $what == all || $what == native ]]; then
  /usr/bin/python3 -c 'import hnswlib' 2>/dev/null || { apt-get update -q && apt-get install -y -q python3-hnswlib; }
  MAVEN_OPTS="${MAVEN_OPTS:-} --add-modules jdk.incubator.vector" run NativeIndexBench "${2:-20000} 5 128 1000 32 400 ${3:-packed,hnswlib-core}"
fi
if [[ $what == all || $what == efc ]]; then
  MAVEN_OPTS="${MAVEN_OPTS:-} --add-modules jdk.incubator.vector" run EfConstructionBench "${2:-20000} 5 128 1000 32 100,200,400"
fi
if [[ $what == million ]]; then # not part of "all": about 10 minutes on 2 cores
  MAVEN_OPTS="${MAVEN_OPTS:-} -Xmx4g --add-modules jdk.incubator.vector" run MillionBench "${2:-1000000} ${3:-100} ${4:-6} 8 20 32 ${5:-400} ${6:-packed}"
fi
if [[ $what == all || $what == search ]]; then run IndexSearchBench "20000 128 8 15"; fi
if [[ $what == all || $what == cluster ]]; then
  command -v nginx >/dev/null && command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q nginx wrk; }
  mvn -B -q package -DskipTests # the nodes run from the jar
  run ClusterBench "200 20 8 1000 yunet-mobilefacenet"
fi
if [[ $what == resilience ]]; then
  mvn -B -q package -DskipTests # the node runs from the jar
  run ResilienceBench "${2:-10} ${3:-6} ${4:-default}" # e.g. bash bench/run.sh resilience 20 3 default,arena2,noortarena+arena2
fi
if [[ $what == jmh ]]; then
  # JMH forks a JVM with this JVM's class path: plain java, not exec:java (Maven's class loader is invisible to the fork)
  mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath -DincludeScope=test -Dmdep.outputFile=target/jmh.classpath
  java -cp "target/test-classes:target/classes:$(cat target/jmh.classpath)" -Dshared.dir="$(cd .. && pwd)/shared" \
    dev.facerec.bench.jmh.JmhMain ${2:+"$2"} # e.g. bash bench/run.sh jmh 'DistanceJmh|StagesJmh.embed'
fi
