package io.vecdb.filter;

import io.vertx.core.json.JsonObject;
import java.util.List;

/** Geo points in payloads ({@code {"lon": x, "lat": y}}) and the geometry of geo conditions. */
final class Geo {
  /** Mean Earth radius in meters (IUGG), the sphere the distances are measured on. */
  static final double EARTH_RADIUS_M = 6_371_008.8;

  private Geo() {}

  /** {lat, lon} of a payload geo point, or null if {@code e} is not one (or out of range). */
  static double[] point(Object e) {
    if (!(e instanceof JsonObject o)
        || !(o.getValue("lat") instanceof Number lat)
        || !(o.getValue("lon") instanceof Number lon)) {
      return null;
    }
    double y = lat.doubleValue();
    double x = lon.doubleValue();
    if (!(y >= -90 && y <= 90 && x >= -180 && x <= 180)) {
      return null;
    }
    return new double[] {y, x};
  }

  /** Great-circle distance in meters (haversine). */
  static double meters(double lat1, double lon1, double lat2, double lon2) {
    double p1 = Math.toRadians(lat1);
    double p2 = Math.toRadians(lat2);
    double dp = p2 - p1;
    double dl = Math.toRadians(lon2 - lon1);
    double a =
        Math.sin(dp / 2) * Math.sin(dp / 2)
            + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) * Math.sin(dl / 2);
    return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  /** Degrees of latitude a distance of {@code meters} can span along any great circle. */
  static double latitudeSpan(double meters) {
    return Math.toDegrees(meters / EARTH_RADIUS_M);
  }

  /** Ray casting: true if {lat, lon} is inside the closed ring (edges count as inside). */
  static boolean inside(List<double[]> ring, double[] p) {
    boolean in = false;
    for (int i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
      double yi = ring.get(i)[0];
      double xi = ring.get(i)[1];
      double yj = ring.get(j)[0];
      double xj = ring.get(j)[1];
      if (onSegment(yi, xi, yj, xj, p[0], p[1])) {
        return true;
      }
      if ((yi > p[0]) != (yj > p[0]) && p[1] < (xj - xi) * (p[0] - yi) / (yj - yi) + xi) {
        in = !in;
      }
    }
    return in;
  }

  private static boolean onSegment(double y1, double x1, double y2, double x2, double y, double x) {
    double cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1);
    return Math.abs(cross) < 1e-12
        && x >= Math.min(x1, x2)
        && x <= Math.max(x1, x2)
        && y >= Math.min(y1, y2)
        && y <= Math.max(y1, y2);
  }
}
