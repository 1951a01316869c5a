package dev.facerec.index;

import com.github.jelmerk.hnswlib.core.ObjectSerializer;
import com.github.jelmerk.hnswlib.core.SearchResult;
import com.github.jelmerk.hnswlib.core.hnsw.HnswIndex;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInput;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutput;
import java.io.ObjectStreamClass;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** hnswlib-core's {@link HnswIndex} behind the {@link ShardGraph} contract ({@code INDEX_ENGINE=hnswlib-core}). */
final class HnswlibGraph implements ShardGraph {

  // Only hnswlib's own classes, our serializers and the natural-order comparator may appear in the
  // payload; the CRC already rules out corruption, this keeps deserialization to known classes.
  private static final ObjectInputFilter PAYLOAD_FILTER = ObjectInputFilter.Config.createFilter(
      "maxdepth=20;com.github.jelmerk.hnswlib.core.**;dev.facerec.index.*;"
          + "java.util.Comparators$NaturalOrderComparator;java.lang.Enum;!*");

  private final HnswIndex<UUID, float[], IndexedFace, Float> index;

  HnswlibGraph(int dim, int m, int efConstruction, int ef, int capacity, InnerProduct distance) {
    this(HnswIndex.newBuilder(dim, distance, capacity)
        .withM(m)
        .withEfConstruction(efConstruction)
        .withEf(ef)
        .withRemoveEnabled()
        .withCustomSerializers(new UuidSerializer(), new FaceSerializer())
        .build());
  }

  private HnswlibGraph(HnswIndex<UUID, float[], IndexedFace, Float> index) {
    this.index = index;
  }

  @Override
  public IndexEngine engine() {
    return IndexEngine.HNSWLIB;
  }

  @Override
  public void put(IndexedFace face) {
    index.add(face); // hnswlib reuses the node when only the subject changed, else tombstones it and adds a node
  }

  @Override
  public boolean remove(UUID faceId) {
    // Version 0 is the default Item version, so a later add of the same id is accepted again.
    return index.remove(faceId, 0L);
  }

  @Override
  public IndexedFace get(UUID faceId) {
    return index.get(faceId).orElse(null);
  }

  @Override
  public void forEach(java.util.function.Consumer<IndexedFace> action) {
    index.items().forEach(action);
  }

  @Override
  public int size() {
    return index.size();
  }

  @Override
  public int capacity() {
    return index.getMaxItemCount();
  }

  @Override
  public void resize(int capacity) {
    index.resize(capacity);
  }

  @Override
  public void setEf(int ef) {
    index.setEf(ef);
  }

  @Override
  public List<Neighbour> nearest(float[] query, int k) {
    List<SearchResult<IndexedFace, Float>> results = index.findNearest(query, k);
    List<Neighbour> out = new ArrayList<>(results.size());
    for (SearchResult<IndexedFace, Float> r : results) {
      out.add(new Neighbour(r.item().faceId(), r.item().subjectId(), r.distance()));
    }
    return out;
  }

  @Override
  public void write(DataOutputStream out) throws IOException {
    // hnswlib closes the stream it is given; the snapshot goes on after the payload.
    index.save(new FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        flush();
      }
    });
  }

  /** Reads what {@link #write} wrote; only known classes may appear in it. */
  static HnswlibGraph read(DataInputStream in, int dim, int ef) throws IOException {
    HnswIndex<UUID, float[], IndexedFace, Float> index;
    try (ObjectInputStream ois = new PayloadInputStream(in)) {
      @SuppressWarnings("unchecked")
      HnswIndex<UUID, float[], IndexedFace, Float> read = (HnswIndex<UUID, float[], IndexedFace, Float>) ois.readObject();
      index = read;
    } catch (ClassNotFoundException | ClassCastException e) {
      throw new IOException("not an hnswlib-core graph: " + e.getMessage(), e);
    }
    if (index.getDimensions() != dim || !index.isRemoveEnabled()) {
      throw new IOException("graph of dimension " + index.getDimensions() + " (expected " + dim + ") or without removal");
    }
    index.setEf(ef);
    return new HnswlibGraph(index);
  }

  /** Ids as two longs instead of Java-serialized UUID objects. */
  static final class UuidSerializer implements ObjectSerializer<UUID> {
    private static final long serialVersionUID = 1L;

    @Override
    public void write(UUID id, ObjectOutput out) throws IOException {
      out.writeLong(id.getMostSignificantBits());
      out.writeLong(id.getLeastSignificantBits());
    }

    @Override
    public UUID read(ObjectInput in) throws IOException {
      return new UUID(in.readLong(), in.readLong());
    }
  }

  /** Items as raw longs and floats: far smaller and faster than Java-serializing each record. */
  static final class FaceSerializer implements ObjectSerializer<IndexedFace> {
    private static final long serialVersionUID = 1L;

    @Override
    public void write(IndexedFace f, ObjectOutput out) throws IOException {
      out.writeLong(f.faceId().getMostSignificantBits());
      out.writeLong(f.faceId().getLeastSignificantBits());
      out.writeLong(f.subjectId().getMostSignificantBits());
      out.writeLong(f.subjectId().getLeastSignificantBits());
      float[] v = f.vector();
      out.writeInt(v.length);
      for (float x : v) {
        out.writeFloat(x);
      }
    }

    @Override
    public IndexedFace read(ObjectInput in) throws IOException {
      UUID faceId = new UUID(in.readLong(), in.readLong());
      UUID subjectId = new UUID(in.readLong(), in.readLong());
      int n = in.readInt();
      if (n < 0 || n > 1 << 16) {
        throw new IOException("implausible vector length " + n);
      }
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = in.readFloat();
      }
      return new IndexedFace(faceId, subjectId, v);
    }
  }

  /** Resolves classes with this library's loader and only lets known classes through. */
  private static final class PayloadInputStream extends ObjectInputStream {
    PayloadInputStream(InputStream in) throws IOException {
      super(in);
      setObjectInputFilter(PAYLOAD_FILTER);
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
      return Class.forName(desc.getName(), false, HnswlibGraph.class.getClassLoader());
    }
  }
}
