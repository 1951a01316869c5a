package dev.facerec.index;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** {@code a.b} in the CPU's widest float lanes, a scalar tail for the rest; loaded only when the module is present. */
final class SimdInnerProduct implements InnerProduct.Kernel {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int len) {
    int lanes = SPECIES.length();
    int i = 0;
    FloatVector acc0 = FloatVector.zero(SPECIES);
    FloatVector acc1 = FloatVector.zero(SPECIES);
    // Two accumulators: consecutive FMAs into one register wait for each other.
    for (int bound = len - 2 * lanes; i <= bound; i += 2 * lanes) {
      acc0 = FloatVector.fromArray(SPECIES, a, aOff + i).fma(FloatVector.fromArray(SPECIES, b, bOff + i), acc0);
      acc1 = FloatVector.fromArray(SPECIES, a, aOff + i + lanes)
          .fma(FloatVector.fromArray(SPECIES, b, bOff + i + lanes), acc1);
    }
    for (int bound = SPECIES.loopBound(len); i < bound; i += lanes) {
      acc0 = FloatVector.fromArray(SPECIES, a, aOff + i).fma(FloatVector.fromArray(SPECIES, b, bOff + i), acc0);
    }
    float dot = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    for (; i < len; i++) {
      dot += a[aOff + i] * b[bOff + i];
    }
    return dot;
  }
}
