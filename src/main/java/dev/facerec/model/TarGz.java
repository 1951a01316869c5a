package dev.facerec.model;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * A minimal reader for gzipped tar files (npm package tarballs): finds one regular-file entry by name
 * and copies its bytes out. Knows ustar (name + prefix), pax {@code path} records and GNU long names,
 * which is all that npm and common tar writers produce; no dependency needed for one entry.
 */
final class TarGz {
  private static final int BLOCK = 512;

  private TarGz() {}

  /**
   * Copies the entry {@code entryName} (e.g. {@code package/model/fr_detect.onnx}) of {@code tgz} to {@code out}.
   *
   * @return false when the archive has no regular file of that name
   */
  static boolean copyEntry(Path tgz, String entryName, OutputStream out) throws IOException {
    try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(tgz), 1 << 16), 1 << 16)) {
      return copyEntry(in, entryName, out);
    }
  }

  /** Same as {@link #copyEntry(Path, String, OutputStream)} on an already decompressed tar stream. */
  static boolean copyEntry(InputStream tar, String entryName, OutputStream out) throws IOException {
    String wanted = normalize(entryName);
    byte[] header = new byte[BLOCK];
    String longName = null; // from a pax 'x' or GNU 'L' entry, applies to the next entry only
    while (true) {
      if (!readFully(tar, header)) {
        return false; // archive ended without the usual two zero blocks: still "not found"
      }
      if (isZero(header)) {
        return false;
      }
      long size = parseSize(header);
      char type = (char) header[156];
      if (type == 'x' || type == 'L') {
        byte[] data = readData(tar, size);
        longName = type == 'L' ? cString(data, 0, data.length) : paxPath(data);
        continue;
      }
      if (type == 'g') {
        skip(tar, padded(size));
        continue;
      }
      String name = longName != null ? longName : ustarName(header);
      longName = null;
      boolean regular = type == '0' || type == '\0' || type == '7';
      if (regular && normalize(name).equals(wanted)) {
        copy(tar, size, out);
        return true;
      }
      skip(tar, padded(size));
    }
  }

  private static String ustarName(byte[] h) {
    String name = cString(h, 0, 100);
    boolean ustar = new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
    String prefix = ustar ? cString(h, 345, 155) : "";
    return prefix.isEmpty() ? name : prefix + "/" + name;
  }

  /** Pax records are "LEN key=value\n"; only the path matters here. */
  private static String paxPath(byte[] data) {
    String path = null;
    int pos = 0;
    while (pos < data.length) {
      int space = indexOf(data, (byte) ' ', pos);
      if (space < 0) {
        break;
      }
      int len = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII).trim());
      if (len <= 0 || pos + len > data.length) {
        break;
      }
      String record = new String(data, space + 1, pos + len - space - 2, StandardCharsets.UTF_8);
      if (record.startsWith("path=")) {
        path = record.substring(5);
      }
      pos += len;
    }
    return path;
  }

  /** Octal, NUL/space terminated; GNU base-256 (high bit set) for sizes over 8 GiB. */
  static long parseSize(byte[] h) throws IOException {
    if ((h[124] & 0x80) != 0) {
      long v = 0;
      for (int i = 125; i < 136; i++) {
        v = (v << 8) | (h[i] & 0xff);
      }
      return v;
    }
    long v = 0;
    boolean digits = false;
    for (int i = 124; i < 136; i++) {
      byte b = h[i];
      if (b == 0 || (b == ' ' && digits)) {
        break;
      }
      if (b == ' ') {
        continue;
      }
      if (b < '0' || b > '7') {
        throw new IOException("not a tar archive: bad size field");
      }
      v = v * 8 + (b - '0');
      digits = true;
    }
    return v;
  }

  private static String normalize(String name) {
    String n = name;
    while (n.startsWith("./")) {
      n = n.substring(2);
    }
    return n;
  }

  private static String cString(byte[] b, int off, int max) {
    int end = off;
    while (end < off + max && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static int indexOf(byte[] b, byte v, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == v) {
        return i;
      }
    }
    return -1;
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static long padded(long size) {
    return (size + BLOCK - 1) / BLOCK * BLOCK;
  }

  private static byte[] readData(InputStream in, long size) throws IOException {
    if (size > (1 << 20)) {
      throw new IOException("not a tar archive: extended header of " + size + " bytes");
    }
    byte[] data = new byte[(int) size];
    if (!readFully(in, data)) {
      throw new EOFException("tar archive truncated");
    }
    skip(in, padded(size) - size);
    return data;
  }

  private static void copy(InputStream in, long size, OutputStream out) throws IOException {
    byte[] buf = new byte[1 << 16];
    long left = size;
    while (left > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        throw new EOFException("tar archive truncated");
      }
      out.write(buf, 0, n);
      left -= n;
    }
  }

  private static void skip(InputStream in, long n) throws IOException {
    long left = n;
    while (left > 0) {
      long s = in.skip(left);
      if (s <= 0) {
        if (in.read() < 0) {
          throw new EOFException("tar archive truncated");
        }
        s = 1;
      }
      left -= s;
    }
  }

  private static boolean readFully(InputStream in, byte[] b) throws IOException {
    int off = 0;
    while (off < b.length) {
      int n = in.read(b, off, b.length - off);
      if (n < 0) {
        if (off == 0) {
          return false;
        }
        throw new EOFException("tar archive truncated");
      }
      off += n;
    }
    return true;
  }
}
