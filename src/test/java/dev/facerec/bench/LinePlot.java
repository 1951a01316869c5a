package dev.facerec.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** A headless line chart (linear axes, one polyline with dots per series) for the benchmarks' PNG figures. */
final class LinePlot {
  private static final Color[] COLORS = {
    new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b)
  };
  private static final int W = 900;
  private static final int H = 600;
  private static final int LEFT = 90;
  private static final int RIGHT = 30;
  private static final int TOP = 50;
  private static final int BOTTOM = 70;

  private LinePlot() {}

  /**
   * @param series label -> points {x, y}, in drawing order
   * @param xMin the x axis starts here (the y axis at 0); the axes end a little above the largest value
   */
  static void write(Path png, String title, String xLabel, String yLabel, double xMin, Map<String, List<double[]>> series)
      throws IOException {
    System.setProperty("java.awt.headless", "true");
    double xMax = xMin;
    double yMax = 0;
    for (List<double[]> s : series.values()) {
      for (double[] p : s) {
        xMax = Math.max(xMax, p[0]);
        yMax = Math.max(yMax, p[1]);
      }
    }
    double xStep = step(xMax - xMin);
    double yStep = step(yMax);
    xMax = xMin + Math.ceil((xMax - xMin) / xStep + 1e-9) * xStep;
    yMax = Math.ceil(yMax * 1.05 / yStep) * yStep;
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, W, H);
      int pw = W - LEFT - RIGHT;
      int ph = H - TOP - BOTTOM;
      final double x0 = xMin;
      final double x1 = xMax;
      final double y1 = yMax;
      java.util.function.DoubleUnaryOperator px = v -> LEFT + (v - x0) / (x1 - x0) * pw;
      java.util.function.DoubleUnaryOperator py = v -> TOP + ph - v / y1 * ph;
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      for (double xv = x0; xv <= x1 + 1e-9; xv += xStep) {
        int gx = (int) px.applyAsDouble(xv);
        g.setColor(new Color(0xeeeeee));
        g.drawLine(gx, TOP, gx, TOP + ph);
        g.setColor(Color.DARK_GRAY);
        g.drawString(label(xv), gx - 12, TOP + ph + 18);
      }
      for (double yv = 0; yv <= y1 + 1e-9; yv += yStep) {
        int gy = (int) py.applyAsDouble(yv);
        g.setColor(new Color(0xeeeeee));
        g.drawLine(LEFT, gy, LEFT + pw, gy);
        g.setColor(Color.DARK_GRAY);
        g.drawString(label(yv), LEFT - 60, gy + 4);
      }
      g.setColor(Color.BLACK);
      g.drawRect(LEFT, TOP, pw, ph);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
      g.drawString(title, LEFT, TOP - 20);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      g.drawString(xLabel, LEFT + pw / 2 - 60, H - 25);
      g.rotate(-Math.PI / 2);
      g.drawString(yLabel, -(TOP + ph / 2 + 60), 25);
      g.rotate(Math.PI / 2);
      int k = 0;
      for (Map.Entry<String, List<double[]>> s : series.entrySet()) {
        Color c = COLORS[k % COLORS.length];
        g.setColor(c);
        g.setStroke(new BasicStroke(2f));
        int[] prev = null;
        for (double[] p : s.getValue()) {
          int[] q = {(int) px.applyAsDouble(p[0]), (int) py.applyAsDouble(p[1])};
          g.fillOval(q[0] - 4, q[1] - 4, 8, 8);
          if (prev != null) {
            g.drawLine(prev[0], prev[1], q[0], q[1]);
          }
          prev = q;
        }
        g.fillRect(LEFT + 15, TOP + 12 + k * 20, 14, 4);
        g.drawString(s.getKey(), LEFT + 36, TOP + 18 + k * 20);
        k++;
      }
    } finally {
      g.dispose();
    }
    Files.createDirectories(png.toAbsolutePath().getParent());
    ImageIO.write(img, "png", png.toFile());
  }

  /** A round tick step (1, 2 or 5 times a power of ten) giving about five ticks over {@code range}. */
  static double step(double range) {
    double raw = Math.max(range, 1e-9) / 5;
    double p = Math.pow(10, Math.floor(Math.log10(raw)));
    double f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
  }

  private static String label(double v) {
    return Math.abs(v) >= 100 || v == Math.rint(v) ? String.format("%.0f", v) : String.format("%.2f", v);
  }
}
