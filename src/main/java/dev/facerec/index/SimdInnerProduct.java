package dev.facerec.index;

import com.github.jelmerk.hnswlib.core.DistanceFunction;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** {@code 1 - a.b} in the CPU's widest float lanes, a scalar tail for the rest; loaded only when the module is present. */
final class SimdInnerProduct implements DistanceFunction<float[], Float> {
  private static final long serialVersionUID = 1L;
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

  @Override
  public Float distance(float[] u, float[] v) {
    int i = 0;
    int bound = SPECIES.loopBound(u.length);
    FloatVector acc = FloatVector.zero(SPECIES);
    for (; i < bound; i += SPECIES.length()) {
      acc = FloatVector.fromArray(SPECIES, u, i).fma(FloatVector.fromArray(SPECIES, v, i), acc);
    }
    float dot = acc.reduceLanes(VectorOperators.ADD);
    for (; i < u.length; i++) {
      dot += u[i] * v[i];
    }
    return 1 - dot;
  }
}
